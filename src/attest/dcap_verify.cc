#include "attest/dcap_verify.h"

#include <openssl/x509.h>

#include <algorithm>
#include <string>
#include <vector>

#include "attest/chain_to_root.h"
#include "attest/collateral_verify.h"
#include "attest/pck_extension.h"
#include "attest/platform_evidence.h"
#include "attest/quote.h"
#include "attest/tcb_evaluation.h"
#include "crypto/ecdsa_raw.h"
#include "crypto/hash.h"

namespace coffer::attest::internal {
namespace {

using crypto::Certificate;

std::string_view CertificationTypeName(uint16_t type) {
  switch (type) {
    case 1: return "PPID in clear text";
    case 2: return "PPID encrypted with RSA-2048";
    case 3: return "PPID encrypted with RSA-3072";
    case 4: return "PCK certificate";
    case 7: return "platform manifest";
    default: return "unknown";
  }
}

// The certificates of type 5 certification data. The PEM must be exactly
// what the certificates re-encode to (plus trailing NULs, which Intel's QE
// writes): the certification data is not signed, so Coffer accepts one
// encoding only and every byte of it is accounted for.
StatusOr<std::vector<Certificate>> CertificationCertificates(
    const Quote& quote) {
  if (quote.certification_data_type != kCertificationPckChain) {
    return InvalidArgumentError(
        "unsupported certification data type " +
        std::to_string(quote.certification_data_type) + " (" +
        std::string(CertificationTypeName(quote.certification_data_type)) +
        "): Coffer needs type 5, the PEM PCK certificate chain");
  }
  std::string_view pem = AsString(quote.certification_data);
  while (!pem.empty() && pem.back() == '\0') pem.remove_suffix(1);
  StatusOr<std::vector<Certificate>> certificates =
      crypto::ParsePemCertificates(pem);
  if (!certificates.ok()) {
    return certificates.status().WithContext("certification data");
  }
  if (crypto::CertificatesToPem(*certificates) != pem) {
    return InvalidArgumentError(
        "certification data: the PEM is not exactly its certificates in "
        "canonical form (stray text or a non-canonical encoding)");
  }
  return certificates;
}

// Steps 3 and 4: the QE report by `qe_signer`, the attestation key bound
// to it, the quote by the attestation key.
Status VerifySignatures(const Quote& quote, const crypto::PublicKey& qe_signer,
                        std::string_view signer_name) {
  if (!crypto::VerifyEcdsaRaw(qe_signer, quote.qe_report_raw,
                              quote.qe_report_signature)
           .ok()) {
    return UnauthenticatedError(
        "QE report signature does not verify with the " +
        std::string(signer_name) + " key");
  }
  crypto::Sha256Hasher hasher;
  hasher.Update(quote.attestation_key);
  hasher.Update(quote.qe_auth_data);
  const crypto::Sha256Digest digest = hasher.Finish();
  const auto& report_data = quote.qe_report.report_data;
  if (!std::equal(digest.begin(), digest.end(), report_data.begin()) ||
      !std::all_of(report_data.begin() + digest.size(), report_data.end(),
                   [](uint8_t byte) { return byte == 0; })) {
    return UnauthenticatedError(
        "QE report data is not SHA-256(attestation key || QE authentication "
        "data): the attestation key is not the quoting enclave's");
  }
  Status status = crypto::VerifyEcdsaP256Raw(
      quote.attestation_key, quote.signed_data, quote.signature);
  if (!status.ok()) {
    return UnauthenticatedError(
        "quote signature does not verify with the attestation key: " +
        status.message());
  }
  return OkStatus();
}

Status CheckPlatformCertificate(const Certificate& platform, TimePoint now) {
  const std::string name =
      "simulation platform certificate \"" + platform.subject() + "\"";
  if (platform.subject() != platform.issuer()) {
    return UnauthenticatedError(name + " is not self-signed");
  }
  EVP_PKEY* key = X509_get0_pubkey(platform.native());
  if (key == nullptr || X509_verify(platform.native(), key) != 1) {
    return UnauthenticatedError(name + ": its self-signature does not verify");
  }
  if (now < platform.not_before() || now > platform.not_after()) {
    return UnauthenticatedError(name + " is valid from " +
                                FormatRfc3339(platform.not_before()) + " to " +
                                FormatRfc3339(platform.not_after()) +
                                ", not at " + FormatRfc3339(now));
  }
  return OkStatus();
}

StatusOr<PlatformEvidence> VerifySimulationPlatform(const Quote& quote,
                                                    TimePoint now) {
  if (quote.header.version != kQuoteVersionSgx) {
    return InvalidArgumentError(
        "a simulation quote must have version 3 (the SGX layout), not " +
        std::to_string(quote.header.version));
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<Certificate> certificates,
                          CertificationCertificates(quote));
  if (certificates.size() != 1) {
    return UnauthenticatedError(
        "a simulation quote must carry exactly one platform certificate, "
        "not " +
        std::to_string(certificates.size()));
  }
  const Certificate& platform = certificates.front();
  COFFER_RETURN_IF_ERROR(CheckPlatformCertificate(platform, now));
  StatusOr<crypto::PublicKey> key = platform.public_key();
  if (!key.ok() || key->type() != crypto::KeyType::kP256) {
    return UnauthenticatedError(
        "simulation platform certificate must have a P-256 key");
  }
  std::string platform_id = HexEncode(crypto::Sha256(key->ToDer()));
  PlatformEvidence evidence{.type = QuoteType::kSimulation,
                            .qe_signer = *std::move(key),
                            .qe_signer_name = "platform",
                            .pck_extension = std::nullopt,
                            .platform_id = std::move(platform_id),
                            .window = {}};
  evidence.window.NarrowToCertificates(certificates);
  return evidence;
}

StatusOr<PlatformEvidence> VerifyHardwarePlatform(const Quote& quote,
                                                  const Collateral* collateral,
                                                  TimePoint now,
                                                  const Certificate& root) {
  if (quote.header.qe_vendor_id != kIntelQeVendorId) {
    return InvalidArgumentError("unsupported QE vendor ID " +
                                HexEncode(quote.header.qe_vendor_id) +
                                ": neither Intel's nor Coffer's simulation");
  }
  ValidityWindow window;
  std::vector<crypto::Crl> crls;
  if (collateral != nullptr) {
    COFFER_ASSIGN_OR_RETURN(crls,
                            CheckCollateralDates(*collateral, now, window));
  }
  const std::string chain_name = "PCK certificate chain";
  COFFER_ASSIGN_OR_RETURN(std::vector<Certificate> chain,
                          CertificationCertificates(quote));
  COFFER_RETURN_IF_ERROR(CheckEndsAtRoot(chain, root, chain_name));
  const Certificate& pck = chain.front();
  COFFER_RETURN_IF_ERROR(
      ExpectCommonName(pck, "SGX PCK Certificate", "PCK certificate"));
  if (collateral != nullptr && crls.back().issuer() != pck.issuer()) {
    return FailedPreconditionError(
        "collateral's pck_crl is issued by \"" + crls.back().issuer() +
        "\", but the PCK certificate by \"" + pck.issuer() +
        "\": the collateral belongs to another platform");
  }
  COFFER_RETURN_IF_ERROR(VerifyChainToRoot(chain, root, now, crls, chain_name));
  window.NarrowToCertificates(chain);
  COFFER_ASSIGN_OR_RETURN(PckExtension extension, ParsePckExtension(pck));
  if (collateral != nullptr) {
    COFFER_RETURN_IF_ERROR(
        VerifyCollateralSignatures(*collateral, root, now, crls, window));
  }
  COFFER_ASSIGN_OR_RETURN(crypto::PublicKey pck_key, pck.public_key());
  return PlatformEvidence{
      .type = quote.is_tdx() ? QuoteType::kTdx : QuoteType::kSgx,
      .qe_signer = std::move(pck_key),
      .qe_signer_name = "PCK certificate",
      .pck_extension = extension,
      .platform_id = {},
      .window = window};
}

VerifiedQuote BaseResult(const Quote& quote, QuoteType type) {
  VerifiedQuote result;
  result.type = type;
  if (quote.td_report.has_value()) {
    const TdReport& td = *quote.td_report;
    result.debug = td.debug();
    result.mrenclave.assign(td.mr_td.begin(), td.mr_td.end());
    result.mrsigner.assign(td.mr_signer_seam.begin(), td.mr_signer_seam.end());
    result.report_data = td.report_data;
    result.td_report = td;
  } else {
    const EnclaveReport& report = *quote.enclave_report;
    result.debug = report.debug();
    result.mrenclave.assign(report.mr_enclave.begin(), report.mr_enclave.end());
    result.mrsigner.assign(report.mr_signer.begin(), report.mr_signer.end());
    result.isv_prod_id = report.isv_prod_id;
    result.isv_svn = report.isv_svn;
    result.report_data = report.report_data;
  }
  return result;
}

}  // namespace

StatusOr<PlatformEvidence> VerifyPlatform(const Quote& quote,
                                          const Collateral* collateral,
                                          TimePoint now,
                                          const Certificate& root) {
  if (quote.is_simulation()) return VerifySimulationPlatform(quote, now);
  return VerifyHardwarePlatform(quote, collateral, now, root);
}

StatusOr<VerifiedQuote> FinishVerification(const Quote& quote,
                                           const PlatformEvidence& platform,
                                           const Collateral* collateral) {
  COFFER_RETURN_IF_ERROR(
      VerifySignatures(quote, platform.qe_signer, platform.qe_signer_name));
  VerifiedQuote result = BaseResult(quote, platform.type);
  result.platform_id = platform.platform_id;
  if (!platform.pck_extension.has_value()) return result;
  result.fmspc = platform.pck_extension->fmspc;
  if (collateral == nullptr) return result;
  COFFER_ASSIGN_OR_RETURN(
      TcbEvaluation evaluation,
      EvaluateTcb(quote, *platform.pck_extension, *collateral));
  result.tcb_status = evaluation.status;
  result.advisory_ids = std::move(evaluation.advisory_ids);
  return result;
}

}  // namespace coffer::attest::internal

namespace coffer::attest {

StatusOr<VerifiedQuote> VerifyQuote(std::span<const uint8_t> quote_bytes,
                                    const Collateral* collateral,
                                    std::chrono::system_clock::time_point now,
                                    const crypto::Certificate& trusted_root) {
  COFFER_ASSIGN_OR_RETURN(Quote quote, ParseQuote(quote_bytes));
  COFFER_ASSIGN_OR_RETURN(
      internal::PlatformEvidence platform,
      internal::VerifyPlatform(quote, collateral, now, trusted_root));
  return internal::FinishVerification(quote, platform, collateral);
}

}  // namespace coffer::attest

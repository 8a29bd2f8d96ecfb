#include "attest/test_util.h"

#include <map>

#include "common/files.h"
#include "crypto/certificate_issuer.h"
#include "crypto/ecdsa_raw.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace coffer::attest::testing {
namespace {

void AppendLe(Bytes& out, uint64_t value, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

void Append(Bytes& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void AppendZeros(Bytes& out, size_t size) { out.resize(out.size() + size); }

// sgx_report_body_t with the fields the contract sets.
Bytes ReportBody(const std::array<uint8_t, 32>& mr_enclave,
                 const std::array<uint8_t, 32>& mr_signer, uint64_t flags,
                 std::span<const uint8_t> report_data) {
  Bytes body;
  AppendZeros(body, 16);  // cpu_svn
  AppendLe(body, 0, 4);   // misc_select
  AppendZeros(body, 28);  // reserved, isv_ext_prod_id
  AppendLe(body, flags, 8);
  AppendLe(body, 0x03, 8);  // xfrm
  Append(body, mr_enclave);
  AppendZeros(body, 32);
  Append(body, mr_signer);
  AppendZeros(body, 32);
  AppendZeros(body, 64);  // config_id
  AppendLe(body, 0, 2);   // isv_prod_id
  AppendLe(body, 0, 2);   // isv_svn
  AppendLe(body, 0, 2);   // config_svn
  AppendZeros(body, 42);
  AppendZeros(body, 16);  // isv_family_id
  Append(body, report_data);
  AppendZeros(body, 64 - report_data.size());
  return body;
}

const crypto::PrivateKey& CachedP256Key(int which) {
  static auto* keys = new std::map<int, crypto::PrivateKey>();
  auto it = keys->find(which);
  if (it == keys->end()) {
    it = keys->emplace(which, ValueOrDie(crypto::PrivateKey::Generate(
                                  crypto::KeyType::kP256)))
             .first;
  }
  return it->second;
}

}  // namespace

Bytes ReadTestData(const std::string& name) {
  const std::string text = ReadTestText(name);
  return Bytes(text.begin(), text.end());
}

std::string ReadTestText(const std::string& name) {
  return ValueOrDie(
      ReadFile(std::string(COFFER_ATTEST_TESTDATA) + "/dcap/" + name));
}

Collateral LoadCollateral(const std::string& name) {
  return ValueOrDie(ParseCollateral(ReadTestText(name)));
}

crypto::Certificate IntelRoot() {
  return ValueOrDie(
      crypto::Certificate::FromDer(ReadTestData("TrustedRootCA.der")));
}

TimePoint Date(int year, unsigned month, unsigned day, int hour, int minute) {
  return std::chrono::sys_days(std::chrono::year(year) /
                               std::chrono::month(month) /
                               std::chrono::day(day)) +
         std::chrono::hours(hour) + std::chrono::minutes(minute);
}

TimePoint CollateralNow() { return Date(2025, 7, 1); }

crypto::CertificateSpec SpecFrom2025(std::string common_name,
                                     crypto::CertificateSpec::Usage usage,
                                     std::chrono::days valid_for) {
  crypto::CertificateSpec spec;
  spec.common_name = std::move(common_name);
  spec.usage = usage;
  spec.not_before = Date(2025, 1, 1);
  spec.valid_for = valid_for;
  return spec;
}

SimulationPlatform MakeSimulationPlatform(int which) {
  const crypto::PrivateKey& key = CachedP256Key(100 + which);
  // Shaped like the LAS's (las/platform_certificate.h), but from 2025.
  const crypto::CertificateSpec spec = SpecFrom2025(
      "Coffer simulated platform", crypto::CertificateSpec::Usage::kSigning,
      std::chrono::days(36525));
  SimulationPlatform platform{
      &key, ValueOrDie(crypto::MakeSelfSignedLeaf(key, spec)), ""};
  platform.platform_id = HexEncode(crypto::Sha256(key.PublicKeyDer()));
  return platform;
}

Bytes BuildSimulationQuote(const SimulationPlatform& platform,
                           const SimulationQuoteSpec& spec) {
  const crypto::PrivateKey& attestation_key = CachedP256Key(0);
  const Bytes attestation_public =
      ValueOrDie(crypto::P256PublicKeyToRaw(attestation_key.public_key()));
  Bytes quote;
  AppendLe(quote, 3, 2);  // version
  AppendLe(quote, 2, 2);  // ECDSA-256-with-P-256
  AppendLe(quote, 0, 4);  // SGX
  AppendLe(quote, 0, 2);  // qe_svn
  AppendLe(quote, 0, 2);  // pce_svn
  Append(quote, spec.vendor_id);
  AppendZeros(quote, 20);
  Append(quote, ReportBody(spec.mr_enclave, spec.mr_signer, spec.flags,
                           spec.report_data));

  const Bytes quote_signature =
      ValueOrDie(crypto::SignEcdsaP256Raw(attestation_key, quote));
  const Bytes qe_auth_data = ValueOrDie(crypto::RandomBytes(32));
  crypto::Sha256Hasher hasher;
  hasher.Update(attestation_public);
  hasher.Update(qe_auth_data);
  const crypto::Sha256Digest binding = hasher.Finish();
  std::array<uint8_t, 32> las_identity{};
  las_identity.fill(0x1A);
  const Bytes qe_report =
      ReportBody(las_identity, std::array<uint8_t, 32>{}, 0x05, binding);
  const Bytes qe_signature =
      ValueOrDie(crypto::SignEcdsaP256Raw(*platform.key, qe_report));
  const std::string pem = platform.certificate.ToPem();

  Bytes signature_data;
  Append(signature_data, quote_signature);
  Append(signature_data, attestation_public);
  Append(signature_data, qe_report);
  Append(signature_data, qe_signature);
  AppendLe(signature_data, qe_auth_data.size(), 2);
  Append(signature_data, qe_auth_data);
  AppendLe(signature_data, 5, 2);
  AppendLe(signature_data, pem.size(), 4);
  Append(signature_data, AsBytes(pem));

  AppendLe(quote, signature_data.size(), 4);
  Append(quote, signature_data);
  return quote;
}

Bytes ReplaceCertificationData(const Bytes& quote, uint16_t type,
                               std::string_view data) {
  const Quote parsed = ValueOrDie(ParseQuote(quote));
  // Version 3: the certification data block is the end of the signature
  // data.
  const size_t old_block = 6 + parsed.certification_data.size();
  Bytes out(quote.begin(),
            quote.begin() + static_cast<long>(parsed.size - old_block));
  AppendLe(out, type, 2);
  AppendLe(out, data.size(), 4);
  Append(out, AsBytes(data));
  const size_t signature_size = out.size() - 436;
  for (size_t i = 0; i < 4; ++i) {
    out[432 + i] = static_cast<uint8_t>(signature_size >> (8 * i));
  }
  return out;
}

}  // namespace coffer::attest::testing

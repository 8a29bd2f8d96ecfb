#include "attest/collateral_verify.h"

#include <optional>
#include <string>

#include "attest/chain_to_root.h"
#include "crypto/ecdsa_raw.h"

namespace coffer::attest::internal {
namespace {

Status CheckWindow(std::string_view part, std::string_view start_name,
                   TimePoint start, std::string_view end_name,
                   std::optional<TimePoint> end, TimePoint now) {
  if (now < start) {
    return FailedPreconditionError(
        "collateral not yet valid: " + std::string(part) + " " +
        std::string(start_name) + " " + FormatRfc3339(start) +
        " is after now " + FormatRfc3339(now));
  }
  if (end.has_value() && now > *end) {
    return FailedPreconditionError("collateral expired: " + std::string(part) +
                                   " " + std::string(end_name) + " " +
                                   FormatRfc3339(*end) + " is before now " +
                                   FormatRfc3339(now));
  }
  return OkStatus();
}

StatusOr<crypto::Crl> ParseCrl(const Bytes& der, std::string_view part) {
  StatusOr<crypto::Crl> crl = crypto::Crl::FromDer(der);
  if (!crl.ok())
    return crl.status().WithContext("collateral: " + std::string(part));
  return crl;
}

// A signed JSON part: its issuer chain to the root, and its signature by
// the chain's leaf over the exact text.
Status VerifySignedJson(std::string_view part, std::string_view issuer_chain,
                        std::string_view json, const Bytes& signature,
                        const crypto::Certificate& root, TimePoint now,
                        std::span<const crypto::Crl> crls,
                        ValidityWindow& window) {
  const std::string chain_name = std::string(part) + " issuer chain";
  COFFER_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain,
                          ParseChainToRoot(issuer_chain, root, chain_name));
  COFFER_RETURN_IF_ERROR(VerifyChainToRoot(chain, root, now, crls, chain_name));
  window.NarrowToCertificates(chain);
  COFFER_RETURN_IF_ERROR(
      ExpectCommonName(chain.front(), "SGX TCB Signing", chain_name + " leaf"));
  COFFER_ASSIGN_OR_RETURN(crypto::PublicKey key, chain.front().public_key());
  Status status = crypto::VerifyEcdsaRaw(key, AsBytes(json), signature);
  if (!status.ok()) {
    return UnauthenticatedError(std::string(part) +
                                " signature does not verify with \"" +
                                chain.front().subject() + "\"");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<crypto::Crl>> CheckCollateralDates(
    const Collateral& collateral, TimePoint now, ValidityWindow& window) {
  COFFER_RETURN_IF_ERROR(
      CheckWindow("tcb_info", "issueDate", collateral.tcb_info.issue_date,
                  "nextUpdate", collateral.tcb_info.next_update, now));
  COFFER_RETURN_IF_ERROR(
      CheckWindow("qe_identity", "issueDate", collateral.qe_identity.issue_date,
                  "nextUpdate", collateral.qe_identity.next_update, now));
  std::vector<crypto::Crl> crls;
  COFFER_ASSIGN_OR_RETURN(crypto::Crl root_crl,
                          ParseCrl(collateral.root_ca_crl, "root_ca_crl"));
  COFFER_ASSIGN_OR_RETURN(crypto::Crl pck_crl,
                          ParseCrl(collateral.pck_crl, "pck_crl"));
  COFFER_RETURN_IF_ERROR(CheckWindow("root_ca_crl", "thisUpdate",
                                     root_crl.this_update(), "nextUpdate",
                                     root_crl.next_update(), now));
  COFFER_RETURN_IF_ERROR(CheckWindow("pck_crl", "thisUpdate",
                                     pck_crl.this_update(), "nextUpdate",
                                     pck_crl.next_update(), now));
  window.Narrow(collateral.tcb_info.issue_date,
                collateral.tcb_info.next_update);
  window.Narrow(collateral.qe_identity.issue_date,
                collateral.qe_identity.next_update);
  window.Narrow(root_crl.this_update(), root_crl.next_update());
  window.Narrow(pck_crl.this_update(), pck_crl.next_update());
  crls.push_back(std::move(root_crl));
  crls.push_back(std::move(pck_crl));
  return crls;
}

Status VerifyCollateralSignatures(const Collateral& collateral,
                                  const crypto::Certificate& root,
                                  TimePoint now,
                                  std::span<const crypto::Crl> crls,
                                  ValidityWindow& window) {
  COFFER_RETURN_IF_ERROR(VerifySignedJson(
      "tcb_info", collateral.tcb_info_issuer_chain, collateral.tcb_info_json,
      collateral.tcb_info_signature, root, now, crls, window));
  COFFER_RETURN_IF_ERROR(VerifySignedJson(
      "qe_identity", collateral.qe_identity_issuer_chain,
      collateral.qe_identity_json, collateral.qe_identity_signature, root, now,
      crls, window));
  // The PCK CRL's issuer: the CA that signed the PCK certificate. OpenSSL
  // checks the CRL's signature against that CA when it verifies the PCK
  // chain; this checks the chain Intel ships with the CRL, as QVL does.
  const std::string chain_name = "pck_crl issuer chain";
  COFFER_ASSIGN_OR_RETURN(
      std::vector<crypto::Certificate> chain,
      ParseChainToRoot(collateral.pck_crl_issuer_chain, root, chain_name));
  COFFER_RETURN_IF_ERROR(VerifyChainToRoot(chain, root, now, crls, chain_name));
  window.NarrowToCertificates(chain);
  if (crls.size() == 2 && crls[1].issuer() != chain.front().subject()) {
    return UnauthenticatedError("pck_crl is issued by \"" + crls[1].issuer() +
                                "\", not by its issuer chain's \"" +
                                chain.front().subject() + "\"");
  }
  return OkStatus();
}

}  // namespace coffer::attest::internal

#include "attest/collateral.h"

#include "attest/json_fields.h"

namespace coffer::attest {
namespace {

using internal::JsonFields;

constexpr size_t kSignatureSize = 64;  // ECDSA P-256 r || s

}  // namespace

StatusOr<Collateral> ParseCollateral(std::string_view json) {
  COFFER_ASSIGN_OR_RETURN(internal::Json document,
                          internal::ParseJsonObject(json, "collateral"));
  const JsonFields fields(document, "collateral");
  Collateral collateral;
  COFFER_ASSIGN_OR_RETURN(collateral.pck_crl_issuer_chain,
                          fields.String("pck_crl_issuer_chain"));
  COFFER_ASSIGN_OR_RETURN(collateral.root_ca_crl, fields.Hex("root_ca_crl"));
  COFFER_ASSIGN_OR_RETURN(collateral.pck_crl, fields.Hex("pck_crl"));
  COFFER_ASSIGN_OR_RETURN(collateral.tcb_info_issuer_chain,
                          fields.String("tcb_info_issuer_chain"));
  COFFER_ASSIGN_OR_RETURN(collateral.tcb_info_json, fields.String("tcb_info"));
  COFFER_ASSIGN_OR_RETURN(collateral.tcb_info_signature,
                          fields.Hex("tcb_info_signature", kSignatureSize));
  COFFER_ASSIGN_OR_RETURN(collateral.qe_identity_issuer_chain,
                          fields.String("qe_identity_issuer_chain"));
  COFFER_ASSIGN_OR_RETURN(collateral.qe_identity_json,
                          fields.String("qe_identity"));
  COFFER_ASSIGN_OR_RETURN(collateral.qe_identity_signature,
                          fields.Hex("qe_identity_signature", kSignatureSize));
  COFFER_ASSIGN_OR_RETURN(collateral.tcb_info,
                          ParseTcbInfo(collateral.tcb_info_json));
  COFFER_ASSIGN_OR_RETURN(collateral.qe_identity,
                          ParseQeIdentity(collateral.qe_identity_json));
  return collateral;
}

}  // namespace coffer::attest

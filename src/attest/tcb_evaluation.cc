#include "attest/tcb_evaluation.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "common/encoding.h"

namespace coffer::attest::internal {
namespace {

// True if every byte of `have` from `from` on is at least `need`'s.
bool SvnsAtLeast(const SvnArray& have, const SvnArray& need, size_t from = 0) {
  for (size_t i = from; i < have.size(); ++i) {
    if (have[i] < need[i]) return false;
  }
  return true;
}

// (value & mask) == expected, byte by byte.
template <size_t N>
bool MaskedEqual(const std::array<uint8_t, N>& value,
                 const std::array<uint8_t, N>& mask,
                 const std::array<uint8_t, N>& expected) {
  for (size_t i = 0; i < N; ++i) {
    if ((value[i] & mask[i]) != expected[i]) return false;
  }
  return true;
}

void AddAdvisories(const std::vector<std::string>& ids,
                   std::vector<std::string>& out) {
  for (const std::string& id : ids) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
}

Status CheckPlatform(const Quote& quote, const PckExtension& pck,
                     const TcbInfo& info) {
  const std::string quote_tee = quote.is_tdx() ? "TDX" : "SGX";
  if (info.id != quote_tee) {
    return FailedPreconditionError("collateral's tcb_info is for " + info.id +
                                   ", but the quote is " + quote_tee);
  }
  if (info.fmspc != pck.fmspc) {
    return FailedPreconditionError(
        "collateral's tcb_info is for FMSPC " + HexEncode(info.fmspc) +
        ", but the PCK certificate's FMSPC is " + HexEncode(pck.fmspc));
  }
  if (info.pce_id != pck.pce_id) {
    return FailedPreconditionError(
        "collateral's tcb_info is for PCE ID " + HexEncode(info.pce_id) +
        ", but the PCK certificate's PCE ID is " + HexEncode(pck.pce_id));
  }
  return OkStatus();
}

// The first identity level whose ISV SVN is at most `isv_svn`.
const IdentityTcbLevel* IdentityLevel(
    const std::vector<IdentityTcbLevel>& levels, uint16_t isv_svn) {
  for (const IdentityTcbLevel& level : levels) {
    if (level.isv_svn <= isv_svn) return &level;
  }
  return nullptr;
}

StatusOr<const IdentityTcbLevel*> CheckQuotingEnclave(
    const Quote& quote, const QeIdentity& identity) {
  const std::string expected_id = quote.is_tdx() ? "TD_QE" : "QE";
  if (identity.id != expected_id) {
    return FailedPreconditionError("collateral's qe_identity is for \"" +
                                   identity.id + "\", but the quote needs \"" +
                                   expected_id + "\"");
  }
  const EnclaveReport& qe = quote.qe_report;
  const std::string mismatch = "QE report does not match the qe_identity: ";
  if (!MaskedEqual(qe.misc_select, identity.miscselect_mask,
                   identity.miscselect)) {
    return UnauthenticatedError(mismatch + "MISCSELECT " +
                                HexEncode(qe.misc_select));
  }
  if (!MaskedEqual(qe.attributes, identity.attributes_mask,
                   identity.attributes)) {
    return UnauthenticatedError(mismatch + "attributes " +
                                HexEncode(qe.attributes));
  }
  if (qe.mr_signer != identity.mr_signer) {
    return UnauthenticatedError(mismatch + "MRSIGNER " +
                                HexEncode(qe.mr_signer) + " is not " +
                                HexEncode(identity.mr_signer));
  }
  if (qe.isv_prod_id != identity.isv_prod_id) {
    return UnauthenticatedError(mismatch + "ISV product ID " +
                                std::to_string(qe.isv_prod_id) + " is not " +
                                std::to_string(identity.isv_prod_id));
  }
  const IdentityTcbLevel* level =
      IdentityLevel(identity.tcb_levels, qe.isv_svn);
  if (level == nullptr) {
    return FailedPreconditionError("TCB not supported: the QE's ISV SVN " +
                                   std::to_string(qe.isv_svn) +
                                   " is below every level of the qe_identity");
  }
  return level;
}

std::string ModuleIdentityId(uint8_t major_version) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("TDX_") + kDigits[major_version >> 4] +
         kDigits[major_version & 0xF];
}

bool SameIdIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) ==
           std::toupper(static_cast<unsigned char>(y));
  });
}

// The TDX module's identity level, or null when the module has major
// version 0 and only the tcb_info's tdxModule applies (then UpToDate).
StatusOr<const IdentityTcbLevel*> CheckTdxModule(const TdReport& td,
                                                 const TcbInfo& info) {
  if (!info.tdx_module.has_value()) {
    return FailedPreconditionError(
        "collateral's tcb_info for TDX has no tdxModule");
  }
  const uint8_t major_version = td.tee_tcb_svn[1];
  const TdxModuleIdentity* identity = nullptr;
  TdxModule expected = *info.tdx_module;
  if (major_version > 0) {
    const std::string id = ModuleIdentityId(major_version);
    for (const TdxModuleIdentity& candidate : info.tdx_module_identities) {
      if (SameIdIgnoringCase(candidate.id, id)) identity = &candidate;
    }
    if (identity == nullptr) {
      return FailedPreconditionError(
          "collateral's tcb_info has no TDX module identity " + id +
          " for the quote's TDX module");
    }
    expected = identity->module;
  }
  if (td.mr_signer_seam != expected.mr_signer) {
    return UnauthenticatedError(
        "TD report's MRSIGNERSEAM " + HexEncode(td.mr_signer_seam) +
        " is not the TDX module's " + HexEncode(expected.mr_signer));
  }
  if (!MaskedEqual(td.seam_attributes, expected.attributes_mask,
                   expected.attributes)) {
    return UnauthenticatedError("TD report's SEAM attributes " +
                                HexEncode(td.seam_attributes) +
                                " do not match the TDX module's");
  }
  if (identity == nullptr) return nullptr;
  const IdentityTcbLevel* level =
      IdentityLevel(identity->tcb_levels, td.tee_tcb_svn[0]);
  if (level == nullptr) {
    return FailedPreconditionError(
        "TCB not supported: the TDX module's ISV SVN " +
        std::to_string(td.tee_tcb_svn[0]) + " is below every level of " +
        identity->id);
  }
  return level;
}

}  // namespace

StatusOr<TcbEvaluation> EvaluateTcb(const Quote& quote, const PckExtension& pck,
                                    const Collateral& collateral) {
  const TcbInfo& info = collateral.tcb_info;
  COFFER_RETURN_IF_ERROR(CheckPlatform(quote, pck, info));
  COFFER_ASSIGN_OR_RETURN(const IdentityTcbLevel* qe_level,
                          CheckQuotingEnclave(quote, collateral.qe_identity));

  const TcbLevel* sgx_level = nullptr;
  const TcbLevel* tdx_level = nullptr;
  for (const TcbLevel& level : info.tcb_levels) {
    if (!SvnsAtLeast(pck.cpu_svn_components, level.sgx_components) ||
        pck.pce_svn < level.pce_svn) {
      continue;
    }
    if (sgx_level == nullptr) sgx_level = &level;
    if (!quote.is_tdx()) break;
    const SvnArray& tee_tcb_svn = quote.td_report->tee_tcb_svn;
    // With a module major version above 0, the first two bytes are the
    // module's own SVN and version, judged by its identity instead.
    const size_t from = tee_tcb_svn[1] > 0 ? 2 : 0;
    if (level.tdx_components.has_value() &&
        SvnsAtLeast(tee_tcb_svn, *level.tdx_components, from)) {
      tdx_level = &level;
      break;
    }
  }
  if (sgx_level == nullptr) {
    return FailedPreconditionError(
        "TCB not supported: no level of the tcb_info matches the PCK "
        "certificate's TCB (CPU SVN components " +
        HexEncode(pck.cpu_svn_components) + ", PCE SVN " +
        std::to_string(pck.pce_svn) + ")");
  }

  TcbEvaluation result;
  if (!quote.is_tdx()) {
    result.status = sgx_level->status;
    AddAdvisories(sgx_level->advisory_ids, result.advisory_ids);
  } else {
    if (tdx_level == nullptr) {
      return FailedPreconditionError(
          "TCB not supported: no TDX level of the tcb_info matches the TEE "
          "TCB SVN " +
          HexEncode(quote.td_report->tee_tcb_svn));
    }
    COFFER_ASSIGN_OR_RETURN(const IdentityTcbLevel* module_level,
                            CheckTdxModule(*quote.td_report, info));
    result.status = tdx_level->status;
    AddAdvisories(tdx_level->advisory_ids, result.advisory_ids);
    if (module_level != nullptr) {
      result.status = ConvergeTcbStatus(result.status, module_level->status);
      AddAdvisories(module_level->advisory_ids, result.advisory_ids);
    }
  }
  result.status = ConvergeTcbStatus(result.status, qe_level->status);
  AddAdvisories(qe_level->advisory_ids, result.advisory_ids);
  return result;
}

}  // namespace coffer::attest::internal

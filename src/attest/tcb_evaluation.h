// Internal to src/attest: the TCB status of a verified quote, computed from
// authenticated collateral the way Intel's Quote Verification Library does.
//
//  - The collateral must be for this platform: TCB info for the quote's TEE
//    ("SGX"/"TDX") and the PCK certificate's FMSPC and PCE ID.
//  - The quoting enclave must be Intel's: its report matches the QE
//    identity (MISCSELECT and attributes under their masks, MRSIGNER, ISV
//    product ID); its ISV SVN selects a QE identity level.
//  - The platform's level is the first TCB info level whose 16 SGX
//    component SVNs and PCE SVN are all at most the PCK certificate's. For
//    TDX, the TDX level is the first such level whose 16 TDX component SVNs
//    are also at most the TD report's TEE_TCB_SVN (from the third one on
//    when TEE_TCB_SVN[1], the module's major version, is not 0), and the TDX
//    module must match the TCB info's tdxModule, or for major versions above
//    0 the tdxModuleIdentities entry "TDX_NN", whose level the module's
//    ISV SVN (TEE_TCB_SVN[0]) selects.
//  - The status is the platform (SGX) or TDX level's, converged with the
//    TDX module's and then the QE's (ConvergeTcbStatus). Advisories are the
//    union of the chosen levels' advisoryIDs, in that order.
//
// Failure: kFailedPrecondition when the collateral is for another platform
// or no level matches ("TCB not supported"); kUnauthenticated when the QE
// or the TDX module is not the one the collateral describes.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/pck_extension.h"
#include "attest/quote.h"
#include "attest/tcb_status.h"
#include "common/status.h"

namespace coffer::attest::internal {

struct TcbEvaluation {
  TcbStatus status = TcbStatus::kUnknown;
  std::vector<std::string> advisory_ids;
};

StatusOr<TcbEvaluation> EvaluateTcb(const Quote& quote, const PckExtension& pck,
                                    const Collateral& collateral);

}  // namespace coffer::attest::internal

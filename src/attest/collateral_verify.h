// Internal to src/attest: checking DCAP collateral before trusting it.
//
// Two steps, in the order VerifyQuote needs them:
//  1. CheckCollateralDates: every dated part (TCB info, QE identity, both
//     CRLs) must be current at "now". This comes first so that stale
//     collateral is reported as such ("collateral expired: ...") rather
//     than as whatever check would trip over it later.
//  2. VerifyCollateralSignatures: TCB info and QE identity are signed by
//     Intel's TCB signing certificate, the PCK CRL by the PCK CA, each
//     chaining to the pinned root with revocation checked.
// Thread safety: pure functions.
#pragma once

#include <span>
#include <vector>

#include "attest/collateral.h"
#include "attest/timestamp.h"
#include "attest/validity_window.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/crl.h"

namespace coffer::attest::internal {

// The parsed CRLs, [0] the root CA's and [1] the PCK CA's, once every part
// of the collateral is current at `now`. kFailedPrecondition
//   collateral expired: tcb_info nextUpdate 2025-07-19T10:56:11Z is before
//   now 2026-11-29T00:00:00Z
// or "collateral not yet valid: ... issueDate ... is after now ...";
// kInvalidArgument for a malformed CRL. Narrows `window` to the dates.
StatusOr<std::vector<crypto::Crl>> CheckCollateralDates(
    const Collateral& collateral, TimePoint now, ValidityWindow& window);

// kUnauthenticated naming the part whose chain or signature fails. `crls`
// is CheckCollateralDates's result. Narrows `window` to the validity of
// the certificates the signatures chain through.
Status VerifyCollateralSignatures(const Collateral& collateral,
                                  const crypto::Certificate& root,
                                  TimePoint now,
                                  std::span<const crypto::Crl> crls,
                                  ValidityWindow& window);

}  // namespace coffer::attest::internal

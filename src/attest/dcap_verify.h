// Verifying Intel DCAP quotes (SGX and TDX) and Coffer simulation quotes,
// without Intel's libraries.
//
// Hardware quotes are checked the way Intel's Quote Verification Library
// does, up to a root the caller pins (IntelSgxRootCa() in production):
//  1. With collateral: every part of it is current at `now`
//     (kFailedPrecondition "collateral expired: ..." otherwise).
//  2. The certification data is a PEM PCK chain (type 5) ending at the
//     pinned root; the chain verifies at `now`, with the root CA and PCK
//     CRLs when there is collateral.
//  3. The QE report is signed by the PCK key; its report data is
//     SHA-256(attestation key || QE authentication data) followed by 32
//     zero bytes, which binds the attestation key to the quoting enclave.
//  4. The quote signature, by the attestation key, covers header || body.
//  5. With collateral: TCB info and QE identity are signed by Intel's TCB
//     signing key (chained to the root); the TCB status is computed from
//     them and the PCK certificate's SGX extension (tcb_evaluation.h).
// Without collateral only steps 2 (without CRLs) to 4 run and the TCB
// status is kUnknown: the quote is authentic, but nothing is known about
// the platform's patch level.
//
// Simulation quotes (QE vendor ID "COFFER-SIMULATE!", see
// docs/architecture.md, "Simulation quotes") follow the same steps with the PCK
// chain replaced by one self-signed P-256 platform certificate, valid at
// `now`. They yield type kSimulation, a platform_id, status kUnknown and no
// advisories; collateral is not used. They can never yield kSgx or kTdx: a
// hardware quote must chain to the pinned root.
//
// Failure, naming the check that failed:
//   kInvalidArgument     malformed quote or unsupported format
//   kUnauthenticated     a signature, hash, chain or identity check
//   kFailedPrecondition  collateral expired, not for this platform, or no
//                        TCB level matches
//
// Thread safety: may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "attest/collateral.h"
#include "attest/verified_quote.h"
#include "common/status.h"
#include "crypto/certificate.h"

namespace coffer::attest {

// `collateral` may be null (see above). `trusted_root` is borrowed.
StatusOr<VerifiedQuote> VerifyQuote(std::span<const uint8_t> quote,
                                    const Collateral* collateral,
                                    std::chrono::system_clock::time_point now,
                                    const crypto::Certificate& trusted_root);

}  // namespace coffer::attest

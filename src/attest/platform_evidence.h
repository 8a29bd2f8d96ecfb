// Internal to src/attest: the part of a quote's verification that is the
// same for every quote from one platform with one set of collateral.
//
// VerifyQuote splits its work in two:
//  - VerifyPlatform: the certification data (PCK chain or simulation
//    platform certificate) up to the pinned root, with the CRLs, and the
//    collateral's dates and signatures. Its result depends only on the
//    certification data, the collateral, the root and "now", and it holds
//    for every "now" inside `valid_from`..`valid_until`, so QuoteVerifier
//    may cache it.
//  - FinishVerification: the per-quote checks, the QE report and quote
//    signatures and the TCB level matching, which are never cached.
// Thread safety: pure functions; a PlatformEvidence is immutable and may be
// shared between threads.
#pragma once

#include <optional>
#include <string>

#include "attest/collateral.h"
#include "attest/pck_extension.h"
#include "attest/quote.h"
#include "attest/timestamp.h"
#include "attest/validity_window.h"
#include "attest/verified_quote.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace coffer::attest::internal {

struct PlatformEvidence {
  QuoteType type = QuoteType::kSgx;
  // The key that signs the QE report: the PCK key, or the simulation
  // platform key.
  crypto::PublicKey qe_signer;
  std::string qe_signer_name;                 // "PCK certificate" or "platform"
  std::optional<PckExtension> pck_extension;  // hardware quotes
  std::string platform_id;                    // simulation quotes
  ValidityWindow window;
};

StatusOr<PlatformEvidence> VerifyPlatform(const Quote& quote,
                                          const Collateral* collateral,
                                          TimePoint now,
                                          const crypto::Certificate& root);

// `platform` must come from VerifyPlatform for the same quote's
// certification data, `collateral` and root.
StatusOr<VerifiedQuote> FinishVerification(const Quote& quote,
                                           const PlatformEvidence& platform,
                                           const Collateral* collateral);

}  // namespace coffer::attest::internal

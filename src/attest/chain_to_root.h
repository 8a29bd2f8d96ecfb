// Internal to src/attest: certificate chains that must end at the pinned
// root.
//
// Every chain in a quote or its collateral carries Intel's root as its
// last certificate. Coffer accepts it only if it is byte for byte the
// pinned root: a chain whose copy of the root differs (another "Intel SGX
// Root CA", such as Intel's test root, or a tampered copy) is refused
// before OpenSSL looks at it.
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "attest/timestamp.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/crl.h"

namespace coffer::attest::internal {

// The certificates of `pem`, leaf first: at least two, the last equal to
// `root`. kInvalidArgument for malformed PEM or a chain of one;
// kUnauthenticated "WHAT ends at ... not at the pinned root ...".
StatusOr<std::vector<crypto::Certificate>> ParseChainToRoot(
    std::string_view pem, const crypto::Certificate& root,
    std::string_view what);

// OK if `chain` has at least two certificates and the last is `root`;
// ParseChainToRoot's checks for a chain parsed elsewhere.
Status CheckEndsAtRoot(const std::vector<crypto::Certificate>& chain,
                       const crypto::Certificate& root, std::string_view what);

// Verifies chain[0] through chain[1..] to `root` at `now`, with revocation
// checked against `crls` if any. kUnauthenticated "WHAT: ...".
Status VerifyChainToRoot(const std::vector<crypto::Certificate>& chain,
                         const crypto::Certificate& root, TimePoint now,
                         std::span<const crypto::Crl> crls,
                         std::string_view what);

// kUnauthenticated unless `certificate`'s common name contains `phrase`
// ("SGX PCK Certificate", "SGX TCB Signing"), as Intel's QVL requires.
Status ExpectCommonName(const crypto::Certificate& certificate,
                        std::string_view phrase, std::string_view what);

}  // namespace coffer::attest::internal

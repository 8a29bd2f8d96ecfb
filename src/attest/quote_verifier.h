// QuoteVerifier: VerifyQuote for a service that verifies many quotes, such
// as the CAS, with the work that repeats across quotes done once.
//
// Every quote from one platform carries the same certification data (the
// PCK chain, or the simulation platform certificate), and every quote
// verified with one collateral shares its TCB info, QE identity and CRLs.
// Checking those chains and signatures is most of a verification's cost
// (docs/performance.md). QuoteVerifier remembers each successful platform
// check, keyed by the SHA-256 of the exact certification data bytes and
// the collateral's contents, together with the window of instants at
// which every certificate, CRL and collateral part it relied on is valid.
// A later quote with the same key and a "now" strictly inside that window
// skips straight to its own checks: the QE report signature, the
// attestation key's binding, the quote signature and the TCB level, which
// are never cached. Anything else, failures included, takes the full path,
// so results and error messages are exactly VerifyQuote's.
//
// The cache holds at most `capacity` platforms and is emptied when full
// (platforms are few; a flood of distinct chains costs only speed).
// Thread safety: Verify may be called from any number of threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "attest/collateral.h"
#include "attest/verified_quote.h"
#include "common/status.h"
#include "crypto/certificate.h"

namespace coffer::attest {

namespace internal {
struct PlatformEvidence;
}

class QuoteVerifier {
 public:
  explicit QuoteVerifier(crypto::Certificate trusted_root,
                         size_t capacity = 1024);
  ~QuoteVerifier();
  QuoteVerifier(const QuoteVerifier&) = delete;
  QuoteVerifier& operator=(const QuoteVerifier&) = delete;

  // As VerifyQuote(quote, collateral, now, root()).
  StatusOr<VerifiedQuote> Verify(std::span<const uint8_t> quote,
                                 const Collateral* collateral,
                                 std::chrono::system_clock::time_point now);

  const crypto::Certificate& root() const { return root_; }
  // How many verifications reused a cached platform check (for metrics
  // and tests).
  uint64_t cache_hits() const;

 private:
  using Evidence = std::shared_ptr<const internal::PlatformEvidence>;

  crypto::Certificate root_;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Evidence> cache_;  // guarded by mutex_
  uint64_t hits_ = 0;                                // guarded by mutex_
};

}  // namespace coffer::attest

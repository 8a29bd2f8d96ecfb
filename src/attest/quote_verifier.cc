#include "attest/quote_verifier.h"

#include <utility>

#include "attest/platform_evidence.h"
#include "attest/quote.h"
#include "crypto/hash.h"

namespace coffer::attest {
namespace {

// Each field is length-prefixed so that no two different inputs hash the
// same way by shifting bytes between fields.
void HashField(crypto::Sha256Hasher& hasher, std::span<const uint8_t> field) {
  const uint64_t size = field.size();
  uint8_t prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<uint8_t>(size >> (8 * i));
  hasher.Update(prefix);
  hasher.Update(field);
}

std::string CacheKey(const Quote& quote, const Collateral* collateral) {
  crypto::Sha256Hasher hasher;
  // The header decides the path VerifyPlatform takes (version, TEE type,
  // QE vendor: hardware or simulation), so it is part of the key.
  HashField(hasher, std::span(quote.signed_data).first(kQuoteHeaderSize));
  const uint16_t type = quote.certification_data_type;
  const uint8_t type_bytes[2] = {static_cast<uint8_t>(type),
                                 static_cast<uint8_t>(type >> 8)};
  HashField(hasher, type_bytes);
  HashField(hasher, quote.certification_data);
  if (collateral != nullptr) {
    for (std::string_view text :
         {std::string_view(collateral->pck_crl_issuer_chain),
          std::string_view(collateral->tcb_info_issuer_chain),
          std::string_view(collateral->tcb_info_json),
          std::string_view(collateral->qe_identity_issuer_chain),
          std::string_view(collateral->qe_identity_json)}) {
      HashField(hasher, AsBytes(text));
    }
    for (const Bytes* bytes : {&collateral->root_ca_crl, &collateral->pck_crl,
                               &collateral->tcb_info_signature,
                               &collateral->qe_identity_signature}) {
      HashField(hasher, *bytes);
    }
  }
  const crypto::Sha256Digest digest = hasher.Finish();
  // Quotes verified without collateral must never reuse a check that had
  // collateral, or the other way round.
  return std::string(collateral != nullptr ? "c" : "n") +
         std::string(digest.begin(), digest.end());
}

}  // namespace

QuoteVerifier::QuoteVerifier(crypto::Certificate trusted_root, size_t capacity)
    : root_(std::move(trusted_root)), capacity_(capacity) {}

QuoteVerifier::~QuoteVerifier() = default;

uint64_t QuoteVerifier::cache_hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

StatusOr<VerifiedQuote> QuoteVerifier::Verify(
    std::span<const uint8_t> quote_bytes, const Collateral* collateral,
    std::chrono::system_clock::time_point now) {
  COFFER_ASSIGN_OR_RETURN(Quote quote, ParseQuote(quote_bytes));
  const std::string key = CacheKey(quote, collateral);
  Evidence evidence;
  {
    std::lock_guard lock(mutex_);
    auto found = cache_.find(key);
    if (found != cache_.end() && found->second->window.StrictlyContains(now)) {
      evidence = found->second;
      ++hits_;
    }
  }
  if (evidence == nullptr) {
    COFFER_ASSIGN_OR_RETURN(
        internal::PlatformEvidence verified,
        internal::VerifyPlatform(quote, collateral, now, root_));
    evidence =
        std::make_shared<const internal::PlatformEvidence>(std::move(verified));
    std::lock_guard lock(mutex_);
    if (cache_.size() >= capacity_) cache_.clear();
    cache_[key] = evidence;
  }
  return internal::FinishVerification(quote, *evidence, collateral);
}

}  // namespace coffer::attest

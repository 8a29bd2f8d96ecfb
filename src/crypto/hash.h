// SHA-256, HMAC-SHA256 and HKDF-SHA256.
//
// SHA-256 and HMAC cannot fail on any input, so they return the digest
// directly. If libcrypto itself cannot compute SHA-256 (a broken
// installation, out of memory) they abort with a message: no caller could
// continue safely without hashing.
//
// Thread safety: the free functions may be called from any thread. A
// Sha256Hasher is used by one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

Sha256Digest Sha256(std::span<const uint8_t> data);

// Incremental SHA-256 for data that arrives in pieces (files, streams).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;

  void Update(std::span<const uint8_t> data);
  // The digest of everything passed to Update since construction or the
  // previous Finish; the hasher then starts over, empty.
  Sha256Digest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HMAC-SHA256 (RFC 2104). `key` is a span so that callers pass
// secret.span(); any length is valid, including zero.
Sha256Digest HmacSha256(std::span<const uint8_t> key,
                        std::span<const uint8_t> data);

// HKDF-SHA256 (RFC 5869): extract with `salt` (empty means the RFC's
// all-zero salt), then expand with `info` to `length` bytes.
// Failure: kInvalidArgument for an empty `ikm` or a zero `length`;
// kOutOfRange for a `length` above 255 * 32 = 8160 bytes (RFC 5869's
// limit); kInternal if libcrypto's HKDF is unavailable.
inline constexpr size_t kHkdfSha256MaxLength = 255 * kSha256Size;
StatusOr<SecretBytes> HkdfSha256(std::span<const uint8_t> salt,
                                 const SecretBytes& ikm,
                                 std::span<const uint8_t> info, size_t length);

}  // namespace coffer::crypto

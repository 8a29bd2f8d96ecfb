// AES-256-GCM sealing of data at rest (the CAS store, sealed state).
//
// Format of a sealed message: nonce (12 bytes) || ciphertext || tag (16).
// Seal draws a fresh random nonce for every message. With random 96-bit
// nonces, one key may seal up to 2^32 messages (NIST SP 800-38D, 8.3);
// callers that may exceed that must rotate keys.
//
// The associated data is authenticated, not encrypted and not stored: Open
// must be given the same bytes (for example the record's name, so that a
// ciphertext moved to another record does not open).
//
// Thread safety: may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::crypto {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;
inline constexpr size_t kAesGcmOverhead = kAesGcmNonceSize + kAesGcmTagSize;

// Encrypts and authenticates `plaintext`; returns the sealed message, which
// is kAesGcmOverhead bytes longer than `plaintext`.
// Failure: kInvalidArgument if `key` is not 32 bytes; kInternal if the
// random generator or the cipher fails.
StatusOr<Bytes> AesGcmSeal(const SecretBytes& key,
                           std::span<const uint8_t> plaintext,
                           std::span<const uint8_t> associated_data);

// Checks and decrypts a message made by AesGcmSeal. The plaintext comes back
// as a SecretBytes because sealed data is secret by construction.
// Failure: kInvalidArgument if `key` is not 32 bytes; kDataLoss
// "... is truncated ..." if `sealed` is shorter than nonce and tag;
// kDataLoss "... authentication tag mismatch ..." for a wrong key, wrong
// associated data, or any changed bit in nonce, ciphertext or tag (GCM
// cannot tell these apart). No plaintext is released on failure.
StatusOr<SecretBytes> AesGcmOpen(const SecretBytes& key,
                                 std::span<const uint8_t> sealed,
                                 std::span<const uint8_t> associated_data);

}  // namespace coffer::crypto

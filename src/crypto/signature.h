// Signatures with PrivateKey and PublicKey.
//
// The algorithm follows from the key type, so a caller never picks one:
//   P-256     ECDSA with SHA-256, DER-encoded (X9.62 Ecdsa-Sig-Value)
//   P-384     ECDSA with SHA-384, DER-encoded
//   Ed25519   pure Ed25519 (RFC 8032), 64 bytes
//   RSA-*     RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
//             PSS rather than PKCS#1 v1.5 because it has a security proof
//             and is what TLS 1.3 uses; certificates (certificate_issuer.h)
//             still use PKCS#1 v1.5, as every TLS stack expects there.
// ECDSA and PSS signatures are randomised: signing twice gives different
// bytes, and both verify.
//
// Thread safety: may be called from any thread, also with a shared key.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/keys.h"

namespace coffer::crypto {

// Signs `data` (the whole message, not a digest).
// Failure: kInternal if libcrypto fails.
StatusOr<Bytes> Sign(const PrivateKey& key, std::span<const uint8_t> data);

// OK if `signature` is a valid signature of `data` by `key`.
// Failure: kUnauthenticated "<algorithm> signature does not verify" for a
// wrong, altered or malformed signature (all untrusted, all the same
// verdict).
Status Verify(const PublicKey& key, std::span<const uint8_t> data,
              std::span<const uint8_t> signature);

// The algorithm used for `type`, e.g. "ECDSA-SHA256"; for messages.
std::string_view SignatureAlgorithmName(KeyType type);

}  // namespace coffer::crypto

// Sealing to a public key (ECIES): anyone with a P-256 public key can
// encrypt to it; only the private key's holder opens the result.
//
// Construction: an ephemeral P-256 key; ECDH with the recipient's key;
// HKDF-SHA256 of the shared secret (salt: both public keys' SPKI DER,
// ephemeral first; info "coffer-sealed-box-v1") gives an AES-256-GCM key;
// the caller's associated data is authenticated with the message.
// Format: 2-byte big-endian length of the ephemeral SPKI, the SPKI, then
// AesGcmSeal's output (nonce, ciphertext, tag).
//
// Used to hand recovery shares to officers and to a recovering CAS
// (src/cas/recovery.h).
// Thread safety: stateless.
#pragma once

#include <span>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/keys.h"
#include "crypto/secret.h"

namespace coffer::crypto {

// Failure: kInvalidArgument for a recipient that is not P-256.
StatusOr<Bytes> SealToPublicKey(const PublicKey& recipient,
                                std::span<const uint8_t> plaintext,
                                std::span<const uint8_t> associated_data);

// Failure: kInvalidArgument for a key that is not P-256; kDataLoss for a
// box that is malformed, not for this key, or altered.
StatusOr<SecretBytes> OpenSealedBox(const PrivateKey& key,
                                    std::span<const uint8_t> box,
                                    std::span<const uint8_t> associated_data);

}  // namespace coffer::crypto

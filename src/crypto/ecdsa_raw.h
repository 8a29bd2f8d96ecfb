// ECDSA in the fixed-width forms of Intel SGX/TDX DCAP quotes.
//
// DCAP quotes carry an attestation public key as 64 bytes X || Y (P-256,
// big-endian, no 0x04 prefix) and signatures as 64 bytes r || s. OpenSSL
// wants SubjectPublicKeyInfo keys and DER signatures; this file converts,
// so that one verification path serves quotes, their collateral (TCB info
// and QE identity signatures) and Coffer's simulated quotes, which the LAS
// signs in the same layout with SignEcdsaP256Raw.
//
// Parsers take untrusted bytes: wrong sizes and points off the curve are
// kInvalidArgument; a signature that does not match is kUnauthenticated.
// Thread safety: may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/keys.h"

namespace coffer::crypto {

inline constexpr size_t kP256RawPublicKeySize = 64;  // X || Y
inline constexpr size_t kP256RawSignatureSize = 64;  // r || s

// A P-256 public key from X || Y. kInvalidArgument for a wrong size or a
// point that is not on the curve.
StatusOr<PublicKey> P256PublicKeyFromRaw(std::span<const uint8_t> x_y);
// X || Y of a P-256 key; kInvalidArgument for any other key type.
StatusOr<Bytes> P256PublicKeyToRaw(const PublicKey& key);

// r || s (two equal halves, each at most 66 bytes) to a DER
// Ecdsa-Sig-Value. kInvalidArgument for an empty or odd-sized input.
StatusOr<Bytes> EcdsaRawToDer(std::span<const uint8_t> r_s);
// A DER Ecdsa-Sig-Value to r || s with each half left-padded to
// `scalar_size` bytes (32 for P-256, 48 for P-384). kInvalidArgument for
// malformed DER or a value wider than `scalar_size`.
StatusOr<Bytes> EcdsaDerToRaw(std::span<const uint8_t> der, size_t scalar_size);

// ECDSA-SHA256 over `data` with a P-256 key, as 64 bytes r || s.
// kInvalidArgument for another key type.
StatusOr<Bytes> SignEcdsaP256Raw(const PrivateKey& key,
                                 std::span<const uint8_t> data);

// Verifies an r || s signature (64 bytes for P-256 with SHA-256, 96 for
// P-384 with SHA-384) by an ECDSA key, e.g. a PCK or TCB signing
// certificate's key. kInvalidArgument for a non-ECDSA key or a size that
// does not fit the curve; kUnauthenticated if it does not verify.
Status VerifyEcdsaRaw(const PublicKey& key, std::span<const uint8_t> data,
                      std::span<const uint8_t> r_s);

// The quote case: key as X || Y, signature as r || s, ECDSA-SHA256.
Status VerifyEcdsaP256Raw(std::span<const uint8_t> public_key_x_y,
                          std::span<const uint8_t> data,
                          std::span<const uint8_t> signature_r_s);

}  // namespace coffer::crypto

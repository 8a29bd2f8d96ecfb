// Asymmetric keys: the five key types a Coffer policy can name.
//
// PrivateKey and PublicKey each own one EVP_PKEY. They are move-only; a key
// has one owner. Parsing accepts only the supported types, so code holding
// a key can switch over type() exhaustively; any other key (RSA-4096,
// secp256k1, Ed448, RSA-PSS-restricted keys) is refused with
// kInvalidArgument naming what it is.
//
// Parsers take untrusted bytes and never crash: malformed input gives
// kInvalidArgument with OpenSSL's reason. Encoding a key this process holds
// cannot fail short of a broken libcrypto, so encoders return values (and
// stop the process in that impossible case).
//
// Thread safety: const methods may be called concurrently (OpenSSL 3 keys
// are safe to share for signing and verifying); non-const ones need
// exclusive access.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/openssl_handles.h"
#include "crypto/secret.h"

namespace coffer::crypto {

enum class KeyType { kP256, kP384, kEd25519, kRsa2048, kRsa3072 };

// Exactly "P-256", "P-384", "Ed25519", "RSA-2048" or "RSA-3072" (the
// policy spellings); anything else is kInvalidArgument listing them.
StatusOr<KeyType> ParseKeyType(std::string_view name);
// The policy spelling of `type`, e.g. "P-256".
std::string_view KeyTypeName(KeyType type);

class PublicKey {
 public:
  // SubjectPublicKeyInfo, DER. Trailing bytes are an error.
  static StatusOr<PublicKey> FromDer(std::span<const uint8_t> der);
  // "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo).
  static StatusOr<PublicKey> FromPem(std::string_view pem);
  // Takes ownership of a key from libcrypto/libssl (e.g. a TLS peer's).
  static StatusOr<PublicKey> FromOpenSsl(internal::EvpPkeyPtr key);

  PublicKey(PublicKey&&) noexcept = default;
  PublicKey& operator=(PublicKey&&) noexcept = default;

  // An independent copy of the key.
  PublicKey Clone() const;

  KeyType type() const { return type_; }
  // SubjectPublicKeyInfo, DER: the form whose SHA-256 identifies a key in
  // quotes and policies.
  Bytes ToDer() const;
  std::string ToPem() const;

  // Borrowed; valid while this object lives. For src/net and this folder.
  EVP_PKEY* native() const { return key_.get(); }

 private:
  friend class PrivateKey;
  PublicKey(internal::EvpPkeyPtr key, KeyType type)
      : key_(std::move(key)), type_(type) {}

  internal::EvpPkeyPtr key_;
  KeyType type_;
};

class PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG. kInternal if generation fails.
  static StatusOr<PrivateKey> Generate(KeyType type);
  // PKCS#8 "BEGIN PRIVATE KEY" or the traditional "BEGIN EC/RSA PRIVATE
  // KEY" forms. Encrypted keys are refused (kInvalidArgument): Coffer
  // never prompts for a passphrase.
  static StatusOr<PrivateKey> FromPem(std::string_view pem);
  // PKCS#8 (or traditional) DER. Trailing bytes are an error.
  static StatusOr<PrivateKey> FromDer(std::span<const uint8_t> der);

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;

  KeyType type() const { return type_; }

  // Unencrypted PKCS#8; secret, hence SecretBytes. The PEM is text.
  SecretBytes ToPem() const;
  SecretBytes ToDer() const;

  PublicKey public_key() const;
  Bytes PublicKeyDer() const { return public_key().ToDer(); }
  std::string PublicKeyPem() const { return public_key().ToPem(); }

  // Borrowed; valid while this object lives. For src/net and this folder.
  EVP_PKEY* native() const { return key_.get(); }

 private:
  PrivateKey(internal::EvpPkeyPtr key, KeyType type)
      : key_(std::move(key)), type_(type) {}

  internal::EvpPkeyPtr key_;
  KeyType type_;
};

}  // namespace coffer::crypto

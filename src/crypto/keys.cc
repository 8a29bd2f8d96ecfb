#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <string>
#include <utility>

#include "crypto/der_decode.h"
#include "crypto/memory_bio.h"
#include "crypto/openssl_errors.h"

namespace coffer::crypto {
namespace {

using internal::DieBecauseLibcryptoFailed;
using internal::EvpPkeyPtr;
using internal::TakeOpenSslError;

constexpr std::array<std::pair<KeyType, std::string_view>, 5> kKeyTypeNames = {
    {{KeyType::kP256, "P-256"},
     {KeyType::kP384, "P-384"},
     {KeyType::kEd25519, "Ed25519"},
     {KeyType::kRsa2048, "RSA-2048"},
     {KeyType::kRsa3072, "RSA-3072"}}};

constexpr std::string_view kSupported =
    "supported key types are P-256, P-384, Ed25519, RSA-2048 and RSA-3072";

// Maps a parsed key onto KeyType, or explains why it is not one of them.
StatusOr<KeyType> DetectKeyType(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return KeyType::kEd25519;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[80] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), &length) != 1) {
      TakeOpenSslError();
      return InvalidArgumentError(
          "unsupported key: an EC key with explicit curve parameters; " +
          std::string(kSupported));
    }
    const std::string_view name(group, length);
    if (name == "prime256v1" || name == "P-256") return KeyType::kP256;
    if (name == "secp384r1" || name == "P-384") return KeyType::kP384;
    return InvalidArgumentError("unsupported key: EC curve " +
                                std::string(name) + "; " +
                                std::string(kSupported));
  }
  // EVP_PKEY_is_a(key, "RSA") is false for RSA-PSS-restricted keys, which
  // cannot make the PKCS#1 v1.5 certificate signatures Coffer issues.
  if (EVP_PKEY_is_a(key, "RSA")) {
    const int bits = EVP_PKEY_get_bits(key);
    if (bits == 2048) return KeyType::kRsa2048;
    if (bits == 3072) return KeyType::kRsa3072;
    return InvalidArgumentError("unsupported key: RSA with " +
                                std::to_string(bits) + " bits; " +
                                std::string(kSupported));
  }
  const char* type_name = EVP_PKEY_get0_type_name(key);
  return InvalidArgumentError(
      "unsupported key: " +
      std::string(type_name != nullptr ? type_name : "unknown type") + "; " +
      std::string(kSupported));
}

// The passphrase callback refuses: without it OpenSSL would prompt on the
// terminal for an encrypted key.
int RefusePassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/,
                     void* /*user*/) {
  return -1;
}

// OpenSSL's own message for text without a PEM block is a generic decoder
// failure; this one says what is actually wrong.
Status CheckHasPemBlock(std::string_view pem, std::string_view what) {
  if (pem.find("-----BEGIN ") == std::string_view::npos) {
    return InvalidArgumentError("malformed " + std::string(what) +
                                " PEM: no \"-----BEGIN\" line found");
  }
  return OkStatus();
}

}  // namespace

StatusOr<KeyType> ParseKeyType(std::string_view name) {
  for (const auto& [type, type_name] : kKeyTypeNames) {
    if (name == type_name) return type;
  }
  return InvalidArgumentError("unknown key type \"" + std::string(name) +
                              "\"; " + std::string(kSupported));
}

std::string_view KeyTypeName(KeyType type) {
  for (const auto& [known, name] : kKeyTypeNames) {
    if (known == type) return name;
  }
  return "unknown";
}

// --- PublicKey -------------------------------------------------------------

StatusOr<PublicKey> PublicKey::FromOpenSsl(EvpPkeyPtr key) {
  if (key == nullptr) return InvalidArgumentError("no public key given");
  COFFER_ASSIGN_OR_RETURN(const KeyType type, DetectKeyType(key.get()));
  return PublicKey(std::move(key), type);
}

StatusOr<PublicKey> PublicKey::FromDer(std::span<const uint8_t> der) {
  COFFER_ASSIGN_OR_RETURN(
      EvpPkeyPtr key,
      internal::DecodeWholeDer<EvpPkeyPtr>(
          der, "public key", [](const unsigned char** cursor, long length) {
            return d2i_PUBKEY_ex(nullptr, cursor, length, nullptr, nullptr);
          }));
  return FromOpenSsl(std::move(key));
}

StatusOr<PublicKey> PublicKey::FromPem(std::string_view pem) {
  COFFER_RETURN_IF_ERROR(CheckHasPemBlock(pem, "public key"));
  internal::ClearOpenSslErrors();
  internal::BioPtr bio = internal::ReadOnlyBio(AsBytes(pem));
  EvpPkeyPtr key(PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, RefusePassphrase,
                                        nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return InvalidArgumentError("malformed public key PEM: " +
                                TakeOpenSslError());
  }
  return FromOpenSsl(std::move(key));
}

PublicKey PublicKey::Clone() const {
  EvpPkeyPtr copy(EVP_PKEY_dup(key_.get()));
  if (copy == nullptr) DieBecauseLibcryptoFailed("copy a public key");
  return PublicKey(std::move(copy), type_);
}

Bytes PublicKey::ToDer() const {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) DieBecauseLibcryptoFailed("encode a public key");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

std::string PublicKey::ToPem() const {
  internal::BioPtr bio = internal::WritableBio(/*secure=*/false);
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    DieBecauseLibcryptoFailed("encode a public key as PEM");
  }
  return internal::BioText(bio.get());
}

// --- PrivateKey ------------------------------------------------------------

StatusOr<PrivateKey> PrivateKey::Generate(KeyType type) {
  internal::ClearOpenSslErrors();
  EVP_PKEY* raw = nullptr;
  switch (type) {
    case KeyType::kP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyType::kRsa2048:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case KeyType::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
  }
  EvpPkeyPtr key(raw);
  if (key == nullptr) {
    return InternalError("generating a " + std::string(KeyTypeName(type)) +
                         " key failed: " + TakeOpenSslError());
  }
  return PrivateKey(std::move(key), type);
}

StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  COFFER_RETURN_IF_ERROR(CheckHasPemBlock(pem, "private key"));
  // The PKCS#8 and the traditional (RFC 1421 header) markers; neither can
  // occur inside base64 text, so there are no false positives.
  if (pem.find("BEGIN ENCRYPTED PRIVATE KEY") != std::string_view::npos ||
      pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    return InvalidArgumentError(
        "the private key PEM is encrypted; Coffer takes only unencrypted "
        "keys (decrypt with: openssl pkey -in KEY -out PLAIN)");
  }
  internal::ClearOpenSslErrors();
  internal::BioPtr bio = internal::ReadOnlyBio(AsBytes(pem));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey_ex(
      bio.get(), nullptr, RefusePassphrase, nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return InvalidArgumentError("malformed private key PEM: " +
                                TakeOpenSslError());
  }
  COFFER_ASSIGN_OR_RETURN(const KeyType type, DetectKeyType(key.get()));
  return PrivateKey(std::move(key), type);
}

StatusOr<PrivateKey> PrivateKey::FromDer(std::span<const uint8_t> der) {
  COFFER_ASSIGN_OR_RETURN(
      EvpPkeyPtr key,
      internal::DecodeWholeDer<EvpPkeyPtr>(
          der, "private key", [](const unsigned char** cursor, long length) {
            return d2i_AutoPrivateKey_ex(nullptr, cursor, length, nullptr,
                                         nullptr);
          }));
  COFFER_ASSIGN_OR_RETURN(const KeyType type, DetectKeyType(key.get()));
  return PrivateKey(std::move(key), type);
}

SecretBytes PrivateKey::ToPem() const {
  internal::BioPtr bio = internal::WritableBio(/*secure=*/true);
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    DieBecauseLibcryptoFailed("encode a private key as PEM");
  }
  return internal::BioSecret(bio.get());
}

SecretBytes PrivateKey::ToDer() const {
  internal::BioPtr bio = internal::WritableBio(/*secure=*/true);
  if (bio == nullptr ||
      i2d_PKCS8PrivateKey_bio(bio.get(), key_.get(), nullptr, nullptr, 0,
                              nullptr, nullptr) != 1) {
    DieBecauseLibcryptoFailed("encode a private key as DER");
  }
  return internal::BioSecret(bio.get());
}

PublicKey PrivateKey::public_key() const {
  // A DER round trip yields a key object without the private half, so a
  // PublicKey can never leak the private key it came from.
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) DieBecauseLibcryptoFailed("extract a public key");
  const unsigned char* cursor = der;
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, length));
  OPENSSL_free(der);
  if (key == nullptr) DieBecauseLibcryptoFailed("extract a public key");
  return PublicKey(std::move(key), type_);
}

}  // namespace coffer::crypto

#include "crypto/signature.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>

#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"

namespace coffer::crypto {
namespace {

// The digest for a key type; nullptr for Ed25519, which hashes internally.
const char* DigestName(KeyType type) {
  switch (type) {
    case KeyType::kP256:
    case KeyType::kRsa2048:
    case KeyType::kRsa3072: return "SHA256";
    case KeyType::kP384: return "SHA384";
    case KeyType::kEd25519: return nullptr;
  }
  return nullptr;
}

bool IsRsa(KeyType type) {
  return type == KeyType::kRsa2048 || type == KeyType::kRsa3072;
}

// Sets RSASSA-PSS with a digest-length salt; MGF1 defaults to the digest.
bool ConfigurePss(EVP_PKEY_CTX* context) {
  return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) == 1;
}

}  // namespace

std::string_view SignatureAlgorithmName(KeyType type) {
  switch (type) {
    case KeyType::kP256: return "ECDSA-SHA256";
    case KeyType::kP384: return "ECDSA-SHA384";
    case KeyType::kEd25519: return "Ed25519";
    case KeyType::kRsa2048:
    case KeyType::kRsa3072: return "RSA-PSS-SHA256";
  }
  return "unknown";
}

StatusOr<Bytes> Sign(const PrivateKey& key, std::span<const uint8_t> data) {
  const std::string algorithm(SignatureAlgorithmName(key.type()));
  internal::ClearOpenSslErrors();
  internal::EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  if (context == nullptr ||
      EVP_DigestSignInit_ex(context.get(), &key_context, DigestName(key.type()),
                            nullptr, nullptr, key.native(), nullptr) != 1 ||
      (IsRsa(key.type()) && !ConfigurePss(key_context))) {
    return InternalError(
        algorithm + " signing: setup failed: " + internal::TakeOpenSslError());
  }
  size_t length = 0;
  if (EVP_DigestSign(context.get(), nullptr, &length, data.data(),
                     data.size()) != 1) {
    return InternalError(algorithm +
                         " signing failed: " + internal::TakeOpenSslError());
  }
  Bytes signature(length);
  if (EVP_DigestSign(context.get(), signature.data(), &length, data.data(),
                     data.size()) != 1) {
    return InternalError(algorithm +
                         " signing failed: " + internal::TakeOpenSslError());
  }
  signature.resize(length);  // ECDSA's DER length varies below the maximum
  return signature;
}

Status Verify(const PublicKey& key, std::span<const uint8_t> data,
              std::span<const uint8_t> signature) {
  const std::string algorithm(SignatureAlgorithmName(key.type()));
  internal::ClearOpenSslErrors();
  internal::EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  if (context == nullptr ||
      EVP_DigestVerifyInit_ex(context.get(), &key_context,
                              DigestName(key.type()), nullptr, nullptr,
                              key.native(), nullptr) != 1 ||
      (IsRsa(key.type()) && !ConfigurePss(key_context))) {
    return InternalError(algorithm + " verification: setup failed: " +
                         internal::TakeOpenSslError());
  }
  // 1 is a valid signature; 0 a wrong one; negative a malformed one (bad
  // DER, wrong length). To the caller all three mean the same: not signed.
  const int result =
      EVP_DigestVerify(context.get(), signature.data(), signature.size(),
                       data.data(), data.size());
  internal::ClearOpenSslErrors();
  if (result != 1) {
    return UnauthenticatedError(algorithm + " signature does not verify (" +
                                std::to_string(signature.size()) +
                                "-byte signature over " +
                                std::to_string(data.size()) + " bytes)");
  }
  return OkStatus();
}

}  // namespace coffer::crypto

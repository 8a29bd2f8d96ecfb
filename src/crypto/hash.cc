#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>
#include <utility>

#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"

namespace coffer::crypto {
namespace {

using internal::DieBecauseLibcryptoFailed;

// OSSL_PARAM wants a mutable pointer but only reads octet strings.
OSSL_PARAM OctetParam(const char* name, std::span<const uint8_t> bytes) {
  return OSSL_PARAM_construct_octet_string(
      name, const_cast<uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

Sha256Digest Sha256(std::span<const uint8_t> data) {
  Sha256Digest digest;
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(),
                 nullptr) != 1 ||
      length != digest.size()) {
    DieBecauseLibcryptoFailed("compute SHA-256");
  }
  return digest;
}

struct Sha256Hasher::State {
  internal::EvpMdCtxPtr context{EVP_MD_CTX_new()};
};

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) {
  if (state_->context == nullptr ||
      EVP_DigestInit_ex(state_->context.get(), EVP_sha256(), nullptr) != 1) {
    DieBecauseLibcryptoFailed("compute SHA-256");
  }
}

Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(state_->context.get(), data.data(), data.size()) != 1) {
    DieBecauseLibcryptoFailed("compute SHA-256");
  }
}

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest digest;
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state_->context.get(), digest.data(), &length) != 1 ||
      length != digest.size() ||
      EVP_DigestInit_ex(state_->context.get(), EVP_sha256(), nullptr) != 1) {
    DieBecauseLibcryptoFailed("compute SHA-256");
  }
  return digest;
}

Sha256Digest HmacSha256(std::span<const uint8_t> key,
                        std::span<const uint8_t> data) {
  // EVP_Q_mac rejects a null key pointer, even with length zero.
  static const uint8_t kNoKey = 0;
  Sha256Digest mac;
  size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr,
                key.empty() ? &kNoKey : key.data(), key.size(), data.data(),
                data.size(), mac.data(), mac.size(), &length) == nullptr ||
      length != mac.size()) {
    DieBecauseLibcryptoFailed("compute HMAC-SHA256");
  }
  return mac;
}

StatusOr<SecretBytes> HkdfSha256(std::span<const uint8_t> salt,
                                 const SecretBytes& ikm,
                                 std::span<const uint8_t> info, size_t length) {
  if (ikm.empty()) {
    return InvalidArgumentError("HKDF-SHA256: the input key material is empty");
  }
  if (length == 0) {
    return InvalidArgumentError("HKDF-SHA256: the output length is zero");
  }
  if (length > kHkdfSha256MaxLength) {
    return OutOfRangeError("HKDF-SHA256: output length " +
                           std::to_string(length) + " exceeds the limit of " +
                           std::to_string(kHkdfSha256MaxLength) + " bytes");
  }

  internal::ClearOpenSslErrors();
  internal::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (kdf == nullptr) {
    return InternalError("HKDF-SHA256: libcrypto has no HKDF: " +
                         internal::TakeOpenSslError());
  }
  internal::EvpKdfCtxPtr context(EVP_KDF_CTX_new(kdf.get()));
  if (context == nullptr) {
    return InternalError("HKDF-SHA256: cannot allocate a context: " +
                         internal::TakeOpenSslError());
  }

  char digest_name[] = "SHA256";
  OSSL_PARAM params[5];
  size_t count = 0;
  params[count++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0);
  params[count++] = OctetParam(OSSL_KDF_PARAM_KEY, ikm.span());
  // Absent salt and info are left out rather than passed with a null
  // pointer; HKDF then uses the RFC's defaults (zero salt, empty info).
  if (!salt.empty()) params[count++] = OctetParam(OSSL_KDF_PARAM_SALT, salt);
  if (!info.empty()) params[count++] = OctetParam(OSSL_KDF_PARAM_INFO, info);
  params[count] = OSSL_PARAM_construct_end();

  SecretBytes output(length);
  if (EVP_KDF_derive(context.get(), output.mutable_span().data(), length,
                     params) != 1) {
    return InternalError("HKDF-SHA256: derivation failed: " +
                         internal::TakeOpenSslError());
  }
  return output;
}

}  // namespace coffer::crypto

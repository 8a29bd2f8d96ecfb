#include "crypto/aead.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <string>

#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"
#include "crypto/random.h"

namespace coffer::crypto {
namespace {

// EVP update calls take int lengths; longer inputs go through in pieces.
constexpr size_t kMaxChunk = size_t{1} << 30;

Status CheckKey(const SecretBytes& key, std::string_view operation) {
  if (key.size() != kAesGcmKeySize) {
    return InvalidArgumentError(std::string(operation) +
                                ": an AES-256-GCM key must be " +
                                std::to_string(kAesGcmKeySize) +
                                " bytes, got " + std::to_string(key.size()));
  }
  return OkStatus();
}

Status CipherFailure(std::string_view operation, std::string_view step) {
  return InternalError(std::string(operation) + ": " + std::string(step) +
                       " failed: " + internal::TakeOpenSslError());
}

// Feeds associated data (out == nullptr) or data through the cipher.
bool Process(EVP_CIPHER_CTX* context, std::span<const uint8_t> in,
             uint8_t* out) {
  while (!in.empty()) {
    const size_t chunk = std::min(in.size(), kMaxChunk);
    int written = 0;
    if (EVP_CipherUpdate(context, out, &written, in.data(),
                         static_cast<int>(chunk)) != 1) {
      return false;
    }
    in = in.subspan(chunk);
    if (out != nullptr) out += written;
  }
  return true;
}

}  // namespace

StatusOr<Bytes> AesGcmSeal(const SecretBytes& key,
                           std::span<const uint8_t> plaintext,
                           std::span<const uint8_t> associated_data) {
  constexpr std::string_view kOperation = "AES-256-GCM seal";
  COFFER_RETURN_IF_ERROR(CheckKey(key, kOperation));
  COFFER_ASSIGN_OR_RETURN(Bytes nonce, RandomBytes(kAesGcmNonceSize));

  Bytes sealed(kAesGcmOverhead + plaintext.size());
  std::copy(nonce.begin(), nonce.end(), sealed.begin());
  uint8_t* const ciphertext = sealed.data() + kAesGcmNonceSize;
  uint8_t* const tag = ciphertext + plaintext.size();

  internal::ClearOpenSslErrors();
  internal::EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  if (context == nullptr) return CipherFailure(kOperation, "allocation");
  // 12 bytes is GCM's default IV length, so no EVP_CTRL_GCM_SET_IVLEN.
  if (EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr,
                         key.span().data(), nonce.data()) != 1) {
    return CipherFailure(kOperation, "initialisation");
  }
  if (!Process(context.get(), associated_data, nullptr) ||
      !Process(context.get(), plaintext, ciphertext)) {
    return CipherFailure(kOperation, "encryption");
  }
  int final_length = 0;
  if (EVP_EncryptFinal_ex(context.get(), tag, &final_length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize,
                          tag) != 1) {
    return CipherFailure(kOperation, "finalisation");
  }
  return sealed;
}

StatusOr<SecretBytes> AesGcmOpen(const SecretBytes& key,
                                 std::span<const uint8_t> sealed,
                                 std::span<const uint8_t> associated_data) {
  constexpr std::string_view kOperation = "AES-256-GCM open";
  COFFER_RETURN_IF_ERROR(CheckKey(key, kOperation));
  if (sealed.size() < kAesGcmOverhead) {
    return DataLossError(
        std::string(kOperation) + ": sealed data is truncated: " +
        std::to_string(sealed.size()) + " bytes, but even an empty message " +
        "has " + std::to_string(kAesGcmOverhead) + " (12-byte nonce and " +
        "16-byte tag)");
  }
  const std::span<const uint8_t> nonce = sealed.first(kAesGcmNonceSize);
  const std::span<const uint8_t> ciphertext =
      sealed.subspan(kAesGcmNonceSize, sealed.size() - kAesGcmOverhead);
  const std::span<const uint8_t> tag = sealed.last(kAesGcmTagSize);

  internal::ClearOpenSslErrors();
  internal::EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  if (context == nullptr) return CipherFailure(kOperation, "allocation");
  if (EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr,
                         key.span().data(), nonce.data()) != 1) {
    return CipherFailure(kOperation, "initialisation");
  }
  SecretBytes plaintext(ciphertext.size());
  if (!Process(context.get(), associated_data, nullptr) ||
      !Process(context.get(), ciphertext, plaintext.mutable_span().data())) {
    return CipherFailure(kOperation, "decryption");
  }
  // The tag buffer is only read despite the non-const parameter.
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize,
                          const_cast<uint8_t*>(tag.data())) != 1) {
    return CipherFailure(kOperation, "setting the tag");
  }
  uint8_t final_block[16];  // GCM writes nothing here; a buffer is cheap.
  int final_length = 0;
  if (EVP_DecryptFinal_ex(context.get(), final_block, &final_length) != 1) {
    internal::ClearOpenSslErrors();
    // `plaintext` is unauthenticated here; its destructor wipes it.
    return DataLossError(
        std::string(kOperation) +
        ": authentication tag mismatch: wrong key or associated data, or the "
        "nonce, ciphertext or tag was altered");
  }
  return plaintext;
}

}  // namespace coffer::crypto

#include "crypto/sealed_box.h"

#include <openssl/evp.h>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"

namespace coffer::crypto {
namespace {

constexpr std::string_view kInfo = "coffer-sealed-box-v1";

// ECDH of `own` with `peer`, then HKDF into an AES-256-GCM key.
StatusOr<SecretBytes> BoxKey(EVP_PKEY* own, EVP_PKEY* peer,
                             std::span<const uint8_t> ephemeral_spki,
                             std::span<const uint8_t> recipient_spki) {
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new(own, nullptr));
  size_t size = 0;
  if (context == nullptr || EVP_PKEY_derive_init(context.get()) != 1 ||
      EVP_PKEY_derive_set_peer(context.get(), peer) != 1 ||
      EVP_PKEY_derive(context.get(), nullptr, &size) != 1) {
    return InternalError("ECDH failed: " + internal::TakeOpenSslError());
  }
  SecretBytes shared(size);
  if (EVP_PKEY_derive(context.get(), shared.mutable_span().data(), &size) !=
      1) {
    return InternalError("ECDH failed: " + internal::TakeOpenSslError());
  }
  Bytes salt(ephemeral_spki.begin(), ephemeral_spki.end());
  salt.insert(salt.end(), recipient_spki.begin(), recipient_spki.end());
  return HkdfSha256(salt, shared, AsBytes(kInfo), kAesGcmKeySize);
}

}  // namespace

StatusOr<Bytes> SealToPublicKey(const PublicKey& recipient,
                                std::span<const uint8_t> plaintext,
                                std::span<const uint8_t> associated_data) {
  if (recipient.type() != KeyType::kP256) {
    return InvalidArgumentError("a sealed box needs a P-256 recipient key");
  }
  COFFER_ASSIGN_OR_RETURN(PrivateKey ephemeral,
                          PrivateKey::Generate(KeyType::kP256));
  const Bytes ephemeral_spki = ephemeral.PublicKeyDer();
  COFFER_ASSIGN_OR_RETURN(SecretBytes key,
                          BoxKey(ephemeral.native(), recipient.native(),
                                 ephemeral_spki, recipient.ToDer()));
  COFFER_ASSIGN_OR_RETURN(Bytes sealed,
                          AesGcmSeal(key, plaintext, associated_data));
  Bytes box = {static_cast<uint8_t>(ephemeral_spki.size() >> 8),
               static_cast<uint8_t>(ephemeral_spki.size())};
  box.insert(box.end(), ephemeral_spki.begin(), ephemeral_spki.end());
  box.insert(box.end(), sealed.begin(), sealed.end());
  return box;
}

StatusOr<SecretBytes> OpenSealedBox(const PrivateKey& key,
                                    std::span<const uint8_t> box,
                                    std::span<const uint8_t> associated_data) {
  if (key.type() != KeyType::kP256) {
    return InvalidArgumentError("a sealed box needs a P-256 key");
  }
  auto malformed = [] { return DataLossError("the sealed box is malformed"); };
  if (box.size() < 2) return malformed();
  const size_t spki_size = (size_t{box[0]} << 8) | box[1];
  if (box.size() < 2 + spki_size + kAesGcmOverhead) return malformed();
  const auto ephemeral_spki = box.subspan(2, spki_size);
  StatusOr<PublicKey> ephemeral = PublicKey::FromDer(ephemeral_spki);
  if (!ephemeral.ok() || ephemeral->type() != KeyType::kP256) {
    return malformed();
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes box_key,
                          BoxKey(key.native(), ephemeral->native(),
                                 ephemeral_spki, key.PublicKeyDer()));
  StatusOr<SecretBytes> opened =
      AesGcmOpen(box_key, box.subspan(2 + spki_size), associated_data);
  if (!opened.ok()) {
    return DataLossError(
        "the sealed box does not open with this key (another recipient, or "
        "altered)");
  }
  return opened;
}

}  // namespace coffer::crypto

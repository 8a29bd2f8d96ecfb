#include "crypto/ecdsa_raw.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <string>
#include <utility>

#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"
#include "crypto/signature.h"

namespace coffer::crypto {
namespace {

constexpr size_t kP256ScalarSize = 32;
constexpr size_t kP384ScalarSize = 48;
constexpr size_t kMaxScalarSize = 66;  // P-521

using internal::BigNumPtr;

size_t ScalarSize(KeyType type) {
  return type == KeyType::kP256 ? kP256ScalarSize : kP384ScalarSize;
}

bool IsEcdsa(KeyType type) {
  return type == KeyType::kP256 || type == KeyType::kP384;
}

// Writes `number` big-endian into exactly `size` bytes, or fails if wider.
bool AppendPadded(const BIGNUM* number, size_t size, Bytes& out) {
  const size_t start = out.size();
  out.resize(start + size);
  return BN_bn2binpad(number, out.data() + start, static_cast<int>(size)) ==
         static_cast<int>(size);
}

}  // namespace

StatusOr<PublicKey> P256PublicKeyFromRaw(std::span<const uint8_t> x_y) {
  if (x_y.size() != kP256RawPublicKeySize) {
    return InvalidArgumentError(
        "a raw P-256 public key must be 64 bytes (X || Y), got " +
        std::to_string(x_y.size()));
  }
  // SEC 1 uncompressed point encoding: 0x04 || X || Y.
  uint8_t point[1 + kP256RawPublicKeySize];
  point[0] = POINT_CONVERSION_UNCOMPRESSED;
  std::copy(x_y.begin(), x_y.end(), point + 1);
  char group[] = "P-256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point,
                                        sizeof(point)),
      OSSL_PARAM_construct_end()};

  internal::ClearOpenSslErrors();
  internal::EvpPkeyCtxPtr context(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY,
                        const_cast<OSSL_PARAM*>(params)) != 1) {
    return InvalidArgumentError("invalid raw P-256 public key " +
                                HexEncode(x_y.first(8)) +
                                "...: " + internal::TakeOpenSslError());
  }
  return PublicKey::FromOpenSsl(internal::EvpPkeyPtr(raw));
}

StatusOr<Bytes> P256PublicKeyToRaw(const PublicKey& key) {
  if (key.type() != KeyType::kP256) {
    return InvalidArgumentError(
        "a raw P-256 public key needs a P-256 key, "
        "not " +
        std::string(KeyTypeName(key.type())));
  }
  BIGNUM* x_raw = nullptr;
  BIGNUM* y_raw = nullptr;
  const bool got_x =
      EVP_PKEY_get_bn_param(key.native(), OSSL_PKEY_PARAM_EC_PUB_X, &x_raw);
  BigNumPtr x(x_raw);
  const bool got_y =
      EVP_PKEY_get_bn_param(key.native(), OSSL_PKEY_PARAM_EC_PUB_Y, &y_raw);
  BigNumPtr y(y_raw);
  Bytes out;
  if (!got_x || !got_y || !AppendPadded(x.get(), kP256ScalarSize, out) ||
      !AppendPadded(y.get(), kP256ScalarSize, out)) {
    internal::DieBecauseLibcryptoFailed("read a P-256 public point");
  }
  return out;
}

StatusOr<Bytes> EcdsaRawToDer(std::span<const uint8_t> r_s) {
  if (r_s.empty() || r_s.size() % 2 != 0 || r_s.size() > 2 * kMaxScalarSize) {
    return InvalidArgumentError(
        "a raw ECDSA signature must be r || s with two equal halves of at "
        "most 66 bytes, got " +
        std::to_string(r_s.size()) + " bytes");
  }
  const int half = static_cast<int>(r_s.size() / 2);
  BigNumPtr r(BN_bin2bn(r_s.data(), half, nullptr));
  BigNumPtr s(BN_bin2bn(r_s.data() + half, half, nullptr));
  internal::EcdsaSigPtr signature(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || signature == nullptr ||
      ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    internal::DieBecauseLibcryptoFailed("build an ECDSA signature");
  }
  static_cast<void>(r.release());  // now owned by `signature`
  static_cast<void>(s.release());
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &der);
  if (length <= 0) internal::DieBecauseLibcryptoFailed("encode ECDSA");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

StatusOr<Bytes> EcdsaDerToRaw(std::span<const uint8_t> der,
                              size_t scalar_size) {
  if (scalar_size == 0 || scalar_size > kMaxScalarSize) {
    return InvalidArgumentError("ECDSA scalar size " +
                                std::to_string(scalar_size) +
                                " is not between 1 and 66 bytes");
  }
  internal::ClearOpenSslErrors();
  const unsigned char* cursor = der.data();
  internal::EcdsaSigPtr signature(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (signature == nullptr || cursor != der.data() + der.size()) {
    return InvalidArgumentError(
        "malformed DER ECDSA signature (" + std::to_string(der.size()) +
        " bytes): " + internal::TakeOpenSslError("trailing bytes"));
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  Bytes out;
  if (!AppendPadded(r, scalar_size, out) ||
      !AppendPadded(s, scalar_size, out)) {
    return InvalidArgumentError("ECDSA signature values are wider than " +
                                std::to_string(scalar_size) + " bytes");
  }
  return out;
}

StatusOr<Bytes> SignEcdsaP256Raw(const PrivateKey& key,
                                 std::span<const uint8_t> data) {
  if (key.type() != KeyType::kP256) {
    return InvalidArgumentError("raw P-256 signing needs a P-256 key, not " +
                                std::string(KeyTypeName(key.type())));
  }
  COFFER_ASSIGN_OR_RETURN(const Bytes der, Sign(key, data));
  return EcdsaDerToRaw(der, kP256ScalarSize);
}

Status VerifyEcdsaRaw(const PublicKey& key, std::span<const uint8_t> data,
                      std::span<const uint8_t> r_s) {
  if (!IsEcdsa(key.type())) {
    return InvalidArgumentError(
        "raw ECDSA verification needs a P-256 or "
        "P-384 key, not " +
        std::string(KeyTypeName(key.type())));
  }
  const size_t expected = 2 * ScalarSize(key.type());
  if (r_s.size() != expected) {
    return InvalidArgumentError(
        "a raw " + std::string(KeyTypeName(key.type())) +
        " ECDSA signature must be " + std::to_string(expected) +
        " bytes (r || s), got " + std::to_string(r_s.size()));
  }
  COFFER_ASSIGN_OR_RETURN(const Bytes der, EcdsaRawToDer(r_s));
  return Verify(key, data, der);
}

Status VerifyEcdsaP256Raw(std::span<const uint8_t> public_key_x_y,
                          std::span<const uint8_t> data,
                          std::span<const uint8_t> signature_r_s) {
  COFFER_ASSIGN_OR_RETURN(const PublicKey key,
                          P256PublicKeyFromRaw(public_key_x_y));
  return VerifyEcdsaRaw(key, data, signature_r_s);
}

}  // namespace coffer::crypto

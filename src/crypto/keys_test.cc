#include "crypto/keys.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "common/encoding.h"
#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::CachedKey;
using testing::OtherCachedKey;
using testing::ValueOrDie;

TEST(KeyTypeTest, ParsesAndNamesEveryType) {
  for (KeyType type : testing::kAllKeyTypes) {
    StatusOr<KeyType> parsed = ParseKeyType(KeyTypeName(type));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(KeyTypeName(KeyType::kP256), "P-256");
  EXPECT_EQ(KeyTypeName(KeyType::kRsa3072), "RSA-3072");
}

TEST(KeyTypeTest, RejectsUnknownNames) {
  const Status status = ParseKeyType("p256").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unknown key type \"p256\"; supported key types are P-256, P-384, "
            "Ed25519, RSA-2048 and RSA-3072");
}

class KeyRoundTripTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeyRoundTripTest, PrivatePemAndDerRoundTrip) {
  const PrivateKey& key = CachedKey(GetParam());
  EXPECT_EQ(key.type(), GetParam());

  const SecretBytes pem = key.ToPem();
  EXPECT_TRUE(AsString(pem.span()).starts_with("-----BEGIN PRIVATE KEY-----"))
      << "PKCS#8 expected";
  PrivateKey from_pem = ValueOrDie(PrivateKey::FromPem(AsString(pem.span())));
  EXPECT_EQ(from_pem.type(), GetParam());
  EXPECT_EQ(from_pem.PublicKeyDer(), key.PublicKeyDer());

  PrivateKey from_der = ValueOrDie(PrivateKey::FromDer(key.ToDer().span()));
  EXPECT_EQ(from_der.type(), GetParam());
  EXPECT_EQ(from_der.PublicKeyDer(), key.PublicKeyDer());
  EXPECT_TRUE(ConstantTimeEquals(from_der.ToDer().span(), key.ToDer().span()));
}

TEST_P(KeyRoundTripTest, PublicPemAndDerRoundTrip) {
  const PrivateKey& key = CachedKey(GetParam());
  const PublicKey public_key = key.public_key();
  EXPECT_EQ(public_key.type(), GetParam());

  const std::string pem = key.PublicKeyPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----")) << pem;
  EXPECT_EQ(ValueOrDie(PublicKey::FromPem(pem)).ToDer(), key.PublicKeyDer());
  PublicKey from_der = ValueOrDie(PublicKey::FromDer(public_key.ToDer()));
  EXPECT_EQ(from_der.type(), GetParam());
  EXPECT_EQ(from_der.ToPem(), pem);
  EXPECT_EQ(from_der.Clone().ToDer(), public_key.ToDer());
}

TEST_P(KeyRoundTripTest, GeneratedKeysDiffer) {
  EXPECT_NE(CachedKey(GetParam()).PublicKeyDer(),
            OtherCachedKey(GetParam()).PublicKeyDer());
}

TEST_P(KeyRoundTripTest, PublicKeyHoldsNoPrivateHalf) {
  // A PublicKey cannot be written out as a private key.
  const PublicKey public_key = CachedKey(GetParam()).public_key();
  EXPECT_LE(i2d_PrivateKey(public_key.native(), nullptr), 0);
  ERR_clear_error();
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, KeyRoundTripTest,
                         ::testing::ValuesIn(testing::kAllKeyTypes),
                         testing::KeyTypeTestName);

TEST(PrivateKeyTest, MalformedPemIsInvalidArgument) {
  Status status = PrivateKey::FromPem("not a key").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "malformed private key PEM: no \"-----BEGIN\" line found");

  status = PrivateKey::FromPem(
               "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
               .status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "malformed private key PEM: unsupported (No supported data to "
            "decode. Input type: PEM)");
}

TEST(PrivateKeyTest, EncryptedPemIsRefusedWithoutPrompting) {
  const Status status = PrivateKey::FromPem(
                            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n"
                            "-----END ENCRYPTED PRIVATE KEY-----\n")
                            .status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "the private key PEM is encrypted; Coffer takes only unencrypted "
            "keys (decrypt with: openssl pkey -in KEY -out PLAIN)");
}

TEST(PrivateKeyTest, RealEncryptedKeysAreRefused) {
  internal::BioPtr pkcs8(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(
                pkcs8.get(), CachedKey(KeyType::kP256).native(),
                EVP_aes_256_cbc(), "pw", 2, nullptr, nullptr),
            1);
  internal::BioPtr traditional(BIO_new(BIO_s_mem()));
  ASSERT_EQ(
      PEM_write_bio_PrivateKey_traditional(
          traditional.get(), CachedKey(KeyType::kP256).native(),
          EVP_aes_256_cbc(), nullptr, 0, nullptr, const_cast<char*>("pw")),
      1);
  for (BIO* bio : {pkcs8.get(), traditional.get()}) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    const Status status =
        PrivateKey::FromPem(std::string_view(data, static_cast<size_t>(length)))
            .status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(
        status.message().starts_with("the private key PEM is encrypted"))
        << status.message();
  }
}

TEST(PrivateKeyTest, TrailingDerBytesAreRejected) {
  SecretBytes der = CachedKey(KeyType::kP256).ToDer();
  Bytes padded(der.span().begin(), der.span().end());
  padded.push_back(0);
  const Status status = PrivateKey::FromDer(padded).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      status.message(),
      "malformed private key DER: 1 trailing bytes after the private key");
}

TEST(PrivateKeyTest, GarbageDerIsInvalidArgument) {
  const Bytes garbage = {0x30, 0x03, 0x02, 0x01};
  const Status status = PrivateKey::FromDer(garbage).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      status.message().starts_with("malformed private key DER (4 bytes)"))
      << status.message();
}

TEST(PrivateKeyTest, UnsupportedTypesAreNamed) {
  EVP_PKEY* secp256k1 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
  ASSERT_NE(secp256k1, nullptr);
  internal::EvpPkeyPtr owner(secp256k1);
  internal::BioPtr pem(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey(pem.get(), owner.get(), nullptr, nullptr,
                                     0, nullptr, nullptr),
            1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(pem.get(), &data);
  Status status =
      PrivateKey::FromPem(std::string_view(data, static_cast<size_t>(length)))
          .status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unsupported key: EC curve secp256k1; supported key types are "
            "P-256, P-384, Ed25519, RSA-2048 and RSA-3072");

  status = PublicKey::FromOpenSsl(std::move(owner)).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unsupported key: EC curve secp256k1; supported key types are "
            "P-256, P-384, Ed25519, RSA-2048 and RSA-3072");

  internal::EvpPkeyPtr ed448(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
  ASSERT_NE(ed448, nullptr);
  status = PublicKey::FromOpenSsl(std::move(ed448)).status();
  EXPECT_EQ(status.message(),
            "unsupported key: ED448; supported key types are P-256, P-384, "
            "Ed25519, RSA-2048 and RSA-3072");
}

TEST(PublicKeyTest, MalformedInputIsInvalidArgument) {
  EXPECT_EQ(
      PublicKey::FromPem("-----BEGIN PUBLIC KEY-----\n!!\n").status().code(),
      StatusCode::kInvalidArgument);
  Bytes der = CachedKey(KeyType::kEd25519).PublicKeyDer();
  der.resize(der.size() - 1);
  const Status status = PublicKey::FromDer(der).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      status.message().starts_with("malformed public key DER (43 bytes): "))
      << status.message();
}

}  // namespace
}  // namespace coffer::crypto

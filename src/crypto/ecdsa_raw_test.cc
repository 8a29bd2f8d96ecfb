#include "crypto/ecdsa_raw.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "crypto/signature.h"
#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::CachedKey;
using testing::ValueOrDie;

constexpr std::string_view kMessage = "quote header and report body";

TEST(EcdsaRawTest, P256KeyRoundTripsThroughXY) {
  const PublicKey key = CachedKey(KeyType::kP256).public_key();
  const Bytes x_y = ValueOrDie(P256PublicKeyToRaw(key));
  ASSERT_EQ(x_y.size(), kP256RawPublicKeySize);
  // SPKI of an uncompressed P-256 key ends with 0x04 || X || Y.
  EXPECT_TRUE(HexEncode(key.ToDer()).ends_with("04" + HexEncode(x_y)));
  const PublicKey parsed = ValueOrDie(P256PublicKeyFromRaw(x_y));
  EXPECT_EQ(parsed.type(), KeyType::kP256);
  EXPECT_EQ(parsed.ToDer(), key.ToDer());
}

TEST(EcdsaRawTest, RejectsBadRawKeys) {
  Status status = P256PublicKeyFromRaw(Bytes(63, 1)).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "a raw P-256 public key must be 64 bytes (X || Y), got 63");

  // (1, 1) is not on the curve.
  Bytes off_curve(64, 0);
  off_curve[31] = 1;
  off_curve[63] = 1;
  status = P256PublicKeyFromRaw(off_curve).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with(
      "invalid raw P-256 public key 0000000000000000...: "))
      << status.message();

  status = P256PublicKeyToRaw(CachedKey(KeyType::kP384).public_key()).status();
  EXPECT_EQ(status.message(),
            "a raw P-256 public key needs a P-256 key, not P-384");
}

TEST(EcdsaRawTest, SignaturesConvertBothWays) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  const Bytes der = ValueOrDie(Sign(key, AsBytes(kMessage)));
  const Bytes r_s = ValueOrDie(EcdsaDerToRaw(der, 32));
  ASSERT_EQ(r_s.size(), 64u);
  EXPECT_EQ(ValueOrDie(EcdsaRawToDer(r_s)), der);
}

TEST(EcdsaRawTest, SmallValuesArePaddedAndUnpadded) {
  // r = 1, s = 2: DER 30 06 02 01 01 02 01 02.
  Bytes r_s(64, 0);
  r_s[31] = 1;
  r_s[63] = 2;
  EXPECT_EQ(HexEncode(ValueOrDie(EcdsaRawToDer(r_s))), "3006020101020102");
  EXPECT_EQ(
      ValueOrDie(EcdsaDerToRaw(HexDecode("3006020101020102").value(), 32)),
      r_s);
  // A high bit needs a 0x00 sign byte in DER: r becomes 02 21 00 80 ...
  r_s[0] = 0x80;
  const Bytes der = ValueOrDie(EcdsaRawToDer(r_s));
  EXPECT_EQ(HexEncode(der).substr(0, 10), "3026022100");
  EXPECT_EQ(ValueOrDie(EcdsaDerToRaw(der, 32)), r_s);
}

TEST(EcdsaRawTest, RejectsMalformedSignatures) {
  Status status = EcdsaRawToDer(Bytes(63, 1)).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "a raw ECDSA signature must be r || s with two equal halves of at "
            "most 66 bytes, got 63 bytes");
  status = EcdsaDerToRaw(Bytes{0x30, 0x01}, 32).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      status.message().starts_with("malformed DER ECDSA signature (2 bytes): "))
      << status.message();
  // A 33-byte r does not fit P-256's 32.
  Bytes wide(66, 0x7f);
  status = EcdsaDerToRaw(ValueOrDie(EcdsaRawToDer(wide)), 32).status();
  EXPECT_EQ(status.message(), "ECDSA signature values are wider than 32 bytes");
}

TEST(EcdsaRawTest, P256RawSignAndVerify) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  const Bytes x_y = ValueOrDie(P256PublicKeyToRaw(key.public_key()));
  Bytes r_s = ValueOrDie(SignEcdsaP256Raw(key, AsBytes(kMessage)));
  ASSERT_EQ(r_s.size(), kP256RawSignatureSize);
  Status status = VerifyEcdsaP256Raw(x_y, AsBytes(kMessage), r_s);
  EXPECT_TRUE(status.ok()) << status.ToString();

  r_s[10] ^= 0x01;
  status = VerifyEcdsaP256Raw(x_y, AsBytes(kMessage), r_s);
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(
      status.message().starts_with("ECDSA-SHA256 signature does not verify"))
      << status.message();

  status = VerifyEcdsaP256Raw(x_y, AsBytes(kMessage), Bytes(65, 1));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "a raw P-256 ECDSA signature must be 64 bytes (r || s), got 65");
}

TEST(EcdsaRawTest, P384RawVerify) {
  const PrivateKey& key = CachedKey(KeyType::kP384);
  const Bytes r_s =
      ValueOrDie(EcdsaDerToRaw(ValueOrDie(Sign(key, AsBytes(kMessage))), 48));
  ASSERT_EQ(r_s.size(), 96u);
  const Status status =
      VerifyEcdsaRaw(key.public_key(), AsBytes(kMessage), r_s);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(EcdsaRawTest, RejectsNonEcdsaKeys) {
  const Status sign =
      SignEcdsaP256Raw(CachedKey(KeyType::kEd25519), AsBytes(kMessage))
          .status();
  EXPECT_EQ(sign.message(), "raw P-256 signing needs a P-256 key, not Ed25519");
  const Status verify =
      VerifyEcdsaRaw(CachedKey(KeyType::kEd25519).public_key(),
                     AsBytes(kMessage), Bytes(64, 1));
  EXPECT_EQ(verify.message(),
            "raw ECDSA verification needs a P-256 or P-384 key, not Ed25519");
}

}  // namespace
}  // namespace coffer::crypto

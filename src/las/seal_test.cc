#include "las/seal.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/encoding.h"

namespace coffer::las {
namespace {

crypto::Sha256Digest Measurement(uint8_t fill) {
  crypto::Sha256Digest digest;
  digest.fill(fill);
  return digest;
}

crypto::SecretBytes Secret(uint8_t fill) {
  return crypto::SecretBytes(Bytes(32, fill));
}

bool Same(const crypto::SecretBytes& a, const crypto::SecretBytes& b) {
  return crypto::ConstantTimeEquals(a.span(), b.span());
}

TEST(SealTest, SameProgramSamePlatformSameKey) {
  StatusOr<crypto::SecretBytes> a = DeriveSealKey(Secret(1), Measurement(5));
  StatusOr<crypto::SecretBytes> b = DeriveSealKey(Secret(1), Measurement(5));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), kSealKeySize);
  EXPECT_TRUE(Same(*a, *b));
}

TEST(SealTest, AnotherProgramOrPlatformAnotherKey) {
  StatusOr<crypto::SecretBytes> base = DeriveSealKey(Secret(1), Measurement(5));
  StatusOr<crypto::SecretBytes> program =
      DeriveSealKey(Secret(1), Measurement(6));
  StatusOr<crypto::SecretBytes> platform =
      DeriveSealKey(Secret(2), Measurement(5));
  ASSERT_TRUE(base.ok() && program.ok() && platform.ok());
  EXPECT_FALSE(Same(*base, *program));
  EXPECT_FALSE(Same(*base, *platform));
  EXPECT_FALSE(Same(*base, Secret(1))) << "never the secret itself";
}

TEST(SealTest, KnownAnswer) {
  // Pins the derivation: sealed data must stay openable across versions.
  StatusOr<crypto::SecretBytes> key = DeriveSealKey(Secret(1), Measurement(5));
  ASSERT_TRUE(key.ok());
  Bytes info(kSealKeyDomain.begin(), kSealKeyDomain.end());
  info.push_back(0);
  info.insert(info.end(), 32, 5);
  StatusOr<crypto::SecretBytes> want =
      crypto::HkdfSha256({}, Secret(1), info, 32);
  ASSERT_TRUE(want.ok());
  EXPECT_TRUE(Same(*key, *want));
}

TEST(SealTest, KeysNeverPrintThemselves) {
  StatusOr<crypto::SecretBytes> key = DeriveSealKey(Secret(1), Measurement(5));
  ASSERT_TRUE(key.ok());
  std::ostringstream out;
  out << *key;
  EXPECT_EQ(out.str(), "[secret 32 bytes]");
  EXPECT_EQ(out.str().find(HexEncode(key->span())), std::string::npos);
}

TEST(SealTest, EmptySecretIsRefused) {
  EXPECT_EQ(
      DeriveSealKey(crypto::SecretBytes(), Measurement(5)).status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::las

#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"

namespace coffer::crypto {
namespace {

Bytes Hex(std::string_view hex) { return HexDecode(hex).value(); }

// FIPS 180-2, appendix B.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(HexEncode(Sha256(AsBytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256(AsBytes(
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256HasherTest, MatchesOneShotForEverySplit) {
  const std::string message = "The quick brown fox jumps over the lazy dog";
  const Sha256Digest expected = Sha256(AsBytes(message));
  Sha256Hasher hasher;
  for (size_t split = 0; split <= message.size(); ++split) {
    hasher.Update(AsBytes(std::string_view(message).substr(0, split)));
    hasher.Update(AsBytes(std::string_view(message).substr(split)));
    EXPECT_EQ(hasher.Finish(), expected) << "split at " << split;
  }
}

TEST(Sha256HasherTest, FinishStartsOver) {
  Sha256Hasher hasher;
  hasher.Update(AsBytes("abc"));
  (void)hasher.Finish();
  EXPECT_EQ(hasher.Finish(), Sha256(AsBytes("")));
}

// RFC 4231, test cases 1 and 2.
TEST(HmacSha256Test, Rfc4231Vectors) {
  const Bytes key1(20, 0x0b);
  EXPECT_EQ(HexEncode(HmacSha256(key1, AsBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"),
                                 AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, AcceptsAnEmptyKey) {
  EXPECT_EQ(HexEncode(HmacSha256({}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// RFC 5869, test case 1.
TEST(HkdfSha256Test, Rfc5869TestCase1) {
  const SecretBytes ikm(Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
  StatusOr<SecretBytes> okm = HkdfSha256(Hex("000102030405060708090a0b0c"), ikm,
                                         Hex("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(HexEncode(okm->span()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

// RFC 5869, test case 3: empty salt and info.
TEST(HkdfSha256Test, Rfc5869TestCase3) {
  const SecretBytes ikm(Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
  StatusOr<SecretBytes> okm = HkdfSha256({}, ikm, {}, 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(HexEncode(okm->span()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

TEST(HkdfSha256Test, RejectsBadArguments) {
  const SecretBytes ikm(Hex("0b0b"));
  Status status = HkdfSha256({}, SecretBytes(), {}, 32).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "HKDF-SHA256: the input key material is empty");

  status = HkdfSha256({}, ikm, {}, 0).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "HKDF-SHA256: the output length is zero");

  status = HkdfSha256({}, ikm, {}, 8161).status();
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(),
            "HKDF-SHA256: output length 8161 exceeds the limit of 8160 bytes");

  StatusOr<SecretBytes> longest = HkdfSha256({}, ikm, {}, 8160);
  ASSERT_TRUE(longest.ok()) << longest.status().ToString();
  EXPECT_EQ(longest->size(), 8160u);
}

}  // namespace
}  // namespace coffer::crypto

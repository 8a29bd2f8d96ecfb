#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"

namespace coffer::crypto {
namespace {

constexpr std::string_view kTagMismatch =
    "AES-256-GCM open: authentication tag mismatch: wrong key or associated "
    "data, or the nonce, ciphertext or tag was altered";

Bytes Hex(std::string_view hex) { return HexDecode(hex).value(); }

class AesGcmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = SecretBytes(Hex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
    StatusOr<Bytes> sealed =
        AesGcmSeal(key_, AsBytes(kPlaintext), AsBytes(kAad));
    ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
    sealed_ = *std::move(sealed);
  }

  void ExpectTagMismatch(const Bytes& sealed, std::string_view aad) {
    const Status status = AesGcmOpen(key_, sealed, AsBytes(aad)).status();
    EXPECT_EQ(status.code(), StatusCode::kDataLoss);
    EXPECT_EQ(status.message(), kTagMismatch);
  }

  static constexpr std::string_view kPlaintext = "the database key";
  static constexpr std::string_view kAad = "record:db_key";
  SecretBytes key_;
  Bytes sealed_;
};

TEST_F(AesGcmTest, RoundTrip) {
  EXPECT_EQ(sealed_.size(), kPlaintext.size() + kAesGcmOverhead);
  StatusOr<SecretBytes> opened = AesGcmOpen(key_, sealed_, AsBytes(kAad));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(AsString(opened->span()), kPlaintext);
}

TEST_F(AesGcmTest, EmptyPlaintextRoundTrips) {
  StatusOr<Bytes> sealed = AesGcmSeal(key_, {}, {});
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->size(), kAesGcmOverhead);
  StatusOr<SecretBytes> opened = AesGcmOpen(key_, *sealed, {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->empty());
}

TEST_F(AesGcmTest, EverySealUsesAFreshNonce) {
  const Bytes again = *AesGcmSeal(key_, AsBytes(kPlaintext), AsBytes(kAad));
  EXPECT_NE(Bytes(sealed_.begin(), sealed_.begin() + kAesGcmNonceSize),
            Bytes(again.begin(), again.begin() + kAesGcmNonceSize));
}

TEST_F(AesGcmTest, TamperedNonceFails) {
  sealed_[0] ^= 0x01;
  ExpectTagMismatch(sealed_, kAad);
}

TEST_F(AesGcmTest, TamperedCiphertextFails) {
  sealed_[kAesGcmNonceSize + 3] ^= 0x80;
  ExpectTagMismatch(sealed_, kAad);
}

TEST_F(AesGcmTest, TamperedTagFails) {
  sealed_.back() ^= 0x01;
  ExpectTagMismatch(sealed_, kAad);
}

TEST_F(AesGcmTest, WrongAssociatedDataFails) {
  ExpectTagMismatch(sealed_, "record:other_key");
  ExpectTagMismatch(sealed_, "");
}

TEST_F(AesGcmTest, WrongKeyFails) {
  key_.mutable_span()[31] ^= 0x01;
  ExpectTagMismatch(sealed_, kAad);
}

TEST_F(AesGcmTest, TruncatedInputHasItsOwnError) {
  const Bytes truncated(sealed_.begin(), sealed_.begin() + 27);
  const Status status = AesGcmOpen(key_, truncated, AsBytes(kAad)).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "AES-256-GCM open: sealed data is truncated: 27 bytes, but even "
            "an empty message has 28 (12-byte nonce and 16-byte tag)");
  // Cutting off part of the tag of a longer message is a tag mismatch.
  ExpectTagMismatch(Bytes(sealed_.begin(), sealed_.end() - 1), kAad);
}

TEST_F(AesGcmTest, WrongKeyLengthIsInvalidArgument) {
  const SecretBytes short_key(Hex("000102030405060708090a0b0c0d0e0f"));
  Status status = AesGcmSeal(short_key, AsBytes(kPlaintext), {}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "AES-256-GCM seal: an AES-256-GCM key must be 32 bytes, got 16");
  status = AesGcmOpen(short_key, sealed_, AsBytes(kAad)).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "AES-256-GCM open: an AES-256-GCM key must be 32 bytes, got 16");
}

// McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16
// (AES-256, 96-bit IV, associated data), laid out as nonce || C || tag.
TEST(AesGcmKnownAnswerTest, OpensTestCase16) {
  const SecretBytes key(
      Hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  const Bytes sealed =
      Hex("cafebabefacedbaddecaf888"
          "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
          "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
          "76fc6ece0f4e1768cddf8853bb2d551b");
  const Bytes aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  StatusOr<SecretBytes> opened = AesGcmOpen(key, sealed, aad);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(HexEncode(opened->span()),
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
}

}  // namespace
}  // namespace coffer::crypto

#include "common/encoding.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(HexTest, RoundTripAndCase) {
  Bytes data = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "0001abff");
  EXPECT_EQ(*HexDecode("0001ABff"), data);
  EXPECT_TRUE(HexDecode("").ok());
}

TEST(HexTest, RejectsBadInputWithPosition) {
  EXPECT_EQ(HexDecode("abc").status().message(),
            "hex string has an odd length (3 characters)");
  EXPECT_EQ(HexDecode("00zz").status().message(),
            "invalid hex character at offset 2");
  EXPECT_EQ(HexDecode("0g").status().message(),
            "invalid hex character at offset 1");
}

TEST(HexTest, IsHexChecksLengthAndDigits) {
  EXPECT_TRUE(IsHex(std::string(64, 'a'), 64));
  EXPECT_FALSE(IsHex(std::string(63, 'a'), 64));
  EXPECT_FALSE(IsHex(std::string(63, 'a') + "x", 64));
}

// RFC 4648, section 10.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    StatusOr<Bytes> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(AsString(*decoded), plain);
  }
  EXPECT_EQ(AsString(*Base64Decode("Zm8")), "fo");  // unpadded
}

TEST(Base64Test, RejectsBadInput) {
  EXPECT_EQ(Base64Decode("Zm9v!").status().message(),
            "base64 text has an impossible length (5)");
  EXPECT_EQ(Base64Decode("Zm9*").status().message(),
            "invalid base64 character at offset 3");
  EXPECT_EQ(Base64Decode("Zh==").status().message(),
            "base64 text has non-zero trailing bits");
}

}  // namespace
}  // namespace coffer

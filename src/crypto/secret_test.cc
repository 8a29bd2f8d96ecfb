#include "crypto/secret.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/encoding.h"
#include "common/log.h"

namespace coffer::crypto {
namespace {

constexpr std::string_view kPassword = "hunter2-TOPSECRET";

// The type system keeps secrets out of strings, spans and log fields.
static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(!std::is_convertible_v<SecretBytes, std::string>);
static_assert(!std::is_convertible_v<SecretBytes, std::string_view>);
static_assert(!std::is_convertible_v<SecretBytes, std::span<const uint8_t>>);
static_assert(
    !std::is_constructible_v<LogField, std::string_view, const SecretBytes&>);

TEST(SecretBytesTest, NeverPrintsItsBytes) {
  const SecretBytes secret(AsBytes(kPassword));
  std::ostringstream stream;
  stream << "debug: " << secret;
  const std::string printed =
      stream.str() + secret.ToString() + ::testing::PrintToString(secret);

  EXPECT_EQ(secret.ToString(), "[secret 17 bytes]");
  EXPECT_EQ(stream.str(), "debug: [secret 17 bytes]");
  EXPECT_EQ(printed.find(kPassword), std::string::npos) << printed;
  EXPECT_EQ(printed.find(HexEncode(kPassword)), std::string::npos) << printed;
  EXPECT_EQ(printed.find("hunter2"), std::string::npos) << printed;
}

TEST(SecretBytesTest, ExplicitAccessReturnsTheBytes) {
  const SecretBytes secret(AsBytes(kPassword));
  EXPECT_EQ(secret.size(), kPassword.size());
  EXPECT_EQ(AsString(secret.span()), kPassword);
}

TEST(SecretBytesTest, SizedConstructorZeroFills) {
  SecretBytes secret(4);
  EXPECT_EQ(HexEncode(secret.span()), "00000000");
  secret.mutable_span()[1] = 0xab;
  EXPECT_EQ(HexEncode(secret.span()), "00ab0000");
}

TEST(SecretBytesTest, MoveLeavesTheSourceEmpty) {
  SecretBytes source(AsBytes(kPassword));
  SecretBytes moved(std::move(source));
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): checked
  EXPECT_EQ(AsString(moved.span()), kPassword);

  SecretBytes target(AsBytes("old"));
  target = std::move(moved);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move): checked
  EXPECT_EQ(AsString(target.span()), kPassword);
}

TEST(SecretBytesTest, CloneIsIndependent) {
  const SecretBytes original(AsBytes(kPassword));
  SecretBytes copy = original.Clone();
  copy.mutable_span()[0] = 'X';
  EXPECT_EQ(AsString(original.span()), kPassword);
  EXPECT_EQ(AsString(copy.span()), "Xunter2-TOPSECRET");
}

TEST(ConstantTimeEqualsTest, ComparesContentsAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abcd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes(""), AsBytes("a")));
  EXPECT_TRUE(ConstantTimeEquals(AsBytes(""), AsBytes("")));
}

}  // namespace
}  // namespace coffer::crypto

#include "crypto/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace coffer::crypto {
namespace {

TEST(RandomTest, ReturnsRequestedSizes) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{32}, size_t{1000}}) {
    StatusOr<Bytes> bytes = RandomBytes(size);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    EXPECT_EQ(bytes->size(), size);
    StatusOr<SecretBytes> secret = RandomSecret(size);
    ASSERT_TRUE(secret.ok()) << secret.status().ToString();
    EXPECT_EQ(secret->size(), size);
  }
}

TEST(RandomTest, OutputsDiffer) {
  // Equal 32-byte outputs would mean a broken generator (chance 2^-256).
  EXPECT_NE(*RandomBytes(32), *RandomBytes(32));
  EXPECT_FALSE(
      ConstantTimeEquals(RandomSecret(32)->span(), RandomSecret(32)->span()));
}

TEST(RandomTest, RefusesOversizedRequests) {
  const Status status = RandomSecret(kMaxRandomSize + 1).status();
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(),
            "cannot generate a random secret of 1048577 bytes: at most "
            "1048576 are allowed");
  EXPECT_EQ(RandomBytes(size_t{1} << 40).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_TRUE(RandomBytes(kMaxRandomSize).ok());
}

TEST(RandomAsciiSecretTest, UsesOnlyTheSafeAlphabet) {
  StatusOr<SecretBytes> password = RandomAsciiSecret(24);
  ASSERT_TRUE(password.ok()) << password.status().ToString();
  ASSERT_EQ(password->size(), 24u);
  for (uint8_t c : password->span()) {
    EXPECT_NE(kAsciiSecretAlphabet.find(static_cast<char>(c)),
              std::string_view::npos)
        << "character " << int{c};
  }
}

TEST(RandomAsciiSecretTest, ReachesEverySymbol) {
  // 20000 draws miss a given symbol with probability (65/66)^20000, about
  // e^-305: a missing symbol means a biased or truncated alphabet.
  StatusOr<SecretBytes> text = RandomAsciiSecret(20000);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  std::set<uint8_t> seen(text->span().begin(), text->span().end());
  EXPECT_EQ(seen.size(), kAsciiSecretAlphabet.size());
  EXPECT_EQ(kAsciiSecretAlphabet.size(), 66u);
}

TEST(RandomAsciiSecretTest, RefusesOversizedRequests) {
  EXPECT_EQ(RandomAsciiSecret(kMaxRandomSize + 1).status().code(),
            StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace coffer::crypto

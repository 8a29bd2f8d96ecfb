#include "crypto/shamir.h"

#include <gtest/gtest.h>

#include <vector>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/sealed_box.h"

namespace coffer::crypto {
namespace {

std::vector<SecretShare> Pick(const std::vector<SecretShare>& shares,
                              std::initializer_list<size_t> indexes) {
  std::vector<SecretShare> picked;
  for (size_t i : indexes) {
    picked.push_back({shares[i].x, shares[i].y.Clone()});
  }
  return picked;
}

TEST(ShamirTest, AnyThresholdOfSharesGivesTheSecretBack) {
  const SecretBytes secret = RandomSecret(32).value();
  const auto shares = SplitSecret(secret.span(), 3, 5);
  ASSERT_TRUE(shares.ok()) << shares.status().ToString();
  ASSERT_EQ(shares->size(), 5u);
  for (auto indexes :
       {std::vector<size_t>{0, 1, 2}, {4, 2, 0}, {1, 3, 4}, {0, 1, 2, 3, 4}}) {
    std::vector<SecretShare> picked;
    for (size_t i : indexes) {
      picked.push_back({(*shares)[i].x, (*shares)[i].y.Clone()});
    }
    const auto combined = CombineShares(picked);
    ASSERT_TRUE(combined.ok());
    EXPECT_TRUE(ConstantTimeEquals(combined->span(), secret.span()));
  }
}

TEST(ShamirTest, FewerSharesGiveSomethingElse) {
  const SecretBytes secret = RandomSecret(32).value();
  const auto shares = SplitSecret(secret.span(), 3, 5).value();
  const auto combined = CombineShares(Pick(shares, {0, 4}));
  ASSERT_TRUE(combined.ok());
  EXPECT_FALSE(ConstantTimeEquals(combined->span(), secret.span()));
}

TEST(ShamirTest, ThresholdOneIsTheSecretItself) {
  const SecretBytes secret = RandomSecret(16).value();
  const auto shares = SplitSecret(secret.span(), 1, 3).value();
  for (const SecretShare& share : shares) {
    EXPECT_TRUE(ConstantTimeEquals(share.y.span(), secret.span()));
  }
}

TEST(ShamirTest, BadArgumentsAreRefused) {
  const SecretBytes secret = RandomSecret(8).value();
  EXPECT_EQ(SplitSecret(secret.span(), 0, 3).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitSecret(secret.span(), 4, 3).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitSecret(secret.span(), 2, 256).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitSecret({}, 1, 1).status().code(),
            StatusCode::kInvalidArgument);
  const auto shares = SplitSecret(secret.span(), 2, 3).value();
  auto twice = Pick(shares, {0, 0});
  EXPECT_EQ(CombineShares(twice).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CombineShares({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(SealedBoxTest, OnlyTheRecipientOpensIt) {
  const PrivateKey recipient = PrivateKey::Generate(KeyType::kP256).value();
  const PrivateKey other = PrivateKey::Generate(KeyType::kP256).value();
  const Bytes message = {1, 2, 3, 4, 5};
  const Bytes ad = {9};
  const auto box = SealToPublicKey(recipient.public_key(), message, ad).value();
  const auto opened = OpenSealedBox(recipient, box, ad);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(ConstantTimeEquals(opened->span(), message));
  EXPECT_EQ(OpenSealedBox(other, box, ad).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(OpenSealedBox(recipient, box, Bytes{8}).status().code(),
            StatusCode::kDataLoss);
  Bytes altered = box;
  altered.back() ^= 1;
  EXPECT_EQ(OpenSealedBox(recipient, altered, ad).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(OpenSealedBox(recipient, Bytes{0, 200, 1}, ad).status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace coffer::crypto

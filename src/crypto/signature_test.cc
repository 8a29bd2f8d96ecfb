#include "crypto/signature.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::CachedKey;
using testing::OtherCachedKey;
using testing::ValueOrDie;

constexpr std::string_view kMessage = "session MariaDBSession-1234, hash 42";

class SignatureTest : public ::testing::TestWithParam<KeyType> {
 protected:
  std::string DoesNotVerify() const {
    return std::string(SignatureAlgorithmName(GetParam())) +
           " signature does not verify";
  }
  void ExpectRejected(const PublicKey& key, std::string_view data,
                      const Bytes& signature) {
    const Status status = Verify(key, AsBytes(data), signature);
    EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
    EXPECT_TRUE(status.message().starts_with(DoesNotVerify()))
        << status.message();
  }
};

TEST_P(SignatureTest, SignsAndVerifies) {
  const PrivateKey& key = CachedKey(GetParam());
  const Bytes signature = ValueOrDie(Sign(key, AsBytes(kMessage)));
  const Status status = Verify(key.public_key(), AsBytes(kMessage), signature);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_P(SignatureTest, TamperedSignatureFails) {
  const PrivateKey& key = CachedKey(GetParam());
  Bytes signature = ValueOrDie(Sign(key, AsBytes(kMessage)));
  signature[signature.size() / 2] ^= 0x01;
  ExpectRejected(key.public_key(), kMessage, signature);
}

TEST_P(SignatureTest, TamperedDataFails) {
  const PrivateKey& key = CachedKey(GetParam());
  const Bytes signature = ValueOrDie(Sign(key, AsBytes(kMessage)));
  std::string altered(kMessage);
  altered.back() ^= 0x01;
  ExpectRejected(key.public_key(), altered, signature);
}

TEST_P(SignatureTest, OtherKeyFails) {
  const Bytes signature =
      ValueOrDie(Sign(CachedKey(GetParam()), AsBytes(kMessage)));
  ExpectRejected(OtherCachedKey(GetParam()).public_key(), kMessage, signature);
}

TEST_P(SignatureTest, MalformedSignaturesFail) {
  const PublicKey key = CachedKey(GetParam()).public_key();
  ExpectRejected(key, kMessage, {});
  ExpectRejected(key, kMessage, Bytes(3, 0xff));
  ExpectRejected(key, kMessage, Bytes(600, 0x30));
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, SignatureTest,
                         ::testing::ValuesIn(testing::kAllKeyTypes),
                         testing::KeyTypeTestName);

// RFC 8032, section 7.1, test 1 (empty message). The private key is the
// seed wrapped in PKCS#8 (RFC 8410).
TEST(Ed25519Test, Rfc8032Test1) {
  const Bytes pkcs8 = HexDecode(
                          "302e020100300506032b657004220420"
                          "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919"
                          "703bac031cae7f60")
                          .value();
  const PrivateKey key = ValueOrDie(PrivateKey::FromDer(pkcs8));
  ASSERT_EQ(key.type(), KeyType::kEd25519);
  EXPECT_EQ(HexEncode(key.PublicKeyDer()).substr(24),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(HexEncode(ValueOrDie(Sign(key, {}))),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(RsaPssTest, SignaturesAreRandomisedPss) {
  const PrivateKey& key = CachedKey(KeyType::kRsa2048);
  const Bytes first = ValueOrDie(Sign(key, AsBytes(kMessage)));
  const Bytes second = ValueOrDie(Sign(key, AsBytes(kMessage)));
  EXPECT_EQ(first.size(), 256u);
  EXPECT_NE(first, second);  // PKCS#1 v1.5 would give equal signatures
  EXPECT_TRUE(Verify(key.public_key(), AsBytes(kMessage), second).ok());
}

}  // namespace
}  // namespace coffer::crypto

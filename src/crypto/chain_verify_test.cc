#include "crypto/chain_verify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/crl.h"
#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::CachedKey;
using testing::CaSpec;
using testing::kDay;
using testing::LeafSpec;
using testing::OtherCachedKey;
using testing::TestNow;
using testing::ValueOrDie;

std::vector<Certificate> Copies(const Certificate& certificate) {
  std::vector<Certificate> out;
  out.push_back(certificate.Clone());
  return out;
}

// The message VerifyChain gives for a chain of the test PKI's leaf.
std::string LeafFailure(int depth, std::string_view subject,
                        std::string_view reason) {
  return "certificate chain of \"CN=server.test\" does not verify: at depth " +
         std::to_string(depth) + " (\"" + std::string(subject) +
         "\"): " + std::string(reason);
}

void ExpectFailure(const Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated) << status.ToString();
  EXPECT_EQ(status.message(), message);
}

class ChainVerifyTest : public ::testing::TestWithParam<KeyType> {
 protected:
  testing::TestPki pki_ = testing::MakeTestPki(GetParam());
  std::vector<Certificate> intermediates_ = Copies(pki_.intermediate);
  std::vector<Certificate> roots_ = Copies(pki_.root);
};

TEST_P(ChainVerifyTest, GoodChainVerifies) {
  const Status status = VerifyChain(pki_.leaf, intermediates_, roots_,
                                    TestNow(), CertificatePurpose::kServerAuth);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_P(ChainVerifyTest, ExpiredLeafFails) {
  ExpectFailure(VerifyChain(pki_.leaf, intermediates_, roots_,
                            pki_.leaf.not_after() + kDay),
                LeafFailure(0, "CN=server.test", "certificate has expired"));
}

TEST_P(ChainVerifyTest, NotYetValidLeafFails) {
  ExpectFailure(
      VerifyChain(pki_.leaf, intermediates_, roots_,
                  pki_.leaf.not_before() - std::chrono::seconds(1)),
      LeafFailure(0, "CN=server.test", "certificate is not yet valid"));
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, ChainVerifyTest,
                         ::testing::ValuesIn(testing::kAllKeyTypes),
                         testing::KeyTypeTestName);

class ChainFailureTest : public ::testing::Test {
 protected:
  testing::TestPki pki_ = testing::MakeTestPki();
  std::vector<Certificate> intermediates_ = Copies(pki_.intermediate);
  std::vector<Certificate> roots_ = Copies(pki_.root);
};

TEST_F(ChainFailureTest, WrongPurposeFails) {
  ExpectFailure(
      VerifyChain(pki_.leaf, intermediates_, roots_, TestNow(),
                  CertificatePurpose::kClientAuth),
      LeafFailure(0, "CN=server.test", "unsuitable certificate purpose"));
}

TEST_F(ChainFailureTest, UnrelatedRootFails) {
  const Certificate other = ValueOrDie(
      MakeSelfSignedCa(CachedKey(KeyType::kP384), CaSpec("Other Root")));
  ExpectFailure(
      VerifyChain(pki_.leaf, intermediates_, Copies(other), TestNow()),
      LeafFailure(1, "CN=Test Intermediate CA",
                  "unable to get local issuer certificate"));
}

// Like Intel's test root: the same name as the real root, another key.
// OpenSSL matches issuers by name and key identifier, so the impostor is
// not even tried as the issuer.
TEST_F(ChainFailureTest, SameNameRootWithOtherKeyFails) {
  const Certificate impostor = ValueOrDie(
      MakeSelfSignedCa(OtherCachedKey(KeyType::kP384), CaSpec("Test Root CA")));
  ExpectFailure(
      VerifyChain(pki_.leaf, intermediates_, Copies(impostor), TestNow()),
      LeafFailure(1, "CN=Test Intermediate CA",
                  "unable to get local issuer certificate"));
}

TEST_F(ChainFailureTest, MissingIntermediateFails) {
  ExpectFailure(VerifyChain(pki_.leaf, {}, roots_, TestNow()),
                LeafFailure(0, "CN=server.test",
                            "unable to get local issuer certificate"));
}

TEST_F(ChainFailureTest, TamperedSignatureFails) {
  Bytes der = pki_.leaf.ToDer();
  der[der.size() - 5] ^= 0x01;  // inside the signature value
  const Certificate tampered = ValueOrDie(Certificate::FromDer(der));
  ExpectFailure(
      VerifyChain(tampered, intermediates_, roots_, TestNow()),
      LeafFailure(0, "CN=server.test", "certificate signature failure"));
}

TEST_F(ChainFailureTest, ExpiredRootFails) {
  CertificateSpec spec = CaSpec("Test Root CA");
  spec.valid_for = 30 * kDay;  // ends 2025-01-31, before TestNow()
  const Certificate old_root =
      ValueOrDie(MakeSelfSignedCa(*pki_.root_key, spec));
  ExpectFailure(
      VerifyChain(pki_.leaf, intermediates_, Copies(old_root), TestNow()),
      LeafFailure(2, "CN=Test Root CA", "certificate has expired"));
}

TEST_F(ChainFailureTest, PathLengthIsEnforced) {
  CertificateSpec root_spec = CaSpec("Short Root");
  root_spec.path_length = 0;
  const PrivateKey& root_key = CachedKey(KeyType::kP256);
  const Certificate root = ValueOrDie(MakeSelfSignedCa(root_key, root_spec));
  // IssueCertificate refuses a CA under pathlen 0, so the only way to get
  // one is a root with pathlen 1 and two CAs below it.
  root_spec.path_length = 1;
  const Certificate root1 = ValueOrDie(MakeSelfSignedCa(root_key, root_spec));
  const PrivateKey& ca_key = OtherCachedKey(KeyType::kP256);
  const Certificate ca1 = ValueOrDie(
      IssueCertificate(root1, root_key, ca_key.public_key(), CaSpec("CA 1")));
  const Certificate ca2 = ValueOrDie(
      IssueCertificate(ca1, ca_key, ca_key.public_key(), CaSpec("CA 2")));
  const Certificate leaf = ValueOrDie(
      IssueCertificate(ca2, ca_key, CachedKey(KeyType::kEd25519).public_key(),
                       LeafSpec("deep")));
  std::vector<Certificate> intermediates;
  intermediates.push_back(ca1.Clone());
  intermediates.push_back(ca2.Clone());
  const Status status =
      VerifyChain(leaf, intermediates, Copies(root1), TestNow());
  ExpectFailure(status,
                "certificate chain of \"CN=deep\" does not verify: at depth 3 "
                "(\"CN=Short Root\"): path length constraint exceeded");
  // One CA below the root is within the limit.
  const Certificate leaf1 = ValueOrDie(IssueCertificate(
      ca1, ca_key, CachedKey(KeyType::kEd25519).public_key(), LeafSpec("ok")));
  EXPECT_TRUE(VerifyChain(leaf1, Copies(ca1), Copies(root1), TestNow()).ok());
  EXPECT_EQ(root.path_length(), 0);
}

TEST_F(ChainFailureTest, NoRootsIsInvalidArgument) {
  const Status status = VerifyChain(pki_.leaf, intermediates_, {}, TestNow());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "certificate chain of \"CN=server.test\" cannot be verified: no "
            "trusted roots given");
}

class ChainCrlTest : public ChainFailureTest {
 protected:
  Crl MakeCrl(const Certificate& issuer, const PrivateKey& key,
              std::vector<Bytes> revoked, std::chrono::seconds valid_for) {
    CrlSpec spec;
    spec.revoked_serials = std::move(revoked);
    spec.this_update = TestNow() - kDay;
    spec.valid_for = valid_for;
    return ValueOrDie(IssueCrl(issuer, key, spec));
  }

  Status Verify(std::span<const Crl> crls) {
    return VerifyChain(pki_.leaf, intermediates_, roots_, TestNow(),
                       CertificatePurpose::kServerAuth, crls);
  }
};

TEST_F(ChainCrlTest, UnrevokedChainPasses) {
  std::vector<Crl> crls;
  crls.push_back(MakeCrl(pki_.root, *pki_.root_key, {}, 30 * kDay));
  crls.push_back(MakeCrl(pki_.intermediate, *pki_.intermediate_key,
                         {pki_.root.serial()}, 30 * kDay));
  const Status status = Verify(crls);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_F(ChainCrlTest, RevokedLeafFails) {
  std::vector<Crl> crls;
  crls.push_back(MakeCrl(pki_.root, *pki_.root_key, {}, 30 * kDay));
  crls.push_back(MakeCrl(pki_.intermediate, *pki_.intermediate_key,
                         {pki_.leaf.serial()}, 30 * kDay));
  ExpectFailure(Verify(crls),
                LeafFailure(0, "CN=server.test", "certificate revoked"));
}

TEST_F(ChainCrlTest, RevokedIntermediateFails) {
  std::vector<Crl> crls;
  crls.push_back(MakeCrl(pki_.root, *pki_.root_key,
                         {pki_.intermediate.serial()}, 30 * kDay));
  crls.push_back(
      MakeCrl(pki_.intermediate, *pki_.intermediate_key, {}, 30 * kDay));
  ExpectFailure(Verify(crls), LeafFailure(1, "CN=Test Intermediate CA",
                                          "certificate revoked"));
}

TEST_F(ChainCrlTest, MissingCrlFails) {
  std::vector<Crl> crls;
  crls.push_back(MakeCrl(pki_.root, *pki_.root_key, {}, 30 * kDay));
  ExpectFailure(Verify(crls), LeafFailure(0, "CN=server.test",
                                          "unable to get certificate CRL"));
}

TEST_F(ChainCrlTest, ExpiredCrlFails) {
  std::vector<Crl> crls;
  crls.push_back(MakeCrl(pki_.root, *pki_.root_key, {}, 30 * kDay));
  crls.push_back(MakeCrl(pki_.intermediate, *pki_.intermediate_key, {},
                         std::chrono::hours(1)));
  ExpectFailure(Verify(crls),
                LeafFailure(0, "CN=server.test", "CRL has expired"));
}

}  // namespace
}  // namespace coffer::crypto

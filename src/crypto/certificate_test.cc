#include "crypto/certificate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::ValueOrDie;

TEST(CertificateTest, PemAndDerRoundTrip) {
  const testing::TestPki pki = testing::MakeTestPki();
  const std::string pem = pki.leaf.ToPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----\n")) << pem;
  const Certificate from_pem = ValueOrDie(Certificate::FromPem(pem));
  EXPECT_EQ(from_pem.ToDer(), pki.leaf.ToDer());
  const Certificate from_der =
      ValueOrDie(Certificate::FromDer(pki.leaf.ToDer()));
  EXPECT_EQ(from_der.ToPem(), pem);
  EXPECT_EQ(from_der.subject(), "CN=server.test");
  EXPECT_EQ(from_der.serial_hex(), pki.leaf.serial_hex());
  EXPECT_EQ(from_der.not_after(), pki.leaf.not_after());
  EXPECT_EQ(from_der.Clone().ToDer(), pki.leaf.ToDer());
}

TEST(CertificateTest, FingerprintIsSha256OfDer) {
  const testing::TestPki pki = testing::MakeTestPki();
  EXPECT_EQ(pki.root.Sha256Fingerprint(), Sha256(pki.root.ToDer()));
  EXPECT_NE(pki.root.Sha256Fingerprint(), pki.leaf.Sha256Fingerprint());
}

TEST(CertificateTest, PublicKeyDerMatchesTheSubjectKey) {
  const testing::TestPki pki = testing::MakeTestPki(KeyType::kEd25519);
  EXPECT_EQ(pki.intermediate.PublicKeyDer(),
            pki.intermediate_key->PublicKeyDer());
  EXPECT_EQ(ValueOrDie(pki.intermediate.public_key()).type(),
            KeyType::kEd25519);
}

TEST(CertificateBundleTest, ParsesAChainInOrder) {
  const testing::TestPki pki = testing::MakeTestPki();
  std::vector<Certificate> chain;
  chain.push_back(pki.leaf.Clone());
  chain.push_back(pki.intermediate.Clone());
  const std::string pem =
      "leading text is ignored\n" + CertificatesToPem(chain) + "trailer\n";
  const std::vector<Certificate> parsed = ValueOrDie(ParsePemCertificates(pem));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].subject(), "CN=server.test");
  EXPECT_EQ(parsed[1].subject(), "CN=Test Intermediate CA");
}

TEST(CertificateBundleTest, ErrorsNameTheCertificate) {
  const testing::TestPki pki = testing::MakeTestPki();
  std::string broken = pki.intermediate.ToPem();
  broken.replace(broken.find('\n') + 5, 4, "!!!!");  // bad base64
  Status status = ParsePemCertificates(pki.leaf.ToPem() + broken).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with(
      "certificate 2 of the bundle: malformed PEM: "))
      << status.message();

  // Valid base64 that is not a certificate.
  const std::string not_der =
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  status = ParsePemCertificates(pki.leaf.ToPem() + pki.root.ToPem() + not_der)
               .status();
  EXPECT_TRUE(status.message().starts_with(
      "certificate 3 of the bundle: malformed certificate DER (3 bytes): "))
      << status.message();
}

TEST(CertificateBundleTest, RefusesOtherBlocksWithoutEchoingThem) {
  const testing::TestPki pki = testing::MakeTestPki();
  const SecretBytes key_pem = pki.leaf_key->ToPem();
  const std::string key_text(AsString(key_pem.span()));
  const Status status =
      ParsePemCertificates(pki.leaf.ToPem() + key_text).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "PEM block 2 of the bundle is a \"PRIVATE KEY\", not a "
            "CERTIFICATE");
}

TEST(CertificateBundleTest, EmptyInputIsAnError) {
  const Status status = ParsePemCertificates("no pem here").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "no PEM certificate found (11 bytes of input)");
}

TEST(CertificateTest, FromPemWantsExactlyOne) {
  const testing::TestPki pki = testing::MakeTestPki();
  const Status status =
      Certificate::FromPem(pki.leaf.ToPem() + pki.root.ToPem()).status();
  EXPECT_EQ(status.message(), "expected one certificate in the PEM, found 2");
}

TEST(CertificateTest, FromDerRejectsTrailingBytesAndGarbage) {
  const testing::TestPki pki = testing::MakeTestPki();
  Bytes der = pki.leaf.ToDer();
  der.push_back(0);
  Status status = Certificate::FromDer(der).status();
  EXPECT_EQ(status.message(),
            "malformed certificate DER: 1 trailing bytes after the "
            "certificate");
  der.resize(der.size() / 2);
  status = Certificate::FromDer(der).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("malformed certificate DER ("))
      << status.message();
  EXPECT_EQ(Certificate::FromDer({}).status().code(),
            StatusCode::kInvalidArgument);
}

// Every prefix of a certificate is rejected cleanly (and ASan watches).
TEST(CertificateTest, EveryTruncationIsRejected) {
  const testing::TestPki pki = testing::MakeTestPki();
  const Bytes der = pki.root.ToDer();
  for (size_t length = 0; length < der.size(); ++length) {
    EXPECT_EQ(
        Certificate::FromDer(std::span(der).first(length)).status().code(),
        StatusCode::kInvalidArgument)
        << "prefix of " << length << " bytes";
  }
}

}  // namespace
}  // namespace coffer::crypto

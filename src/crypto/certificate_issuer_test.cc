#include "crypto/certificate_issuer.h"

#include <gtest/gtest.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "crypto/chain_verify.h"
#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::CachedKey;
using testing::CaSpec;
using testing::LeafSpec;
using testing::OtherCachedKey;
using testing::ValueOrDie;
using Usage = CertificateSpec::Usage;

std::string Hex(const ASN1_OCTET_STRING* octets) {
  if (octets == nullptr) return "(absent)";
  return HexEncode(std::span(ASN1_STRING_get0_data(octets),
                             static_cast<size_t>(ASN1_STRING_length(octets))));
}

TEST(CertificateIssuerTest, SelfSignedCaHasCaExtensions) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  CertificateSpec spec = CaSpec("Coffer Root");
  spec.path_length = 1;
  const Certificate ca = ValueOrDie(MakeSelfSignedCa(key, spec));

  EXPECT_EQ(ca.subject(), "CN=Coffer Root");
  EXPECT_EQ(ca.issuer(), "CN=Coffer Root");
  EXPECT_TRUE(ca.IsCa());
  EXPECT_EQ(ca.path_length(), 1);
  EXPECT_EQ(X509_get_key_usage(ca.native()), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  EXPECT_EQ(X509_get_extension_flags(ca.native()) & EXFLAG_XKUSAGE, 0u);
  EXPECT_EQ(ca.not_before(), spec.not_before);
  EXPECT_EQ(ca.not_after(), spec.not_before + spec.valid_for);
  EXPECT_EQ(ValueOrDie(ca.public_key()).ToDer(), key.PublicKeyDer());
  // basicConstraints and keyUsage are critical.
  for (int nid : {NID_basic_constraints, NID_key_usage}) {
    const int index = X509_get_ext_by_NID(ca.native(), nid, -1);
    ASSERT_GE(index, 0) << OBJ_nid2sn(nid);
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(ca.native(), index)), 1)
        << OBJ_nid2sn(nid);
  }
  EXPECT_EQ(Hex(X509_get0_subject_key_id(ca.native())),
            Hex(X509_get0_authority_key_id(ca.native())));
}

TEST(CertificateIssuerTest, LeafHasSanUsageAndKeyIds) {
  const testing::TestPki pki = testing::MakeTestPki();
  CertificateSpec spec = LeafSpec("db.coffer.test");
  spec.dns_names = {"db.coffer.test", "*.replicas.coffer.test"};
  spec.ip_addresses = {"10.0.0.7", "2001:db8::1"};
  spec.usage = Usage::kServerAndClient;
  const Certificate leaf = ValueOrDie(
      IssueCertificate(pki.intermediate, *pki.intermediate_key,
                       OtherCachedKey(KeyType::kP384).public_key(), spec));

  EXPECT_EQ(leaf.common_name(), "db.coffer.test");
  EXPECT_EQ(leaf.issuer(), "CN=Test Intermediate CA");
  EXPECT_EQ(leaf.dns_names(), spec.dns_names);
  EXPECT_EQ(leaf.ip_addresses(),
            (std::vector<std::string>{"10.0.0.7", "2001:db8::1"}));
  EXPECT_FALSE(leaf.IsCa());
  EXPECT_EQ(leaf.path_length(), std::nullopt);
  EXPECT_EQ(X509_get_key_usage(leaf.native()), KU_DIGITAL_SIGNATURE);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.native()),
            XKU_SSL_SERVER | XKU_SSL_CLIENT);
  EXPECT_EQ(Hex(X509_get0_authority_key_id(leaf.native())),
            Hex(X509_get0_subject_key_id(pki.intermediate.native())));
  EXPECT_NE(X509_get0_subject_key_id(leaf.native()), nullptr);
}

TEST(CertificateIssuerTest, UsageSelectsExtendedKeyUsage) {
  const testing::TestPki pki = testing::MakeTestPki();
  const PublicKey subject = CachedKey(KeyType::kEd25519).public_key();
  CertificateSpec spec = LeafSpec("client");
  spec.usage = Usage::kClient;
  EXPECT_EQ(
      X509_get_extended_key_usage(
          ValueOrDie(IssueCertificate(pki.root, *pki.root_key, subject, spec))
              .native()),
      XKU_SSL_CLIENT);
  spec.usage = Usage::kServer;
  EXPECT_EQ(
      X509_get_extended_key_usage(
          ValueOrDie(IssueCertificate(pki.root, *pki.root_key, subject, spec))
              .native()),
      XKU_SSL_SERVER);
}

TEST(CertificateIssuerTest, SigningLeafHasNoExtendedKeyUsage) {
  // Even an RSA key signs only: keyEncipherment is for TLS peers.
  const PrivateKey& key = CachedKey(KeyType::kRsa2048);
  CertificateSpec spec = LeafSpec("signer");
  spec.usage = Usage::kSigning;
  const Certificate leaf = ValueOrDie(MakeSelfSignedLeaf(key, spec));
  EXPECT_FALSE(leaf.IsCa());
  EXPECT_EQ(X509_get_key_usage(leaf.native()), KU_DIGITAL_SIGNATURE);
  EXPECT_EQ(X509_get_extension_flags(leaf.native()) & EXFLAG_XKUSAGE, 0U);
  EXPECT_EQ(X509_verify(leaf.native(), key.public_key().native()), 1);
}

TEST(CertificateIssuerTest, RsaLeafAlsoAllowsKeyEncipherment) {
  const testing::TestPki pki = testing::MakeTestPki();
  const Certificate leaf = ValueOrDie(IssueCertificate(
      pki.root, *pki.root_key, CachedKey(KeyType::kRsa2048).public_key(),
      LeafSpec("rsa")));
  EXPECT_EQ(X509_get_key_usage(leaf.native()),
            KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
}

TEST(CertificateIssuerTest, SerialsAreRandomPositiveAnd16Bytes) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  const Certificate a = ValueOrDie(MakeSelfSignedCa(key, CaSpec("a")));
  const Certificate b = ValueOrDie(MakeSelfSignedCa(key, CaSpec("a")));
  EXPECT_EQ(a.serial().size(), 16u);
  EXPECT_EQ(a.serial_hex().size(), 32u);
  EXPECT_NE(a.serial(), b.serial());
  EXPECT_EQ(X509_get0_serialNumber(a.native())->type, V_ASN1_INTEGER)
      << "a negative serial would be V_ASN1_NEG_INTEGER";
}

TEST(CertificateIssuerTest, SignatureDigestFollowsIssuerKey) {
  const std::pair<KeyType, int> expected[] = {
      {KeyType::kP256, NID_ecdsa_with_SHA256},
      {KeyType::kP384, NID_ecdsa_with_SHA384},
      {KeyType::kEd25519, NID_ED25519},
      {KeyType::kRsa2048, NID_sha256WithRSAEncryption},
      {KeyType::kRsa3072, NID_sha256WithRSAEncryption}};
  for (const auto& [type, nid] : expected) {
    const Certificate ca =
        ValueOrDie(MakeSelfSignedCa(CachedKey(type), CaSpec("ca")));
    EXPECT_EQ(X509_get_signature_nid(ca.native()), nid) << KeyTypeName(type);
    EXPECT_EQ(X509_verify(ca.native(), CachedKey(type).native()), 1)
        << KeyTypeName(type);
  }
}

TEST(CertificateIssuerTest, RejectsBadSpecsNamingTheValue) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  const testing::TestPki pki = testing::MakeTestPki();
  const PublicKey subject = key.public_key();
  auto issue_error = [&](const CertificateSpec& spec) {
    return IssueCertificate(pki.root, *pki.root_key, subject, spec).status();
  };

  CertificateSpec spec = LeafSpec("server");
  spec.ip_addresses = {"10.0.0.300"};
  Status status = issue_error(spec);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "certificate \"server\": invalid IP address \"10.0.0.300\"");

  spec = LeafSpec("server");
  spec.dns_names = {"good.test", "bad.test,IP:1.2.3.4"};
  EXPECT_EQ(issue_error(spec).message(),
            "certificate \"server\": invalid DNS name \"bad.test,IP:1.2.3.4\"");

  spec = LeafSpec("server");
  spec.path_length = 0;
  EXPECT_EQ(issue_error(spec).message(),
            "certificate \"server\": a path length is only allowed for a CA");

  spec = LeafSpec("");
  EXPECT_EQ(issue_error(spec).message(),
            "certificate common name \"\" must be 1 to 64 bytes, it is 0");

  spec = LeafSpec("server");
  spec.valid_for = std::chrono::seconds(0);
  EXPECT_EQ(issue_error(spec).message(),
            "certificate \"server\": validity period of 0 seconds is not "
            "positive");

  EXPECT_EQ(MakeSelfSignedCa(key, LeafSpec("root")).status().message(),
            "self-signed certificate \"root\" must have usage kCa");
}

TEST(CertificateIssuerTest, SelfSignedLeafIsItsOwnTrustAnchor) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  CertificateSpec spec = LeafSpec("db.coffer.test");
  spec.dns_names = {"db.coffer.test"};
  spec.usage = Usage::kServerAndClient;
  const Certificate leaf = ValueOrDie(MakeSelfSignedLeaf(key, spec));

  EXPECT_EQ(leaf.subject(), "CN=db.coffer.test");
  EXPECT_EQ(leaf.issuer(), "CN=db.coffer.test");
  EXPECT_FALSE(leaf.IsCa());
  EXPECT_EQ(leaf.dns_names(), spec.dns_names);
  EXPECT_EQ(X509_get_key_usage(leaf.native()), KU_DIGITAL_SIGNATURE);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.native()),
            XKU_SSL_SERVER | XKU_SSL_CLIENT);
  EXPECT_EQ(X509_verify(leaf.native(), key.native()), 1);
  // A peer that pins the certificate accepts it for both purposes.
  const Certificate anchor = leaf.Clone();
  for (CertificatePurpose purpose :
       {CertificatePurpose::kServerAuth, CertificatePurpose::kClientAuth}) {
    EXPECT_TRUE(VerifyChain(leaf, {}, std::span(&anchor, 1), testing::TestNow(),
                            purpose)
                    .ok());
  }

  const Status status = MakeSelfSignedLeaf(key, CaSpec("root")).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "self-signed leaf certificate \"root\" cannot have usage kCa; use "
            "MakeSelfSignedCa");
}

TEST(CertificateIssuerTest, IssuerMustBeAMatchingCa) {
  const testing::TestPki pki = testing::MakeTestPki();
  const PublicKey subject = CachedKey(KeyType::kEd25519).public_key();

  Status status =
      IssueCertificate(pki.leaf, *pki.leaf_key, subject, LeafSpec("x"))
          .status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "issuing certificate \"x\": issuer \"CN=server.test\" is not a CA "
            "certificate");

  status =
      IssueCertificate(pki.root, *pki.intermediate_key, subject, LeafSpec("x"))
          .status();
  EXPECT_EQ(status.message(),
            "issuing certificate \"x\": issuer \"CN=Test Root CA\" does not "
            "match the given issuer key");
}

TEST(CertificateIssuerTest, PathLengthZeroIssuerCannotIssueCas) {
  const PrivateKey& key = CachedKey(KeyType::kP256);
  CertificateSpec spec = CaSpec("Leaf-only CA");
  spec.path_length = 0;
  const Certificate ca = ValueOrDie(MakeSelfSignedCa(key, spec));
  const Status status =
      IssueCertificate(ca, key, OtherCachedKey(KeyType::kP256).public_key(),
                       CaSpec("Sub CA"))
          .status();
  EXPECT_EQ(status.message(),
            "issuing certificate \"Sub CA\": issuer \"CN=Leaf-only CA\" has "
            "path length 0 and cannot issue CA certificates");
  EXPECT_TRUE(IssueCertificate(ca, key,
                               OtherCachedKey(KeyType::kP256).public_key(),
                               LeafSpec("leaf"))
                  .ok());
}

}  // namespace
}  // namespace coffer::crypto

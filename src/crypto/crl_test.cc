#include "crypto/crl.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <vector>

#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::kDay;
using testing::TestNow;
using testing::ValueOrDie;

CrlSpec Spec(std::vector<Bytes> revoked) {
  CrlSpec spec;
  spec.revoked_serials = std::move(revoked);
  spec.this_update = TestNow();
  spec.valid_for = 7 * kDay;
  spec.number = 42;
  return spec;
}

TEST(CrlTest, IssuedCrlRoundTrips) {
  const testing::TestPki pki = testing::MakeTestPki();
  const Crl crl = ValueOrDie(IssueCrl(pki.intermediate, *pki.intermediate_key,
                                      Spec({pki.leaf.serial()})));
  EXPECT_EQ(crl.issuer(), "CN=Test Intermediate CA");
  EXPECT_EQ(crl.this_update(), TestNow());
  EXPECT_EQ(crl.next_update(), TestNow() + 7 * kDay);
  EXPECT_EQ(crl.revoked_serials(), std::vector<Bytes>{pki.leaf.serial()});
  EXPECT_EQ(X509_CRL_verify(crl.native(),
                            X509_get0_pubkey(pki.intermediate.native())),
            1);
  internal::AsnIntegerPtr number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl.native(), NID_crl_number, nullptr, nullptr)));
  ASSERT_NE(number, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(number.get()), 42);

  const Crl from_der = ValueOrDie(Crl::FromDer(crl.ToDer()));
  EXPECT_EQ(from_der.ToPem(), crl.ToPem());
  const Crl from_pem = ValueOrDie(Crl::FromPem(crl.ToPem()));
  EXPECT_EQ(from_pem.ToDer(), crl.ToDer());
  EXPECT_EQ(from_pem.Clone().ToDer(), crl.ToDer());
  EXPECT_TRUE(crl.ToPem().starts_with("-----BEGIN X509 CRL-----"));
}

TEST(CrlTest, IssuerMustBeAMatchingCa) {
  const testing::TestPki pki = testing::MakeTestPki();
  Status status = IssueCrl(pki.leaf, *pki.leaf_key, Spec({})).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "issuing a CRL for \"CN=server.test\": the issuer is not a CA");
  status = IssueCrl(pki.root, *pki.intermediate_key, Spec({})).status();
  EXPECT_EQ(status.message(),
            "issuing a CRL for \"CN=Test Root CA\": the issuer key does not "
            "match the issuer");
  CrlSpec spec = Spec({});
  spec.valid_for = std::chrono::seconds(-1);
  status = IssueCrl(pki.root, *pki.root_key, spec).status();
  EXPECT_EQ(status.message(),
            "issuing a CRL for \"CN=Test Root CA\": validity period of -1 "
            "seconds is not positive");
}

TEST(CrlTest, MalformedInputIsInvalidArgument) {
  Status status = Crl::FromDer(Bytes{0x30, 0x00}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("malformed CRL DER (2 bytes): "))
      << status.message();
  status = Crl::FromPem("garbage").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("malformed CRL PEM: "))
      << status.message();

  const testing::TestPki pki = testing::MakeTestPki();
  const Crl crl = ValueOrDie(IssueCrl(pki.root, *pki.root_key, Spec({})));
  status = Crl::FromPem(crl.ToPem() + crl.ToPem()).status();
  EXPECT_EQ(status.message(), "expected one CRL in the PEM, found more");

  const Bytes der = crl.ToDer();
  for (size_t length = 0; length < der.size(); ++length) {
    EXPECT_EQ(Crl::FromDer(std::span(der).first(length)).status().code(),
              StatusCode::kInvalidArgument)
        << "prefix of " << length << " bytes";
  }
}

}  // namespace
}  // namespace coffer::crypto

// src/crypto against real Intel DCAP data (testdata/dcap/README.md): the
// primitives the attestation verifier will combine, checked on bytes that
// Intel's own stack produced.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/certificate.h"
#include "crypto/chain_verify.h"
#include "crypto/crl.h"
#include "crypto/ecdsa_raw.h"
#include "crypto/hash.h"
#include "crypto/test_pki.h"

namespace coffer::crypto {
namespace {

using testing::ValueOrDie;

Bytes ReadTestData(const std::string& name) {
  const std::string text = ValueOrDie(
      ReadFile(std::string(COFFER_CRYPTO_TESTDATA) + "/dcap/" + name));
  return Bytes(text.begin(), text.end());
}

std::chrono::system_clock::time_point Date(int year, unsigned month,
                                           unsigned day) {
  return std::chrono::sys_days(std::chrono::year(year) /
                               std::chrono::month(month) /
                               std::chrono::day(day));
}

// The parts of an SGX quote v3 (Intel's "ECDSA Quote Library API",
// appendix A) that these tests need. Offsets are fixed for version 3.
struct QuoteParts {
  Bytes signed_region;    // header (48) || ISV report body (384)
  Bytes signature;        // r || s over signed_region
  Bytes attestation_key;  // X || Y
  Bytes qe_report;        // 384 bytes, signed by the PCK key
  Bytes qe_report_signature;
  Bytes qe_auth_data;
  std::string pck_chain_pem;
};

QuoteParts SplitQuote(const Bytes& quote) {
  auto slice = [&](size_t offset, size_t length) {
    EXPECT_LE(offset + length, quote.size());
    return Bytes(quote.begin() + offset, quote.begin() + offset + length);
  };
  auto le = [&](size_t offset, size_t width) {
    size_t value = 0;
    for (size_t i = 0; i < width; ++i)
      value |= size_t{quote[offset + i]} << (8 * i);
    return value;
  };
  QuoteParts parts;
  parts.signed_region = slice(0, 432);
  const size_t data = 436;  // after the 4-byte signature data length
  parts.signature = slice(data, 64);
  parts.attestation_key = slice(data + 64, 64);
  parts.qe_report = slice(data + 128, 384);
  parts.qe_report_signature = slice(data + 512, 64);
  const size_t auth_size = le(data + 576, 2);
  parts.qe_auth_data = slice(data + 578, auth_size);
  const size_t cert_data = data + 578 + auth_size;
  EXPECT_EQ(le(cert_data, 2), 5u) << "certification data type 5 (PCK chain)";
  const Bytes pem = slice(cert_data + 6, le(cert_data + 2, 4));
  parts.pck_chain_pem.assign(pem.begin(), pem.end());
  return parts;
}

class DcapVectorsTest : public ::testing::Test {
 protected:
  QuoteParts quote_ = SplitQuote(ReadTestData("sgx_quote"));
  Certificate intel_root_ =
      ValueOrDie(Certificate::FromDer(ReadTestData("TrustedRootCA.der")));
};

TEST_F(DcapVectorsTest, PinnedRootFingerprint) {
  EXPECT_EQ(HexEncode(intel_root_.Sha256Fingerprint()),
            "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
  EXPECT_EQ(intel_root_.common_name(), "Intel SGX Root CA");
  EXPECT_TRUE(intel_root_.IsCa());
}

TEST_F(DcapVectorsTest, QuoteSignatureVerifiesWithRawKey) {
  const Status status = VerifyEcdsaP256Raw(
      quote_.attestation_key, quote_.signed_region, quote_.signature);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_F(DcapVectorsTest, AnyFlippedByteBreaksTheQuoteSignature) {
  for (size_t i = 0; i < quote_.signed_region.size(); i += 37) {
    Bytes altered = quote_.signed_region;
    altered[i] ^= 0x01;
    EXPECT_EQ(
        VerifyEcdsaP256Raw(quote_.attestation_key, altered, quote_.signature)
            .code(),
        StatusCode::kUnauthenticated)
        << "byte " << i;
  }
  Bytes signature = quote_.signature;
  signature[63] ^= 0x01;
  EXPECT_EQ(VerifyEcdsaP256Raw(quote_.attestation_key, quote_.signed_region,
                               signature)
                .code(),
            StatusCode::kUnauthenticated);
}

TEST_F(DcapVectorsTest, QeReportBindsTheAttestationKey) {
  // QE report data = SHA-256(attestation key || QE auth data) || zeros.
  Sha256Hasher hasher;
  hasher.Update(quote_.attestation_key);
  hasher.Update(quote_.qe_auth_data);
  const Sha256Digest digest = hasher.Finish();
  EXPECT_EQ(HexEncode(digest),
            HexEncode(std::span(quote_.qe_report).subspan(320, 32)));
}

TEST_F(DcapVectorsTest, PckChainAndQeReportSignatureVerify) {
  const std::vector<Certificate> chain =
      ValueOrDie(ParsePemCertificates(quote_.pck_chain_pem));
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].common_name(), "Intel SGX PCK Certificate");
  EXPECT_EQ(chain[1].common_name(), "Intel SGX PCK Processor CA");
  EXPECT_EQ(chain[2].Sha256Fingerprint(), intel_root_.Sha256Fingerprint());

  const PublicKey pck_key = ValueOrDie(chain[0].public_key());
  EXPECT_TRUE(
      VerifyEcdsaRaw(pck_key, quote_.qe_report, quote_.qe_report_signature)
          .ok());

  std::vector<Certificate> intermediates;
  intermediates.push_back(chain[1].Clone());
  std::vector<Certificate> roots;
  roots.push_back(intel_root_.Clone());
  std::vector<Crl> crls;
  crls.push_back(ValueOrDie(Crl::FromDer(ReadTestData("root_ca_crl.der"))));
  crls.push_back(ValueOrDie(Crl::FromDer(ReadTestData("pck_crl.der"))));
  EXPECT_EQ(crls[1].issuer(),
            "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK "
            "Processor CA");

  Status status = VerifyChain(chain[0], intermediates, roots, Date(2025, 7, 1),
                              std::nullopt, crls);
  EXPECT_TRUE(status.ok()) << status.ToString();

  // After the PCK CRL's nextUpdate (2025-07-19) the collateral is stale.
  status = VerifyChain(chain[0], intermediates, roots, Date(2025, 8, 1),
                       std::nullopt, crls);
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(), "certificate chain of \"" + chain[0].subject() +
                                  "\" does not verify: at depth 0 (\"" +
                                  chain[0].subject() + "\"): CRL has expired");
}

}  // namespace
}  // namespace coffer::crypto

// VerifyQuote on real Intel quotes and collateral, on every flipped byte of
// what is signed or bound, and on Coffer simulation quotes.
#include "attest/dcap_verify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attest/intel_root.h"
#include "attest/test_util.h"
#include "attest/tolerance.h"
#include "crypto/certificate.h"

namespace coffer::attest {
namespace {

using testing::CollateralNow;
using testing::Date;
using testing::IntelRoot;
using testing::LoadCollateral;
using testing::ReadTestData;
using testing::ReadTestText;
using testing::ValueOrDie;

std::vector<std::string> Advisories(std::initializer_list<const char*> ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
}

class DcapVerifyTest : public ::testing::Test {
 protected:
  crypto::Certificate root_ = IntelRoot();
};

TEST_F(DcapVerifyTest, RealSgxQuoteWithCollateral) {
  const Collateral collateral = LoadCollateral("sgx_quote_collateral.json");
  const VerifiedQuote quote = ValueOrDie(VerifyQuote(
      ReadTestData("sgx_quote"), &collateral, CollateralNow(), root_));
  EXPECT_EQ(quote.type, QuoteType::kSgx);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(quote.advisory_ids,
            Advisories({"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_FALSE(quote.debug);
  EXPECT_EQ(std::string(AsString(quote.report_data).substr(0, 13)),
            "Hello, world!");
  EXPECT_EQ(HexEncode(*quote.fmspc), "00a067110000");
  EXPECT_TRUE(quote.platform_id.empty());
}

TEST_F(DcapVerifyTest, RealSgxQuoteWithCollateralOutsideItsDates) {
  const Collateral collateral = LoadCollateral("sgx_quote_collateral.json");
  auto verify_at = [&](TimePoint now) {
    return VerifyQuote(ReadTestData("sgx_quote"), &collateral, now, root_)
        .status();
  };
  EXPECT_EQ(verify_at(Date(2026, 11, 29)),
            FailedPreconditionError(
                "collateral expired: tcb_info nextUpdate 2025-07-19T10:56:11Z "
                "is before now 2026-11-29T00:00:00Z"));
  EXPECT_EQ(verify_at(Date(2025, 6, 1)),
            FailedPreconditionError(
                "collateral not yet valid: tcb_info issueDate "
                "2025-06-19T10:56:11Z is after now 2025-06-01T00:00:00Z"));
}

TEST_F(DcapVerifyTest, RealTdxQuoteWithCollateral) {
  const Collateral collateral = LoadCollateral("tdx_quote_collateral.json");
  const VerifiedQuote quote = ValueOrDie(VerifyQuote(
      ReadTestData("tdx_quote"), &collateral, CollateralNow(), root_));
  EXPECT_EQ(quote.type, QuoteType::kTdx);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kUpToDate);
  EXPECT_TRUE(quote.advisory_ids.empty());
  EXPECT_FALSE(quote.debug);
  EXPECT_EQ(HexEncode(quote.mrenclave),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407"
            "de03ae6dc5f87f27428b2538873118b7");
  EXPECT_EQ(HexEncode(*quote.fmspc), "b0c06f000000");
}

TEST_F(DcapVerifyTest, AutomataQuoteFromAPlatformCaPck) {
  const Collateral collateral = LoadCollateral("more/automata_collateral.json");
  const VerifiedQuote quote =
      ValueOrDie(VerifyQuote(ReadTestData("more/automata_quote"), &collateral,
                             Date(2025, 8, 15, 5, 45), root_));
  EXPECT_EQ(quote.type, QuoteType::kSgx);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kSwHardeningNeeded);
  EXPECT_EQ(quote.advisory_ids, Advisories({"INTEL-SA-00615"}));
  EXPECT_EQ(HexEncode(*quote.fmspc), "00606a000000");
}

// The CAS's decision on the debug quote: refused for debug mode unless
// tolerated, and (without collateral) for its unknown TCB status anyway.
TEST_F(DcapVerifyTest, DebugQuoteNeedsDebugModeTolerated) {
  const VerifiedQuote quote = ValueOrDie(VerifyQuote(
      ReadTestData("more/oe_debug_quote"), nullptr, CollateralNow(), root_));
  policy::AttestationSecurity security;
  Verdict verdict = DecideTolerance(quote, security);
  EXPECT_FALSE(verdict.accepted);
  ASSERT_EQ(verdict.problems.size(), 2u);
  EXPECT_EQ(verdict.problems[0],
            "the enclave runs in debug mode (the host can read its memory), "
            "which needs `tolerate: [debug-mode]`");
  security.tolerate = {policy::Tolerance::kDebugMode};
  verdict = DecideTolerance(quote, security);
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.Reason(),
            "the platform's TCB status is Unknown: the quote was verified "
            "without collateral, so nothing is known about its patch level");
}

TEST_F(DcapVerifyTest, DebugQuoteWithoutCollateral) {
  const VerifiedQuote quote = ValueOrDie(VerifyQuote(
      ReadTestData("more/oe_debug_quote"), nullptr, CollateralNow(), root_));
  EXPECT_EQ(quote.type, QuoteType::kSgx);
  EXPECT_TRUE(quote.debug);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kUnknown);
  EXPECT_TRUE(quote.advisory_ids.empty());
  // SHA-256 of the empty string.
  EXPECT_EQ(HexEncode(std::span(quote.report_data).first(32)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// Every flipped byte in [begin, end) with the given stride must make the
// quote fail verification (without collateral: what is checked then is
// exactly the signatures, the binding hash and the chain).
void ExpectEveryFlipFails(const Bytes& quote, const crypto::Certificate& root,
                          size_t begin, size_t end, size_t stride = 1) {
  for (size_t i = begin; i < end; i += stride) {
    Bytes altered = quote;
    altered[i] ^= 0x01;
    StatusOr<VerifiedQuote> result =
        VerifyQuote(altered, nullptr, CollateralNow(), root);
    EXPECT_FALSE(result.ok()) << "byte " << i << " flipped still verifies";
  }
}

// sgx_quote: header and body [0, 432), signature data length [432, 436),
// quote signature and attestation key [436, 564), QE report [564, 948),
// QE report signature [948, 1012), auth data size and data [1012, 1046),
// certification data type, size and PEM [1046, 4600).
TEST_F(DcapVerifyTest, EveryFlippedByteOfTheSignedRegionFails) {
  const Bytes quote = ReadTestData("sgx_quote");
  ASSERT_TRUE(VerifyQuote(quote, nullptr, CollateralNow(), root_).ok());
  ExpectEveryFlipFails(quote, root_, 0, 436);
}

TEST_F(DcapVerifyTest, EveryFlippedByteOfSignatureKeyQeReportAndAuthFails) {
  ExpectEveryFlipFails(ReadTestData("sgx_quote"), root_, 436, 1052);
}

// The PEM chain is 3548 bytes: every byte of its first and last 100
// (BEGIN line, END line, the trailing NUL) and a dense sample in between,
// to keep the test within a few seconds under AddressSanitizer.
TEST_F(DcapVerifyTest, FlippedBytesOfTheCertificationDataFail) {
  const Bytes quote = ReadTestData("sgx_quote");
  ExpectEveryFlipFails(quote, root_, 1046, 1152);
  ExpectEveryFlipFails(quote, root_, 1152, 4500, 5);
  ExpectEveryFlipFails(quote, root_, 4500, 4600);
}

TEST_F(DcapVerifyTest, FlippedBytesOfTheTdxQuoteFail) {
  const Bytes quote = ReadTestData("tdx_quote");
  ASSERT_TRUE(VerifyQuote(quote, nullptr, CollateralNow(), root_).ok());
  ExpectEveryFlipFails(quote, root_, 0, 48 + 584, 3);
  ExpectEveryFlipFails(quote, root_, 48 + 584, 4936, 13);
}

TEST_F(DcapVerifyTest, SpecificTamperingIsNamed) {
  const Bytes original = ReadTestData("sgx_quote");
  auto verify = [&](const Bytes& quote) {
    return VerifyQuote(quote, nullptr, CollateralNow(), root_).status();
  };
  Bytes quote = original;
  quote[400] ^= 1;  // report data
  EXPECT_EQ(verify(quote).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(verify(quote).message().rfind(
                "quote signature does not verify with the attestation key", 0),
            0u)
      << verify(quote).message();
  quote = original;
  quote[600] ^= 1;  // QE report
  EXPECT_EQ(verify(quote),
            UnauthenticatedError("QE report signature does not verify with "
                                 "the PCK certificate key"));
  quote = original;
  quote[1020] ^= 1;  // QE auth data
  EXPECT_EQ(verify(quote),
            UnauthenticatedError(
                "QE report data is not SHA-256(attestation key || QE "
                "authentication data): the attestation key is not the "
                "quoting enclave's"));
  quote = original;
  quote[4598] = '\r';  // the newline before the trailing NUL
  EXPECT_EQ(verify(quote),
            InvalidArgumentError("certification data: the PEM is not exactly "
                                 "its certificates in canonical form (stray "
                                 "text or a non-canonical encoding)"));
  quote = original;
  quote[12] ^= 1;  // QE vendor ID
  EXPECT_EQ(verify(quote),
            InvalidArgumentError("unsupported QE vendor ID "
                                 "929a7233f79c4ca9940a0db3957f0607: neither "
                                 "Intel's nor Coffer's simulation"));
}

TEST_F(DcapVerifyTest, AnotherRootIsRefused) {
  const crypto::Certificate other = ValueOrDie(crypto::Certificate::FromPem(
      ReadTestText("more/intel-test-root/trustedRootCaCert.pem")));
  EXPECT_EQ(
      VerifyQuote(ReadTestData("sgx_quote"), nullptr, CollateralNow(), other)
          .status(),
      UnauthenticatedError(
          "PCK certificate chain ends at \"C=US,ST=CA,L=Santa Clara,O=Intel "
          "Corporation,CN=Intel SGX Root CA\" (SHA-256 "
          "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3), "
          "not at the pinned root (SHA-256 "
          "842a5bcb64ba3f7d755036ce1bb85778b3481a5dd75f4731c381b8eea658aa0d)"));
}

// Intel's sample quote under its test root carries the PPID (type 1), with
// the PCK chain beside it; put the chain in (the certification data is
// outside every signature) to check it against both roots.
class IntelTestRootTest : public DcapVerifyTest {
 protected:
  Bytes original_ = ReadTestData("more/intel-test-root/quote.dat");
  crypto::Certificate test_root_ = ValueOrDie(crypto::Certificate::FromPem(
      ReadTestText("more/intel-test-root/trustedRootCaCert.pem")));
  Bytes with_chain_ = testing::ReplaceCertificationData(
      original_, kCertificationPckChain,
      crypto::CertificatesToPem(ValueOrDie(crypto::ParsePemCertificates(
          ReadTestText("more/intel-test-root/pckCert.pem") +
          ReadTestText("more/intel-test-root/pckSignChain.pem")))));
  TimePoint now_ = Date(2025, 1, 1);
};

TEST_F(IntelTestRootTest, PpidCertificationDataIsNotSupported) {
  EXPECT_EQ(VerifyQuote(original_, nullptr, now_, root_).status(),
            InvalidArgumentError(
                "unsupported certification data type 1 (PPID in clear text): "
                "Coffer needs type 5, the PEM PCK certificate chain"));
}

TEST_F(IntelTestRootTest, FailsAgainstTheProductionRoot) {
  const Status status = VerifyQuote(with_chain_, nullptr, now_, root_).status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      status.message(),
      "PCK certificate chain ends at \"C=US,ST=CA,L=Santa Clara,O=Intel "
      "Corporation,CN=Intel SGX Root CA\" (SHA-256 "
      "842a5bcb64ba3f7d755036ce1bb85778b3481a5dd75f4731c381b8eea658aa0d)"
      ", not at the pinned root (SHA-256 "
      "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3)");
}

TEST_F(IntelTestRootTest, VerifiesAgainstItsOwnTestRoot) {
  const VerifiedQuote quote =
      ValueOrDie(VerifyQuote(with_chain_, nullptr, now_, test_root_));
  EXPECT_EQ(quote.type, QuoteType::kSgx);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kUnknown);
  EXPECT_EQ(HexEncode(*quote.fmspc), "00707f000000");
}

TEST_F(DcapVerifyTest, TamperedCollateralIsRefused) {
  const std::string text = ReadTestText("sgx_quote_collateral.json");
  const Bytes quote = ReadTestData("sgx_quote");
  auto verify = [&](const Collateral& collateral) {
    return VerifyQuote(quote, &collateral, CollateralNow(), root_).status();
  };
  Collateral collateral = ValueOrDie(ParseCollateral(text));
  // One more space in the signed text: the parsed TCB info is the same,
  // the bytes are not.
  collateral.tcb_info_json.insert(1, " ");
  EXPECT_EQ(verify(collateral),
            UnauthenticatedError(
                "tcb_info signature does not verify with \"C=US,ST=CA,L=Santa "
                "Clara,O=Intel Corporation,CN=Intel SGX TCB Signing\""));

  collateral = ValueOrDie(ParseCollateral(text));
  collateral.qe_identity_signature[10] ^= 1;
  EXPECT_EQ(
      verify(collateral),
      UnauthenticatedError(
          "qe_identity signature does not verify with \"C=US,ST=CA,L=Santa "
          "Clara,O=Intel Corporation,CN=Intel SGX TCB Signing\""));

  collateral = ValueOrDie(ParseCollateral(text));
  collateral.tcb_info_issuer_chain = collateral.pck_crl_issuer_chain;
  EXPECT_EQ(verify(collateral),
            UnauthenticatedError(
                "tcb_info issuer chain leaf \"C=US,ST=CA,L=Santa Clara,O=Intel "
                "Corporation,CN=Intel SGX PCK Processor CA\" is not an "
                "Intel \"SGX TCB Signing\" certificate"));
}

TEST_F(DcapVerifyTest, CollateralOfAnotherPlatformIsRefused) {
  // The TDX collateral's PCK CRL is the Platform CA's; sgx_quote's PCK
  // comes from the Processor CA.
  const Collateral collateral = LoadCollateral("tdx_quote_collateral.json");
  const Status status = VerifyQuote(ReadTestData("sgx_quote"), &collateral,
                                    CollateralNow(), root_)
                            .status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "collateral's pck_crl is issued by \"C=US,ST=CA,L=Santa "
            "Clara,O=Intel Corporation,CN=Intel SGX PCK Platform CA\", but "
            "the PCK certificate by \"C=US,ST=CA,L=Santa Clara,O=Intel "
            "Corporation,CN=Intel SGX PCK Processor CA\": the collateral "
            "belongs to another platform");
}

TEST_F(DcapVerifyTest, EmbeddedRootIsTheTestDataRoot) {
  const crypto::Certificate embedded = ValueOrDie(IntelSgxRootCa());
  EXPECT_EQ(embedded.ToDer(), ReadTestData("TrustedRootCA.der"));
  EXPECT_EQ(HexEncode(embedded.Sha256Fingerprint()), kIntelSgxRootCaSha256);
}

TEST_F(DcapVerifyTest, JsonHasTheIssuesKeys) {
  const Collateral collateral = LoadCollateral("sgx_quote_collateral.json");
  const VerifiedQuote quote = ValueOrDie(VerifyQuote(
      ReadTestData("sgx_quote"), &collateral, CollateralNow(), root_));
  const std::string json = quote.ToJson();
  EXPECT_EQ(
      json.rfind("{\"type\":\"sgx\",\"tcb_status\":"
                 "\"ConfigurationAndSWHardeningNeeded\",\"advisory_ids\":["
                 "\"INTEL-SA-00289\",\"INTEL-SA-00615\"],\"debug\":false,"
                 "\"mrenclave\":\"",
                 0),
      0u)
      << json;
  for (const char* key :
       {"\"mrsigner\":", "\"isv_prod_id\":0", "\"isv_svn\":0",
        "\"report_data\":\"48656c6c6f", "\"fmspc\":\"00a067110000\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
  EXPECT_EQ(json.find("platform_id"), std::string::npos);
}

}  // namespace
}  // namespace coffer::attest

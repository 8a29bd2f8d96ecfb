// Simulation quotes (the contract's layout, built by test_util.cc): they
// verify as "simulation" with their platform ID, and can never pass as
// hardware quotes.
#include <gtest/gtest.h>

#include <string>

#include "attest/dcap_verify.h"
#include "attest/test_util.h"
#include "crypto/certificate_issuer.h"

namespace coffer::attest {
namespace {

using testing::BuildSimulationQuote;
using testing::CollateralNow;
using testing::Date;
using testing::IntelRoot;
using testing::MakeSimulationPlatform;
using testing::ReadTestData;
using testing::ReplaceCertificationData;
using testing::SimulationPlatform;
using testing::SimulationQuoteSpec;
using testing::SpecFrom2025;
using testing::ValueOrDie;

class SimulationQuoteTest : public ::testing::Test {
 protected:
  SimulationQuoteTest() {
    spec_.mr_enclave.fill(0xE1);
    spec_.mr_signer.fill(0x51);
    spec_.report_data = Bytes{'k', 'e', 'y', '-', 'h', 'a', 's', 'h'};
  }

  StatusOr<VerifiedQuote> Verify(const Bytes& quote,
                                 TimePoint now = CollateralNow()) {
    return VerifyQuote(quote, nullptr, now, root_);
  }

  crypto::Certificate root_ = IntelRoot();
  SimulationPlatform platform_ = MakeSimulationPlatform();
  SimulationQuoteSpec spec_;
};

TEST_F(SimulationQuoteTest, VerifiesAsSimulation) {
  const VerifiedQuote quote =
      ValueOrDie(Verify(BuildSimulationQuote(platform_, spec_)));
  EXPECT_EQ(quote.type, QuoteType::kSimulation);
  EXPECT_EQ(quote.platform_id, platform_.platform_id);
  EXPECT_EQ(quote.platform_id.size(), 64u);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kUnknown);
  EXPECT_TRUE(quote.advisory_ids.empty());
  EXPECT_FALSE(quote.debug);
  EXPECT_EQ(quote.mrenclave, Bytes(32, 0xE1));
  EXPECT_EQ(quote.mrsigner, Bytes(32, 0x51));
  Bytes report_data = spec_.report_data;
  report_data.resize(64);
  EXPECT_EQ(Bytes(quote.report_data.begin(), quote.report_data.end()),
            report_data);
  EXPECT_FALSE(quote.fmspc.has_value());

  const std::string json = quote.ToJson();
  EXPECT_NE(json.find("\"type\":\"simulation\""), std::string::npos);
  EXPECT_NE(json.find("\"platform_id\":\"" + platform_.platform_id + "\""),
            std::string::npos);
  EXPECT_NE(json.find("\"tcb_status\":\"Unknown\""), std::string::npos);
}

TEST_F(SimulationQuoteTest, CollateralDoesNotApply) {
  const Collateral collateral =
      testing::LoadCollateral("sgx_quote_collateral.json");
  const VerifiedQuote quote =
      ValueOrDie(VerifyQuote(BuildSimulationQuote(platform_, spec_),
                             &collateral, CollateralNow(), root_));
  EXPECT_EQ(quote.type, QuoteType::kSimulation);
  EXPECT_EQ(quote.tcb_status, TcbStatus::kUnknown);
}

TEST_F(SimulationQuoteTest, TwoPlatformsHaveTwoPlatformIds) {
  const SimulationPlatform other = MakeSimulationPlatform(1);
  const VerifiedQuote quote =
      ValueOrDie(Verify(BuildSimulationQuote(other, spec_)));
  EXPECT_EQ(quote.platform_id, other.platform_id);
  EXPECT_NE(quote.platform_id, platform_.platform_id);
}

TEST_F(SimulationQuoteTest, ReportsADebugFlag) {
  spec_.flags = 0x07;
  EXPECT_TRUE(ValueOrDie(Verify(BuildSimulationQuote(platform_, spec_))).debug);
}

TEST_F(SimulationQuoteTest, FlippedBytesFail) {
  const Bytes quote = BuildSimulationQuote(platform_, spec_);
  for (size_t i = 0; i < quote.size(); i += 3) {
    Bytes altered = quote;
    altered[i] ^= 0x01;
    EXPECT_FALSE(Verify(altered).ok()) << "byte " << i;
  }
}

TEST_F(SimulationQuoteTest, RelabelledAsIntelFailsTheChain) {
  spec_.vendor_id = kIntelQeVendorId;
  EXPECT_EQ(Verify(BuildSimulationQuote(platform_, spec_)).status(),
            InvalidArgumentError("PCK certificate chain: needs a leaf and the "
                                 "root, has 1 certificate"));
}

TEST_F(SimulationQuoteTest, HardwareQuoteSignedBySelfMadeKeysFailsTheChain) {
  // An attacker's own "PCK certificate", named like Intel's, followed by
  // a genuine copy of Intel's root.
  const crypto::CertificateSpec fake = SpecFrom2025(
      "Intel SGX PCK Certificate", crypto::CertificateSpec::Usage::kCa,
      std::chrono::days(3650));
  SimulationPlatform forged{
      platform_.key, ValueOrDie(crypto::MakeSelfSignedCa(*platform_.key, fake)),
      ""};
  spec_.vendor_id = kIntelQeVendorId;
  const Bytes quote = ReplaceCertificationData(
      BuildSimulationQuote(forged, spec_), kCertificationPckChain,
      forged.certificate.ToPem() + root_.ToPem());
  const Status status = Verify(quote).status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message().rfind("PCK certificate chain: certificate chain "
                                   "of \"CN=Intel SGX PCK Certificate\" does "
                                   "not verify: at depth 0",
                                   0),
            0u)
      << status.message();
}

TEST_F(SimulationQuoteTest, IntelQuoteRelabelledAsSimulationFails) {
  Bytes quote = ReadTestData("sgx_quote");
  std::copy(kSimulationQeVendorId.begin(), kSimulationQeVendorId.end(),
            quote.begin() + 12);
  EXPECT_EQ(Verify(quote).status(),
            UnauthenticatedError("a simulation quote must carry exactly one "
                                 "platform certificate, not 3"));
  // With a platform certificate in place of the PCK chain, the QE report
  // (signed by Intel's PCK key) no longer verifies.
  quote = ReplaceCertificationData(quote, kCertificationPckChain,
                                   platform_.certificate.ToPem());
  EXPECT_EQ(Verify(quote).status(),
            UnauthenticatedError("QE report signature does not verify with "
                                 "the platform key"));
}

TEST_F(SimulationQuoteTest, PlatformCertificateMustBeValidNow) {
  const Status status =
      Verify(BuildSimulationQuote(platform_, spec_), Date(2024, 6, 1)).status();
  EXPECT_EQ(status, UnauthenticatedError(
                        "simulation platform certificate \"CN=Coffer simulated "
                        "platform\" is valid from 2025-01-01T00:00:00Z to "
                        "2125-01-02T00:00:00Z, not at 2024-06-01T00:00:00Z"));
}

// Issued by another key under the same name: the names match, the
// signature does not.
TEST_F(SimulationQuoteTest, PlatformCertificateMustBeSelfSigned) {
  const SimulationPlatform other = MakeSimulationPlatform(1);
  const crypto::Certificate other_ca = ValueOrDie(crypto::MakeSelfSignedCa(
      *other.key, SpecFrom2025("Coffer simulated platform",
                               crypto::CertificateSpec::Usage::kCa,
                               std::chrono::days(365))));
  const crypto::CertificateSpec spec = SpecFrom2025(
      "Coffer simulated platform", crypto::CertificateSpec::Usage::kServer,
      std::chrono::days(365));
  const crypto::Certificate issued = ValueOrDie(crypto::IssueCertificate(
      other_ca, *other.key, platform_.key->public_key(), spec));
  const Bytes quote =
      ReplaceCertificationData(BuildSimulationQuote(platform_, spec_),
                               kCertificationPckChain, issued.ToPem());
  EXPECT_EQ(Verify(quote).status(),
            UnauthenticatedError("simulation platform certificate \"CN=Coffer "
                                 "simulated platform\": its self-signature "
                                 "does not verify"));
}

TEST_F(SimulationQuoteTest, PlatformKeyMustBeP256) {
  const crypto::PrivateKey p384 =
      ValueOrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP384));
  const crypto::CertificateSpec spec =
      SpecFrom2025("Coffer simulated platform",
                   crypto::CertificateSpec::Usage::kCa, std::chrono::days(365));
  const crypto::Certificate certificate =
      ValueOrDie(crypto::MakeSelfSignedCa(p384, spec));
  const Bytes quote =
      ReplaceCertificationData(BuildSimulationQuote(platform_, spec_),
                               kCertificationPckChain, certificate.ToPem());
  EXPECT_EQ(Verify(quote).status(),
            UnauthenticatedError(
                "simulation platform certificate must have a P-256 key"));
}

}  // namespace
}  // namespace coffer::attest

// The contract between src/las and src/attest
// (docs/architecture.md, "Simulation quotes"), checked end to end: a quote
// built by the LAS's own builder verifies here as a simulation quote with the
// LAS's platform ID, and a relabelled one does not pass as hardware.
#include <gtest/gtest.h>

#include <array>

#include "attest/dcap_verify.h"
#include "attest/test_util.h"
#include "las/platform.h"
#include "las/platform_certificate.h"
#include "las/sim_quote.h"

namespace coffer::attest {
namespace {

using testing::Date;
using testing::ValueOrDie;

TEST(LasInteropTest, LasQuotesVerifyAsSimulation) {
  const crypto::PrivateKey platform_key =
      ValueOrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  const crypto::PrivateKey attestation_key =
      ValueOrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  const TimePoint created = Date(2025, 3, 1);
  const crypto::Certificate certificate =
      ValueOrDie(las::MakePlatformCertificate(platform_key, created));
  const std::string pem = certificate.ToPem();
  crypto::Sha256Digest las_identity{};
  las_identity.fill(0x1A);
  const las::QuotingIdentity identity{attestation_key, platform_key, pem,
                                      las_identity};
  const std::array<uint8_t, 5> report_data = {'h', 'e', 'l', 'l', 'o'};
  las::QuotedEnclave enclave;
  enclave.mr_enclave.fill(0xE1);
  enclave.mr_signer.fill(0x51);
  enclave.report_data = report_data;
  const Bytes auth(32, 0x77);
  const Bytes quote = ValueOrDie(las::BuildSimQuote(enclave, identity, auth));

  const VerifiedQuote verified = ValueOrDie(
      VerifyQuote(quote, nullptr, Date(2025, 7, 1), testing::IntelRoot()));
  EXPECT_EQ(verified.type, QuoteType::kSimulation);
  EXPECT_EQ(verified.platform_id, las::PlatformIdOf(platform_key.public_key()));
  EXPECT_EQ(verified.tcb_status, TcbStatus::kUnknown);
  EXPECT_FALSE(verified.debug);
  EXPECT_EQ(verified.mrenclave, Bytes(32, 0xE1));
  EXPECT_EQ(verified.mrsigner, Bytes(32, 0x51));
  EXPECT_EQ(HexEncode(verified.report_data),
            "68656c6c6f" + std::string(118, '0'));

  Bytes relabelled = quote;
  std::copy(kIntelQeVendorId.begin(), kIntelQeVendorId.end(),
            relabelled.begin() + 12);
  EXPECT_FALSE(
      VerifyQuote(relabelled, nullptr, Date(2025, 7, 1), testing::IntelRoot())
          .ok());
}

}  // namespace
}  // namespace coffer::attest

// QuoteVerifier must give exactly VerifyQuote's answers while reusing the
// platform checks: same results, same errors, and never a cached success
// for a quote, collateral or time that would not verify on its own.
#include "attest/quote_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "attest/dcap_verify.h"
#include "attest/test_util.h"

namespace coffer::attest {
namespace {

using testing::BuildSimulationQuote;
using testing::CollateralNow;
using testing::Date;
using testing::IntelRoot;
using testing::LoadCollateral;
using testing::MakeSimulationPlatform;
using testing::ReadTestData;
using testing::ValueOrDie;

class QuoteVerifierTest : public ::testing::Test {
 protected:
  QuoteVerifier verifier_{IntelRoot()};
  crypto::Certificate root_ = IntelRoot();
  Collateral collateral_ = LoadCollateral("sgx_quote_collateral.json");
  Bytes quote_ = ReadTestData("sgx_quote");
};

TEST_F(QuoteVerifierTest, SameResultAsVerifyQuoteAndReusesThePlatformCheck) {
  const std::string expected =
      ValueOrDie(VerifyQuote(quote_, &collateral_, CollateralNow(), root_))
          .ToJson();
  EXPECT_EQ(ValueOrDie(verifier_.Verify(quote_, &collateral_, CollateralNow()))
                .ToJson(),
            expected);
  EXPECT_EQ(verifier_.cache_hits(), 0u);
  EXPECT_EQ(
      ValueOrDie(verifier_.Verify(quote_, &collateral_,
                                  CollateralNow() + std::chrono::hours(1)))
          .ToJson(),
      expected);
  EXPECT_EQ(verifier_.cache_hits(), 1u);
}

TEST_F(QuoteVerifierTest, TdxQuoteToo) {
  const Collateral collateral = LoadCollateral("tdx_quote_collateral.json");
  const Bytes quote = ReadTestData("tdx_quote");
  const std::string expected =
      ValueOrDie(VerifyQuote(quote, &collateral, CollateralNow(), root_))
          .ToJson();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ValueOrDie(verifier_.Verify(quote, &collateral, CollateralNow()))
                  .ToJson(),
              expected);
  }
  EXPECT_EQ(verifier_.cache_hits(), 2u);
}

TEST_F(QuoteVerifierTest, ANowOutsideTheCachedWindowIsVerifiedAgain) {
  ASSERT_TRUE(verifier_.Verify(quote_, &collateral_, CollateralNow()).ok());
  const TimePoint late = Date(2026, 11, 29);
  EXPECT_EQ(verifier_.Verify(quote_, &collateral_, late).status(),
            VerifyQuote(quote_, &collateral_, late, root_).status());
  EXPECT_EQ(verifier_.Verify(quote_, &collateral_, late).status(),
            FailedPreconditionError(
                "collateral expired: tcb_info nextUpdate 2025-07-19T10:56:11Z "
                "is before now 2026-11-29T00:00:00Z"));
  EXPECT_EQ(verifier_.cache_hits(), 0u);
}

// With the platform check cached, every byte that the per-quote checks
// cover must still be checked: the header and body (the quote signature),
// the signature itself, the attestation key and the QE report.
TEST_F(QuoteVerifierTest, WarmCacheStillChecksEveryQuoteByte) {
  ASSERT_TRUE(verifier_.Verify(quote_, &collateral_, CollateralNow()).ok());
  // Header and body (0..431), signature (436..499), attestation key
  // (500..563), QE report (564..947) and its signature (948..1011).
  for (size_t offset = 0; offset < 1012; ++offset) {
    if (offset >= 432 && offset < 436) continue;  // the length field
    Bytes tampered = quote_;
    tampered[offset] ^= 0x01;
    StatusOr<VerifiedQuote> verified =
        verifier_.Verify(tampered, &collateral_, CollateralNow());
    ASSERT_FALSE(verified.ok()) << "byte " << offset;
    EXPECT_EQ(
        verified.status(),
        VerifyQuote(tampered, &collateral_, CollateralNow(), root_).status())
        << "byte " << offset;
  }
}

TEST_F(QuoteVerifierTest, ChangedCollateralIsNotTheCachedOne) {
  ASSERT_TRUE(verifier_.Verify(quote_, &collateral_, CollateralNow()).ok());
  Collateral forged = collateral_;
  forged.tcb_info_signature[5] ^= 0x01;
  EXPECT_EQ(verifier_.Verify(quote_, &forged, CollateralNow()).status(),
            VerifyQuote(quote_, &forged, CollateralNow(), root_).status());
  EXPECT_FALSE(verifier_.Verify(quote_, &forged, CollateralNow()).ok());
  EXPECT_EQ(verifier_.cache_hits(), 0u);
}

TEST_F(QuoteVerifierTest, WithAndWithoutCollateralAreSeparate) {
  ASSERT_TRUE(verifier_.Verify(quote_, nullptr, CollateralNow()).ok());
  const VerifiedQuote with =
      ValueOrDie(verifier_.Verify(quote_, &collateral_, CollateralNow()));
  EXPECT_EQ(verifier_.cache_hits(), 0u);
  EXPECT_EQ(with.tcb_status, TcbStatus::kConfigurationAndSwHardeningNeeded);
}

TEST_F(QuoteVerifierTest, SimulationQuotesAreCachedPerPlatform) {
  testing::SimulationQuoteSpec spec;
  spec.report_data = Bytes(32, 0x42);
  const Bytes quote = BuildSimulationQuote(MakeSimulationPlatform(0), spec);
  const Bytes other = BuildSimulationQuote(MakeSimulationPlatform(1), spec);
  const TimePoint now = Date(2026, 6, 1);
  const VerifiedQuote first = ValueOrDie(verifier_.Verify(quote, nullptr, now));
  EXPECT_EQ(ValueOrDie(verifier_.Verify(quote, nullptr, now)).ToJson(),
            first.ToJson());
  const VerifiedQuote second =
      ValueOrDie(verifier_.Verify(other, nullptr, now));
  EXPECT_NE(second.platform_id, first.platform_id);
  EXPECT_EQ(verifier_.cache_hits(), 1u);
  // An Intel quote relabelled as simulation must not reuse the Intel
  // platform check (the header is part of the key).
  ASSERT_TRUE(verifier_.Verify(quote_, nullptr, CollateralNow()).ok());
  Bytes relabelled = quote_;
  std::copy(kSimulationQeVendorId.begin(), kSimulationQeVendorId.end(),
            relabelled.begin() + 12);
  EXPECT_EQ(verifier_.Verify(relabelled, nullptr, CollateralNow()).status(),
            UnauthenticatedError("a simulation quote must carry exactly one "
                                 "platform certificate, not 3"));
}

TEST_F(QuoteVerifierTest, AFullCacheIsEmptiedNotOverrun) {
  QuoteVerifier small(IntelRoot(), 1);
  const Collateral tdx_collateral = LoadCollateral("tdx_quote_collateral.json");
  const Bytes tdx = ReadTestData("tdx_quote");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(small.Verify(quote_, &collateral_, CollateralNow()).ok());
    ASSERT_TRUE(small.Verify(tdx, &tdx_collateral, CollateralNow()).ok());
  }
  EXPECT_EQ(small.cache_hits(), 0u);
}

TEST_F(QuoteVerifierTest, ConcurrentVerifications) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (!verifier_.Verify(quote_, &collateral_, CollateralNow()).ok()) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_GE(verifier_.cache_hits(), 76u);
}

}  // namespace
}  // namespace coffer::attest

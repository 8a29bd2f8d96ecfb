// DecideTolerance: one test per reason a policy rejects a verified quote.
#include "attest/tolerance.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coffer::attest {
namespace {

using policy::Tolerance;

VerifiedQuote Hardware(TcbStatus status,
                       std::vector<std::string> advisories = {}) {
  VerifiedQuote quote;
  quote.type = QuoteType::kSgx;
  quote.tcb_status = status;
  quote.advisory_ids = std::move(advisories);
  return quote;
}

policy::AttestationSecurity Tolerating(std::vector<Tolerance> tolerate,
                                       std::vector<std::string> ignore = {}) {
  policy::AttestationSecurity security;
  security.tolerate = std::move(tolerate);
  security.ignore_advisories = std::move(ignore);
  return security;
}

constexpr char kSimulation[] =
    "the quote comes from a simulated platform (no SGX hardware, no memory "
    "encryption), which needs `tolerate: [simulation]`";
constexpr char kDebug[] =
    "the enclave runs in debug mode (the host can read its memory), which "
    "needs `tolerate: [debug-mode]`";

TEST(ToleranceTest, UpToDateHardwareIsAccepted) {
  const Verdict verdict =
      DecideTolerance(Hardware(TcbStatus::kUpToDate), Tolerating({}));
  EXPECT_TRUE(verdict.accepted);
  EXPECT_TRUE(verdict.problems.empty());
  EXPECT_EQ(verdict.Reason(), "");
}

TEST(ToleranceTest, SimulationNeedsItsTolerance) {
  VerifiedQuote quote;
  quote.type = QuoteType::kSimulation;
  quote.tcb_status = TcbStatus::kUnknown;
  Verdict verdict = DecideTolerance(quote, Tolerating({}));
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.Reason(), kSimulation);
  verdict = DecideTolerance(quote, Tolerating({Tolerance::kSimulation}));
  EXPECT_TRUE(verdict.accepted) << verdict.Reason();
}

TEST(ToleranceTest, DebugNeedsDebugMode) {
  VerifiedQuote quote = Hardware(TcbStatus::kUpToDate);
  quote.debug = true;
  EXPECT_EQ(DecideTolerance(quote, Tolerating({})).Reason(), kDebug);
  EXPECT_TRUE(
      DecideTolerance(quote, Tolerating({Tolerance::kDebugMode})).accepted);
  // A debug simulation quote needs both.
  quote.type = QuoteType::kSimulation;
  quote.tcb_status = TcbStatus::kUnknown;
  EXPECT_EQ(
      DecideTolerance(quote, Tolerating({Tolerance::kSimulation})).problems,
      std::vector<std::string>{kDebug});
}

TEST(ToleranceTest, EachTcbStatusNeedsItsTolerances) {
  struct Case {
    TcbStatus status;
    std::vector<Tolerance> enough;
    const char* reason;
  };
  const Case cases[] = {
      {TcbStatus::kSwHardeningNeeded,
       {Tolerance::kSoftwareHardeningNeeded},
       "the platform's TCB status is SWHardeningNeeded, which needs "
       "`tolerate: [...]` to list `software-hardening-needed`"},
      {TcbStatus::kConfigurationNeeded,
       {Tolerance::kConfigurationNeeded},
       "the platform's TCB status is ConfigurationNeeded, which needs "
       "`tolerate: [...]` to list `configuration-needed`"},
      {TcbStatus::kConfigurationAndSwHardeningNeeded,
       {Tolerance::kConfigurationNeeded, Tolerance::kSoftwareHardeningNeeded},
       "the platform's TCB status is ConfigurationAndSWHardeningNeeded, which "
       "needs `tolerate: [...]` to list `configuration-needed` and "
       "`software-hardening-needed`"},
      {TcbStatus::kOutOfDate,
       {Tolerance::kOutdatedTcb},
       "the platform's TCB status is OutOfDate, which needs `tolerate: [...]` "
       "to list `outdated-tcb`"},
      {TcbStatus::kOutOfDateConfigurationNeeded,
       {Tolerance::kOutdatedTcb, Tolerance::kConfigurationNeeded},
       "the platform's TCB status is OutOfDateConfigurationNeeded, which "
       "needs `tolerate: [...]` to list `outdated-tcb` and "
       "`configuration-needed`"},
  };
  for (const Case& c : cases) {
    const VerifiedQuote quote = Hardware(c.status);
    Verdict verdict = DecideTolerance(quote, Tolerating({}));
    EXPECT_FALSE(verdict.accepted);
    EXPECT_EQ(verdict.Reason(), c.reason);
    EXPECT_TRUE(DecideTolerance(quote, Tolerating(c.enough)).accepted)
        << TcbStatusName(c.status);
    if (c.enough.size() == 2) {
      // One of the two is not enough; the message names the other.
      verdict = DecideTolerance(quote, Tolerating({c.enough[0]}));
      EXPECT_FALSE(verdict.accepted);
      EXPECT_NE(verdict.Reason().find(policy::ToleranceName(c.enough[1])),
                std::string::npos);
      EXPECT_EQ(verdict.Reason().find(
                    std::string("`") +
                    std::string(policy::ToleranceName(c.enough[0])) + "`"),
                std::string::npos);
    }
  }
}

TEST(ToleranceTest, RevokedIsNeverAccepted) {
  const Verdict verdict = DecideTolerance(
      Hardware(TcbStatus::kRevoked),
      Tolerating({Tolerance::kOutdatedTcb, Tolerance::kConfigurationNeeded,
                  Tolerance::kSoftwareHardeningNeeded, Tolerance::kDebugMode,
                  Tolerance::kHyperthreading},
                 {"*"}));
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.Reason(),
            "the platform's TCB status is Revoked: its keys or firmware are "
            "compromised, and no tolerance accepts that");
}

TEST(ToleranceTest, HardwareWithoutCollateralIsRejected) {
  const Verdict verdict = DecideTolerance(
      Hardware(TcbStatus::kUnknown),
      Tolerating({Tolerance::kOutdatedTcb, Tolerance::kSimulation}, {"*"}));
  EXPECT_FALSE(verdict.accepted);
  EXPECT_EQ(verdict.Reason(),
            "the platform's TCB status is Unknown: the quote was verified "
            "without collateral, so nothing is known about its patch level");
}

TEST(ToleranceTest, AdvisoriesMustBeIgnored) {
  const VerifiedQuote quote = Hardware(TcbStatus::kSwHardeningNeeded,
                                       {"INTEL-SA-00289", "INTEL-SA-00615"});
  const auto tolerate = std::vector{Tolerance::kSoftwareHardeningNeeded};
  EXPECT_EQ(DecideTolerance(quote, Tolerating(tolerate)).Reason(),
            "advisories INTEL-SA-00289, INTEL-SA-00615 must be listed in "
            "`ignore_advisories` (or \"*\")");
  EXPECT_EQ(
      DecideTolerance(quote, Tolerating(tolerate, {"INTEL-SA-00615"})).Reason(),
      "advisory INTEL-SA-00289 must be listed in `ignore_advisories` (or "
      "\"*\")");
  EXPECT_TRUE(DecideTolerance(quote, Tolerating(tolerate, {"INTEL-SA-00615",
                                                           "INTEL-SA-00289"}))
                  .accepted);
  EXPECT_TRUE(DecideTolerance(quote, Tolerating(tolerate, {"*"})).accepted);
}

TEST(ToleranceTest, HyperthreadingIgnoresItsAdvisoriesOnly) {
  const VerifiedQuote quote =
      Hardware(TcbStatus::kConfigurationNeeded,
               {"INTEL-SA-00161", "INTEL-SA-00233", "INTEL-SA-00289"});
  Verdict verdict =
      DecideTolerance(quote, Tolerating({Tolerance::kHyperthreading,
                                         Tolerance::kConfigurationNeeded}));
  EXPECT_EQ(verdict.Reason(),
            "advisory INTEL-SA-00289 must be listed in `ignore_advisories` (or "
            "\"*\")");
  verdict = DecideTolerance(
      quote, Tolerating({Tolerance::kHyperthreading}, {"INTEL-SA-00289"}));
  EXPECT_EQ(verdict.Reason(),
            "the platform's TCB status is ConfigurationNeeded, which needs "
            "`tolerate: [...]` to list `configuration-needed`");
  verdict = DecideTolerance(quote, Tolerating({Tolerance::kHyperthreading,
                                               Tolerance::kConfigurationNeeded},
                                              {"INTEL-SA-00289"}));
  EXPECT_TRUE(verdict.accepted) << verdict.Reason();
}

TEST(ToleranceTest, EveryProblemIsListed) {
  VerifiedQuote quote = Hardware(TcbStatus::kOutOfDate, {"INTEL-SA-00615"});
  quote.debug = true;
  const Verdict verdict = DecideTolerance(quote, Tolerating({}));
  EXPECT_EQ(verdict.problems.size(), 3u);
  EXPECT_EQ(verdict.Reason(),
            std::string(kDebug) +
                "; the platform's TCB status is OutOfDate, which needs "
                "`tolerate: [...]` to list `outdated-tcb`; advisory "
                "INTEL-SA-00615 must be listed in `ignore_advisories` (or "
                "\"*\")");
}

}  // namespace
}  // namespace coffer::attest

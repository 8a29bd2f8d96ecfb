// Full DCAP verification of the real SGX quote against its physical floor.
//
// Two ways, each with its own floor of raw ECDSA P-256 verifications,
// measured in the same run:
//  - QuoteVerifier, as the CAS verifies: the platform's PCK chain and the
//    collateral were checked by an earlier quote from the same platform,
//    so a quote needs its own two signatures (QE report and quote).
//    Floor: kEcdsaVerificationsCached = 2.
//  - VerifyQuote with nothing cached: those two, the PCK certificate and
//    its CA certificate, the root CA and PCK CRLs, the TCB info and QE
//    identity signatures and their signing certificate twice (one chain
//    each). Floor: kEcdsaVerificationsUncached = 10.
// The ratios printed at the end are verification time over floor time.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/dcap_verify.h"
#include "attest/intel_root.h"
#include "attest/quote_verifier.h"
#include "common/files.h"
#include "crypto/ecdsa_raw.h"
#include "crypto/keys.h"

namespace coffer::attest {
namespace {

constexpr int kEcdsaVerificationsCached = 2;
constexpr int kEcdsaVerificationsUncached = 10;

// 2025-07-01T00:00:00Z: inside the test collateral's validity.
std::chrono::system_clock::time_point CollateralNow() {
  return std::chrono::sys_days(std::chrono::year(2025) / 7 / 1);
}

std::string TestData(const std::string& name) {
  return std::string(COFFER_ATTEST_TESTDATA) + "/dcap/" + name;
}

template <typename T>
T OrDie(StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

Bytes TestQuote() {
  const std::string text = OrDie(ReadFile(TestData("sgx_quote")), "quote");
  return Bytes(text.begin(), text.end());
}

// Parsed once, as a verifier that keeps collateral in memory would.
Collateral TestCollateral() {
  return OrDie(
      ParseCollateral(OrDie(ReadFile(TestData("sgx_quote_collateral.json")),
                            "collateral file")),
      "collateral");
}

// Times `verify(quote, collateral)` per iteration.
template <typename Verify>
void TimeVerifications(benchmark::State& state, const Verify& verify) {
  const Bytes quote = TestQuote();
  const Collateral collateral = TestCollateral();
  for (auto _ : state) {
    StatusOr<VerifiedQuote> verified = verify(quote, collateral);
    if (!verified.ok()) {
      state.SkipWithError(verified.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.counters["verifications/s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CachedDcapVerification(benchmark::State& state) {
  QuoteVerifier verifier(OrDie(IntelSgxRootCa(), "root"));
  TimeVerifications(
      state, [&](const Bytes& quote, const Collateral& collateral) {
        return verifier.Verify(quote, &collateral, CollateralNow());
      });
}
BENCHMARK(BM_CachedDcapVerification)->UseRealTime();

void BM_FullDcapVerification(benchmark::State& state) {
  const crypto::Certificate root = OrDie(IntelSgxRootCa(), "root");
  TimeVerifications(
      state, [&](const Bytes& quote, const Collateral& collateral) {
        return VerifyQuote(quote, &collateral, CollateralNow(), root);
      });
}
BENCHMARK(BM_FullDcapVerification)->UseRealTime();

// `state.range(0)` raw ECDSA P-256 verifications per iteration.
void BM_EcdsaFloor(benchmark::State& state) {
  const crypto::PrivateKey key =
      OrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256), "key");
  const crypto::PublicKey public_key = key.public_key();
  const Bytes message(432, 0x5a);  // the size of a quote's header || body
  const Bytes signature =
      OrDie(crypto::SignEcdsaP256Raw(key, message), "signature");
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) {
      benchmark::DoNotOptimize(
          crypto::VerifyEcdsaRaw(public_key, message, signature));
    }
  }
  state.counters["quotes/s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EcdsaFloor)
    ->Arg(kEcdsaVerificationsCached)
    ->Arg(kEcdsaVerificationsUncached)
    ->UseRealTime();

// Keeps each benchmark's time per iteration to print the ratio at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        seconds_[run.run_name.str()] =
            run.GetAdjustedRealTime() /
            benchmark::GetTimeUnitMultiplier(run.time_unit);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void PrintRatios() const {
    PrintRatio("cached (QuoteVerifier)", "BM_CachedDcapVerification/real_time",
               kEcdsaVerificationsCached);
    PrintRatio("uncached (VerifyQuote)", "BM_FullDcapVerification/real_time",
               kEcdsaVerificationsUncached);
  }

 private:
  void PrintRatio(const char* what, const std::string& name,
                  int verifications) const {
    auto full = seconds_.find(name);
    auto floor = seconds_.find("BM_EcdsaFloor/" +
                               std::to_string(verifications) + "/real_time");
    if (full == seconds_.end() || floor == seconds_.end()) return;
    std::printf(
        "DCAP verification, %s: %.0f per second on one thread; floor "
        "(%d ECDSA P-256 verifications): %.0f per second; ratio %.2fx the "
        "floor\n",
        what, 1.0 / full->second, verifications, 1.0 / floor->second,
        full->second / floor->second);
  }

  std::map<std::string, double> seconds_;
};

}  // namespace
}  // namespace coffer::attest

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  coffer::attest::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}

// Full DCAP verification of the real SGX quote against its physical floor.
//
// The floor is the ECDSA P-256 verifications a verifier must do for one
// quote when nothing is cached: the quote signature, the QE report
// signature, the PCK certificate and its CA certificate, the root CA and
// PCK CRLs, the TCB info and QE identity signatures and their signing
// certificate twice (one chain each). That is kEcdsaVerificationsPerQuote
// verifications; the floor benchmark runs exactly that many raw ECDSA
// verifications per iteration. The ratio printed at the end is full
// verification time over floor time, measured in the same run.
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
#include "common/files.h"
#include "crypto/ecdsa_raw.h"
#include "crypto/keys.h"

namespace coffer::attest {
namespace {

constexpr int kEcdsaVerificationsPerQuote = 10;

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

void BM_FullDcapVerification(benchmark::State& state) {
  const std::string quote_text =
      OrDie(ReadFile(TestData("sgx_quote")), "quote");
  const Bytes quote(quote_text.begin(), quote_text.end());
  // Parsed once, as a verifier that keeps collateral in memory would.
  const Collateral collateral = OrDie(
      ParseCollateral(OrDie(ReadFile(TestData("sgx_quote_collateral.json")),
                            "collateral file")),
      "collateral");
  const crypto::Certificate root = OrDie(IntelSgxRootCa(), "root");
  for (auto _ : state) {
    StatusOr<VerifiedQuote> verified =
        VerifyQuote(quote, &collateral, CollateralNow(), root);
    if (!verified.ok()) {
      state.SkipWithError(verified.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.counters["verifications/s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FullDcapVerification)->UseRealTime();

void BM_EcdsaFloor(benchmark::State& state) {
  const crypto::PrivateKey key =
      OrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256), "key");
  const crypto::PublicKey public_key = key.public_key();
  const Bytes message(432, 0x5a);  // the size of a quote's header || body
  const Bytes signature =
      OrDie(crypto::SignEcdsaP256Raw(key, message), "signature");
  for (auto _ : state) {
    for (int i = 0; i < kEcdsaVerificationsPerQuote; ++i) {
      benchmark::DoNotOptimize(
          crypto::VerifyEcdsaRaw(public_key, message, signature));
    }
  }
  state.counters["quotes/s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EcdsaFloor)->UseRealTime();

// Keeps each benchmark's time per iteration to print the ratio at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        seconds_[run.run_name.function_name] =
            run.GetAdjustedRealTime() /
            benchmark::GetTimeUnitMultiplier(run.time_unit);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void PrintRatio() const {
    auto full = seconds_.find("BM_FullDcapVerification");
    auto floor = seconds_.find("BM_EcdsaFloor");
    if (full == seconds_.end() || floor == seconds_.end()) return;
    std::printf(
        "full DCAP verification: %.0f per second on one thread; floor "
        "(%d ECDSA P-256 verifications): %.0f per second; ratio %.2fx the "
        "floor\n",
        1.0 / full->second, kEcdsaVerificationsPerQuote, 1.0 / floor->second,
        full->second / floor->second);
  }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace
}  // namespace coffer::attest

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  coffer::attest::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatio();
  benchmark::Shutdown();
  return 0;
}

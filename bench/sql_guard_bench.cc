// The proxy's SQL guard (`sql::CheckForMasking`) on sysbench's statements,
// against its floor: one parse of the same text, measured in the same run.
//
// The guard must read a text as the server would in every sql_mode the
// session could be in (ANSI_QUOTES and NO_BACKSLASH_ESCAPES: four
// readings), but a text without '"' and '\' reads the same in all of them,
// so it parses once. The third case shows what a text with both costs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sql/masking_guard.h"
#include "sql/parser.h"

namespace coffer::sql {
namespace {

// One oltp_read_only transaction's statement shapes (sysbench 1.0).
const std::vector<std::string>& SysbenchStatements() {
  static const auto* statements = new std::vector<std::string>{
      "BEGIN",
      "SELECT c FROM sbtest1 WHERE id=25042",
      "SELECT c FROM sbtest3 WHERE id BETWEEN 24952 AND 25051",
      "SELECT SUM(k) FROM sbtest2 WHERE id BETWEEN 3141 AND 3240",
      "SELECT c FROM sbtest4 WHERE id BETWEEN 1000 AND 1099 ORDER BY c",
      "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 7 AND 106 ORDER BY c",
      "COMMIT",
  };
  return *statements;
}

// The same texts with a comment holding both mode-dependent bytes.
const std::vector<std::string>& WithQuoteAndBackslash() {
  static const auto* statements = [] {
    auto* out = new std::vector<std::string>;
    for (const std::string& s : SysbenchStatements()) {
      out->push_back(s + " /* \" \\ */");
    }
    return out;
  }();
  return *statements;
}

const MaskedColumns& Masked() {
  static const auto* masked = new MaskedColumns({"nothing_here"});
  return *masked;
}

void CountStatements(benchmark::State& state, size_t per_iteration) {
  state.SetItemsProcessed(
      static_cast<int64_t>(state.iterations() * per_iteration));
}

void BM_ParseFloor(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::string& sql : SysbenchStatements()) {
      auto parsed = Parse(sql, LexMode{});
      if (!parsed.ok()) {
        state.SkipWithError(parsed.status().ToString().c_str());
        return;
      }
      benchmark::DoNotOptimize(parsed);
    }
  }
  CountStatements(state, SysbenchStatements().size());
}
BENCHMARK(BM_ParseFloor);

void TimeGuard(benchmark::State& state,
               const std::vector<std::string>& statements) {
  for (auto _ : state) {
    for (const std::string& sql : statements) {
      GuardVerdict verdict = CheckForMasking(sql, Masked(), "'app'@'%'");
      if (!verdict.allowed) {
        state.SkipWithError(verdict.detail.c_str());
        return;
      }
      benchmark::DoNotOptimize(verdict);
    }
  }
  CountStatements(state, statements.size());
}

void BM_Guard(benchmark::State& state) {
  TimeGuard(state, SysbenchStatements());
}
BENCHMARK(BM_Guard);

void BM_GuardQuoteAndBackslash(benchmark::State& state) {
  TimeGuard(state, WithQuoteAndBackslash());
}
BENCHMARK(BM_GuardQuoteAndBackslash);

// Keeps each benchmark's time per statement to print the ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        ns_per_iteration_[run.run_name.str()] =
            run.GetAdjustedRealTime() /
            benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e9;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void PrintRatios() const {
    auto floor = ns_per_iteration_.find("BM_ParseFloor");
    if (floor == ns_per_iteration_.end()) return;
    const double n = static_cast<double>(SysbenchStatements().size());
    std::printf("SQL guard floor (one parse): %.2f us per statement\n",
                floor->second / n / 1000);
    PrintRatio("sysbench's statements", "BM_Guard", floor->second, n);
    PrintRatio("the same with '\"' and '\\' in a comment (four readings)",
               "BM_GuardQuoteAndBackslash", floor->second, n);
  }

 private:
  void PrintRatio(const char* what, const std::string& name, double floor_ns,
                  double n) const {
    auto it = ns_per_iteration_.find(name);
    if (it == ns_per_iteration_.end()) return;
    std::printf("SQL guard, %s: %.2f us per statement; ratio %.2fx the floor\n",
                what, it->second / n / 1000, it->second / floor_ns);
  }

  std::map<std::string, double> ns_per_iteration_;
};

}  // namespace
}  // namespace coffer::sql

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  coffer::sql::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}

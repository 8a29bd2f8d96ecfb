#include "net/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace coffer::net {
namespace {

TEST(MetricsTest, RendersTheExpositionFormat) {
  MetricsRegistry registry;
  CounterFamily& requests = registry.AddCounter(
      "coffer_requests_total", "Requests by path and code.", {"path", "code"});
  requests.WithLabels({"/v1/sessions", "200"}).Increment(3);
  requests.WithLabels({"/healthz", "200"}).Increment();
  registry.AddGauge("coffer_open", "Open things.").WithLabels({}).Set(-2);
  const double bounds[] = {0.1, 0.5, 1};
  Histogram& latency =
      registry.AddHistogram("coffer_latency_seconds", "Latency.", bounds)
          .WithLabels({});
  latency.Observe(0.25);
  latency.Observe(0.5);  // "less than or equal": still the 0.5 bucket
  latency.Observe(0.75);
  latency.Observe(4);

  EXPECT_EQ(registry.Render(),
            "# HELP coffer_requests_total Requests by path and code.\n"
            "# TYPE coffer_requests_total counter\n"
            "coffer_requests_total{path=\"/healthz\",code=\"200\"} 1\n"
            "coffer_requests_total{path=\"/v1/sessions\",code=\"200\"} 3\n"
            "# HELP coffer_open Open things.\n"
            "# TYPE coffer_open gauge\n"
            "coffer_open -2\n"
            "# HELP coffer_latency_seconds Latency.\n"
            "# TYPE coffer_latency_seconds histogram\n"
            "coffer_latency_seconds_bucket{le=\"0.1\"} 0\n"
            "coffer_latency_seconds_bucket{le=\"0.5\"} 2\n"
            "coffer_latency_seconds_bucket{le=\"1\"} 3\n"
            "coffer_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "coffer_latency_seconds_sum 5.5\n"
            "coffer_latency_seconds_count 4\n");
}

TEST(MetricsTest, LabeledHistogramPutsLeLast) {
  MetricsRegistry registry;
  const double bounds[] = {1};
  registry.AddHistogram("h", "H.", bounds, {"route"})
      .WithLabels({"/a"})
      .Observe(2);
  EXPECT_EQ(registry.Render(),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{route=\"/a\",le=\"1\"} 0\n"
            "h_bucket{route=\"/a\",le=\"+Inf\"} 1\n"
            "h_sum{route=\"/a\"} 2\nh_count{route=\"/a\"} 1\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry.AddCounter("c_total", "Back\\slash and\nnewline \"kept\".", {"v"})
      .WithLabels({"a\"b\\c\nd"})
      .Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP c_total Back\\\\slash and\\nnewline \"kept\".\n"
            "# TYPE c_total counter\n"
            "c_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, UnlabeledCounterRendersZeroAndLabeledFamilyNothing) {
  MetricsRegistry registry;
  registry.AddCounter("a_total", "A.");
  registry.AddCounter("b_total", "B.", {"x"});
  EXPECT_EQ(registry.Render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_total B.\n# TYPE b_total counter\n");
}

TEST(MetricsTest, SameNameReturnsTheSameFamily) {
  MetricsRegistry registry;
  CounterFamily& first = registry.AddCounter("x_total", "X.", {"k"});
  CounterFamily& second = registry.AddCounter("x_total", "X.", {"k"});
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(&first.WithLabels({"v"}), &second.WithLabels({"v"}));
}

TEST(MetricsTest, FormatsValuesLikePrometheus) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(FormatMetricValue(0.005), "0.005");
  EXPECT_EQ(FormatMetricValue(10), "10");
  EXPECT_EQ(FormatMetricValue(2.5), "2.5");
  EXPECT_EQ(FormatMetricValue(kInf), "+Inf");
  EXPECT_EQ(FormatMetricValue(-kInf), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  CounterFamily& counters = registry.AddCounter("n_total", "N.", {"t"});
  Histogram& histogram = registry.AddHistogram("d", "D.").WithLabels({});
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        counters.WithLabels({"same"}).Increment();
        histogram.Observe(0.002);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counters.WithLabels({"same"}).value(), 8000u);
  EXPECT_EQ(histogram.snapshot().cumulative_counts.back(), 8000u);
}

}  // namespace
}  // namespace coffer::net

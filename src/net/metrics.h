// A small metrics registry rendered in the Prometheus text exposition
// format (version 0.0.4), for /metrics endpoints.
//
//   MetricsRegistry registry;
//   CounterFamily& requests = registry.AddCounter(
//       "coffer_sessions_created_total", "Sessions created.", {"result"});
//   requests.WithLabels({"ok"}).Increment();
//   std::string text = registry.Render();
//
// Counters, gauges and histograms are families of series keyed by label
// values (an unlabeled metric is a family with one series and no labels).
// Families render in registration order, series in label-value order, so
// the output is deterministic.
//
// Metric and label names are the program's constants, not input: a bad
// name, a second family of the same name with another type or other
// labels, or WithLabels with the wrong number of values are programming
// errors and abort with a message. Registering the same name again with the
// same type and labels returns the existing family (two servers may share
// a registry). Label values and help texts are escaped as the format
// requires.
//
// Thread safety: everything may be called from any thread. Updating a
// series is one atomic operation; WithLabels takes a mutex to find or create
// the series, so hot paths may keep the returned reference, which stays
// valid as long as the registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coffer::net {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Latency buckets in seconds, from 1 ms to 10 s.
inline constexpr double kLatencyBucketsSeconds[] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class Counter {
 public:
  static constexpr std::string_view kType = "counter";

  void Increment(uint64_t amount = 1) {
    value_.fetch_add(amount, std::memory_order_relaxed);
  }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  static constexpr std::string_view kType = "gauge";

  void Set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  void Add(int64_t amount) {
    value_.fetch_add(amount, std::memory_order_relaxed);
  }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  // `upper_bounds`: finite, strictly increasing; +Inf is implicit.
  explicit Histogram(std::span<const double> upper_bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    // Observations <= upper_bounds[i]; the last entry is +Inf (= count).
    std::vector<uint64_t> cumulative_counts;
    double sum = 0;
  };
  // Not atomic across buckets; each bucket is exact.
  Snapshot snapshot() const;

 private:
  std::vector<double> upper_bounds_;
  // One per bound plus +Inf; not cumulative.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// One metric name with its help, type and label names.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  virtual void Render(std::string& out) const = 0;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 protected:
  MetricFamily(std::string name, std::string help, std::string type,
               std::vector<std::string> label_names);

  // "# HELP ...\n# TYPE ...\n".
  void RenderHeader(std::string& out) const;
  // {a="x",b="y"} with `extra` appended as one more label, or "" when there
  // are no labels at all.
  std::string LabelText(const std::vector<std::string>& values,
                        std::string_view extra_name = {},
                        std::string_view extra_value = {}) const;
  void CheckLabelCount(size_t count) const;

 private:
  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> label_names_;
};

// The series of one family, created on first use.
template <typename Metric>
class SeriesMap {
 public:
  template <typename Make>
  Metric& FindOrCreate(std::vector<std::string> values, const Make& make) {
    std::lock_guard lock(mutex_);
    auto it = series_.find(values);
    if (it == series_.end()) {
      it = series_.emplace(std::move(values), make()).first;
    }
    return *it->second;
  }

  template <typename Visit>
  void ForEach(const Visit& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, metric] : series_) visit(values, *metric);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

// Counters and gauges: one integer a series.
template <typename Metric>
class ScalarFamily : public MetricFamily {
 public:
  ScalarFamily(std::string name, std::string help,
               std::vector<std::string> label_names);
  Metric& WithLabels(std::initializer_list<std::string_view> values);
  void Render(std::string& out) const override;

 private:
  SeriesMap<Metric> series_;
};
extern template class ScalarFamily<Counter>;
extern template class ScalarFamily<Gauge>;
using CounterFamily = ScalarFamily<Counter>;
using GaugeFamily = ScalarFamily<Gauge>;

class HistogramFamily : public MetricFamily {
 public:
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> upper_bounds);
  Histogram& WithLabels(std::initializer_list<std::string_view> values);
  void Render(std::string& out) const override;

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  SeriesMap<Histogram> series_;
};

class MetricsRegistry {
 public:
  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(
      std::string name, std::string help,
      std::span<const double> upper_bounds = kLatencyBucketsSeconds,
      std::vector<std::string> label_names = {});

  // Every family in the text exposition format, ending with a newline (or
  // "" when nothing is registered).
  std::string Render() const;

 private:
  // The existing family named `name` if it has the same type and labels
  // (nullptr if there is none); aborts on a conflicting one.
  MetricFamily* Existing(const std::string& name, std::string_view type,
                         const std::vector<std::string>& label_names) const;
  // Registers `family`; an unlabeled one gets its single series now, so
  // that it renders (as 0) before its first update.
  template <typename Family>
  Family& Register(std::unique_ptr<Family> family);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

// A Prometheus sample value: shortest round-trip decimal, "+Inf", "-Inf"
// or "NaN". Exposed for tests.
std::string FormatMetricValue(double value);

}  // namespace coffer::net

#include "net/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace coffer::net {
namespace {

// Registering metrics is the program's own doing; a bad call is a bug.
[[noreturn]] void DieBecauseMetricMisused(const std::string& what) {
  std::fprintf(stderr, "coffer: metrics registry misused: %s\n", what.c_str());
  std::abort();
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// HELP text escapes backslash and newline; label values also the quote.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"': out += quote ? "\\\"" : "\""; break;
      default: out += c;
    }
  }
}

std::vector<std::string> ToStrings(
    std::initializer_list<std::string_view> values) {
  return {values.begin(), values.end()};
}

}  // namespace

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return {buffer, result.ptr};
}

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()),
      buckets_(
          std::make_unique<std::atomic<uint64_t>[]>(upper_bounds.size() + 1)) {
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    if (!std::isfinite(upper_bounds_[i]) ||
        (i > 0 && upper_bounds_[i] <= upper_bounds_[i - 1])) {
      DieBecauseMetricMisused(
          "histogram bounds must be finite and strictly increasing");
    }
  }
}

void Histogram::Observe(double value) {
  // Prometheus buckets are "less than or equal": the first bound >= value.
  const auto it =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  const auto index = static_cast<size_t>(it - upper_bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;
  uint64_t total = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(total);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

MetricFamily::MetricFamily(std::string name, std::string help, std::string type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {
  if (!IsValidName(name_, /*allow_colon=*/true)) {
    DieBecauseMetricMisused("bad metric name \"" + name_ + "\"");
  }
  for (const std::string& label : label_names_) {
    if (!IsValidName(label, /*allow_colon=*/false) || label.starts_with("__") ||
        label == "le") {
      DieBecauseMetricMisused("metric \"" + name_ + "\": bad label name \"" +
                              label + "\"");
    }
  }
}

void MetricFamily::RenderHeader(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  AppendEscaped(out, help_, /*quote=*/false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_;
  out += '\n';
}

std::string MetricFamily::LabelText(const std::vector<std::string>& values,
                                    std::string_view extra_name,
                                    std::string_view extra_value) const {
  std::string out;
  const auto append = [&out](std::string_view name, std::string_view value) {
    out += out.empty() ? "{" : ",";
    out += name;
    out += "=\"";
    AppendEscaped(out, value, /*quote=*/true);
    out += '"';
  };
  for (size_t i = 0; i < values.size(); ++i) append(label_names_[i], values[i]);
  if (!extra_name.empty()) append(extra_name, extra_value);
  if (!out.empty()) out += '}';
  return out;
}

void MetricFamily::CheckLabelCount(size_t count) const {
  if (count != label_names_.size()) {
    DieBecauseMetricMisused("metric \"" + name_ + "\" takes " +
                            std::to_string(label_names_.size()) +
                            " label values, got " + std::to_string(count));
  }
}

template <typename Metric>
ScalarFamily<Metric>::ScalarFamily(std::string name, std::string help,
                                   std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::string(Metric::kType),
                   std::move(label_names)) {}

template <typename Metric>
Metric& ScalarFamily<Metric>::WithLabels(
    std::initializer_list<std::string_view> values) {
  CheckLabelCount(values.size());
  return series_.FindOrCreate(ToStrings(values),
                              [] { return std::make_unique<Metric>(); });
}

template <typename Metric>
void ScalarFamily<Metric>::Render(std::string& out) const {
  RenderHeader(out);
  series_.ForEach(
      [&](const std::vector<std::string>& values, const Metric& metric) {
        out += name() + LabelText(values) + " " +
               std::to_string(metric.value()) + "\n";
      });
}

template class ScalarFamily<Counter>;
template class ScalarFamily<Gauge>;

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> upper_bounds)
    : MetricFamily(std::move(name), std::move(help), "histogram",
                   std::move(label_names)),
      upper_bounds_(std::move(upper_bounds)) {
  Histogram check(upper_bounds_);  // dies on bad bounds now, not on first use
}

Histogram& HistogramFamily::WithLabels(
    std::initializer_list<std::string_view> values) {
  CheckLabelCount(values.size());
  return series_.FindOrCreate(ToStrings(values), [this] {
    return std::make_unique<Histogram>(upper_bounds_);
  });
}

void HistogramFamily::Render(std::string& out) const {
  RenderHeader(out);
  series_.ForEach([&](const std::vector<std::string>& values,
                      const Histogram& histogram) {
    const Histogram::Snapshot snapshot = histogram.snapshot();
    for (size_t i = 0; i < snapshot.cumulative_counts.size(); ++i) {
      const std::string le = i < snapshot.upper_bounds.size()
                                 ? FormatMetricValue(snapshot.upper_bounds[i])
                                 : "+Inf";
      out += name() + "_bucket" + LabelText(values, "le", le) + " " +
             std::to_string(snapshot.cumulative_counts[i]) + "\n";
    }
    const std::string labels = LabelText(values);
    out +=
        name() + "_sum" + labels + " " + FormatMetricValue(snapshot.sum) + "\n";
    out += name() + "_count" + labels + " " +
           std::to_string(snapshot.cumulative_counts.back()) + "\n";
  });
}

MetricFamily* MetricsRegistry::Existing(
    const std::string& name, std::string_view type,
    const std::vector<std::string>& label_names) const {
  for (const auto& family : families_) {
    if (family->name() != name) continue;
    if (family->type() != type || family->label_names() != label_names) {
      DieBecauseMetricMisused("metric \"" + name +
                              "\" registered twice with different type or "
                              "labels");
    }
    return family.get();
  }
  return nullptr;
}

template <typename Family>
Family& MetricsRegistry::Register(std::unique_ptr<Family> family) {
  Family& result = *family;
  if (result.label_names().empty()) result.WithLabels({});
  families_.push_back(std::move(family));
  return result;
}

CounterFamily& MetricsRegistry::AddCounter(
    std::string name, std::string help, std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (MetricFamily* existing = Existing(name, Counter::kType, label_names)) {
    return static_cast<CounterFamily&>(*existing);
  }
  return Register(std::make_unique<CounterFamily>(
      std::move(name), std::move(help), std::move(label_names)));
}

GaugeFamily& MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (MetricFamily* existing = Existing(name, Gauge::kType, label_names)) {
    return static_cast<GaugeFamily&>(*existing);
  }
  return Register(std::make_unique<GaugeFamily>(
      std::move(name), std::move(help), std::move(label_names)));
}

HistogramFamily& MetricsRegistry::AddHistogram(
    std::string name, std::string help, std::span<const double> upper_bounds,
    std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (MetricFamily* existing = Existing(name, "histogram", label_names)) {
    return static_cast<HistogramFamily&>(*existing);
  }
  return Register(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(label_names),
      std::vector<double>(upper_bounds.begin(), upper_bounds.end())));
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& family : families_) family->Render(out);
  return out;
}

}  // namespace coffer::net

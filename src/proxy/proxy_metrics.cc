#include "proxy/proxy_metrics.h"

namespace coffer::proxy {

ProxyMetrics::ProxyMetrics(net::MetricsRegistry& registry)
    : connections_(registry.AddCounter("coffer_proxy_connections_total",
                                       "Client logins by result.", {"result"})),
      open_(registry.AddGauge("coffer_proxy_connections_open",
                              "Client connections open now.")),
      queries_(registry.AddCounter("coffer_proxy_queries_total",
                                   "Client commands forwarded, by route.",
                                   {"route"})),
      backend_latency_(registry.AddHistogram(
          "coffer_proxy_backend_latency_seconds",
          "From forwarding a command to the end of its reply.",
          net::kLatencyBucketsSeconds, {"route"})),
      masked_(registry.AddCounter("coffer_proxy_masked_values_total",
                                  "Result values rewritten by masking.")),
      refusals_(registry.AddCounter("coffer_proxy_refusals_total",
                                    "Statements and results refused, by "
                                    "reason.",
                                    {"reason"})),
      promotions_(registry.AddCounter(
          "coffer_proxy_promotions_total",
          "Servers this proxy's monitor made the primary (first election, "
          "failover, switchover).")),
      primary_queries_(queries_.WithLabels({"primary"})),
      primary_latency_(backend_latency_.WithLabels({"primary"})),
      masked_values_(masked_.WithLabels({})) {}

void ProxyMetrics::Connection(std::string_view result) {
  connections_.WithLabels({result}).Increment();
}
void ProxyMetrics::ConnectionOpened() { open_.WithLabels({}).Add(1); }
void ProxyMetrics::ConnectionClosed() { open_.WithLabels({}).Add(-1); }
void ProxyMetrics::Query(std::string_view route, double backend_seconds) {
  if (route == "primary") {
    primary_queries_.Increment();
    primary_latency_.Observe(backend_seconds);
    return;
  }
  queries_.WithLabels({route}).Increment();
  backend_latency_.WithLabels({route}).Observe(backend_seconds);
}
void ProxyMetrics::MaskedValues(uint64_t count) {
  masked_values_.Increment(count);
}
void ProxyMetrics::Promotion() { promotions_.WithLabels({}).Increment(); }
void ProxyMetrics::Refusal(std::string_view reason) {
  refusals_.WithLabels({reason}).Increment();
}

}  // namespace coffer::proxy

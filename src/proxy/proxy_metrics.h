// What the proxy counts, for its /metrics endpoint (Prometheus text).
// Label values are bounded: routes, refusal reasons and results are the
// program's constants, never client input.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <string_view>

#include "net/metrics.h"

namespace coffer::proxy {

class ProxyMetrics {
 public:
  explicit ProxyMetrics(net::MetricsRegistry& registry);

  // A client connection ended its login: "ok", "no_tls", "tls_failed",
  // "unmapped", "user_mismatch", "backend_failed", "bad_packet",
  // "proxy_header".
  void Connection(std::string_view result);
  void ConnectionOpened();
  void ConnectionClosed();
  // A command forwarded; route is "primary", "replica" or "all" (a
  // session command, to every backend of the session).
  void Query(std::string_view route, double backend_seconds);
  void MaskedValues(uint64_t count);
  void Refusal(std::string_view reason);
  // The monitor made a server the primary.
  void Promotion();

 private:
  net::CounterFamily& connections_;
  net::GaugeFamily& open_;
  net::CounterFamily& queries_;
  net::HistogramFamily& backend_latency_;
  net::CounterFamily& masked_;
  net::CounterFamily& refusals_;
  net::CounterFamily& promotions_;
  // The series every query updates, looked up once: WithLabels takes a
  // mutex and builds its key.
  net::Counter& primary_queries_;
  net::Histogram& primary_latency_;
  net::Counter& masked_values_;
};

}  // namespace coffer::proxy

// ServerMetrics: the HTTP server's counters in a MetricsRegistry.
//
//   coffer_http_requests_total{method,route,code}       counter
//   coffer_http_request_duration_seconds{route}         histogram
//   coffer_http_connections_total{result}               counter
//       result: established | handshake_failed | over_limit
//   coffer_http_connections_open                        gauge
//   coffer_http_timeouts_total{phase}                   counter
//       phase: handshake | request | write
//
// Label values are bounded: `route` is a route label (router.h), or
// "unmatched" (404) or "invalid" (unparsable requests); `method` is one of
// the standard methods or "other", because clients choose methods and must
// not be able to grow the registry without bound.
//
// Thread safety: all methods may be called from any thread. With a null
// registry every method does nothing.
#pragma once

#include <string_view>

#include "net/metrics.h"

namespace coffer::net {

class ServerMetrics {
 public:
  // `registry` (may be null) must outlive this object.
  explicit ServerMetrics(MetricsRegistry* registry);

  void RequestDone(std::string_view method, std::string_view route, int status,
                   double seconds);
  void ConnectionEstablished();
  void HandshakeFailed();
  void OverLimit();
  void ConnectionOpened();
  void ConnectionClosed();
  void Timeout(std::string_view phase);

 private:
  CounterFamily* requests_ = nullptr;
  HistogramFamily* durations_ = nullptr;
  CounterFamily* connections_ = nullptr;
  Gauge* open_ = nullptr;
  CounterFamily* timeouts_ = nullptr;
};

}  // namespace coffer::net

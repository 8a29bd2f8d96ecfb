#include "net/server_metrics.h"

#include <string>

namespace coffer::net {
namespace {

std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

ServerMetrics::ServerMetrics(MetricsRegistry* registry) {
  if (registry == nullptr) return;
  requests_ =
      &registry->AddCounter("coffer_http_requests_total",
                            "HTTP requests by method, route and status.",
                            {"method", "route", "code"});
  durations_ = &registry->AddHistogram(
      "coffer_http_request_duration_seconds",
      "Time from the first byte of a request to its response written.",
      kLatencyBucketsSeconds, {"route"});
  connections_ = &registry->AddCounter(
      "coffer_http_connections_total",
      "Accepted TCP connections by the outcome of their TLS handshake.",
      {"result"});
  open_ =
      &registry
           ->AddGauge("coffer_http_connections_open", "Connections open now.")
           .WithLabels({});
  timeouts_ = &registry->AddCounter("coffer_http_timeouts_total",
                                    "Connections closed because a peer was "
                                    "too slow, by phase.",
                                    {"phase"});
}

void ServerMetrics::RequestDone(std::string_view method, std::string_view route,
                                int status, double seconds) {
  if (requests_ == nullptr) return;
  requests_->WithLabels({MethodLabel(method), route, std::to_string(status)})
      .Increment();
  durations_->WithLabels({route}).Observe(seconds);
}

void ServerMetrics::ConnectionEstablished() {
  if (connections_ != nullptr)
    connections_->WithLabels({"established"}).Increment();
}

void ServerMetrics::HandshakeFailed() {
  if (connections_ != nullptr) {
    connections_->WithLabels({"handshake_failed"}).Increment();
  }
}

void ServerMetrics::OverLimit() {
  if (connections_ != nullptr)
    connections_->WithLabels({"over_limit"}).Increment();
}

void ServerMetrics::ConnectionOpened() {
  if (open_ != nullptr) open_->Add(1);
}

void ServerMetrics::ConnectionClosed() {
  if (open_ != nullptr) open_->Add(-1);
}

void ServerMetrics::Timeout(std::string_view phase) {
  if (timeouts_ != nullptr) timeouts_->WithLabels({phase}).Increment();
}

}  // namespace coffer::net

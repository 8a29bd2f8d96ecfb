// ProxyServer: `coffer proxy serve`. Listens for MySQL clients (TLS with
// client certificates of the session's client CA), runs one ClientSession
// per connection on a TcpServer, and, when configured, an HTTPS endpoint
// for holders of a client certificate of the same CA: GET /metrics
// (Prometheus text), GET /healthz, and, for the monitor's "admins" only,
// POST /v1/switchover with an optional {"to": "HOST:PORT"}.
//
// Thread safety: address() and RequestStop() from any thread.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "net/http_server.h"
#include "net/metrics.h"
#include "net/tcp_server.h"
#include "proxy/client_session.h"
#include "proxy/config.h"
#include "proxy/proxy_metrics.h"

namespace coffer::proxy {

class ProxyServer {
 public:
  // Starts listening on config.listen (and `http_listen` unless empty).
  // Failure: kUnavailable when an address cannot be bound.
  static StatusOr<std::unique_ptr<ProxyServer>> Start(
      std::shared_ptr<const ProxyConfig> config,
      const std::string& http_listen = "");

  ~ProxyServer();

  std::string address() const { return tcp_->address(); }
  uint16_t port() const { return tcp_->port(); }
  // "" without the HTTPS endpoint.
  std::string http_address() const;

  void RequestStop();
  void Wait();

 private:
  ProxyServer() = default;

  net::MetricsRegistry registry_;
  std::unique_ptr<ProxyMetrics> metrics_;
  ProxyShared shared_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<net::HttpServer> http_server_;
  // Last: its sessions use everything above until they end.
  std::unique_ptr<net::TcpServer> tcp_;
};

}  // namespace coffer::proxy

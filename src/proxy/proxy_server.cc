#include "proxy/proxy_server.h"

#include "net/router.h"

namespace coffer::proxy {

StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(
    std::shared_ptr<const ProxyConfig> config,
    const std::string& metrics_listen) {
  std::unique_ptr<ProxyServer> server(new ProxyServer());
  server->metrics_ = std::make_unique<ProxyMetrics>(server->registry_);
  server->shared_.config = std::move(config);
  const ProxyConfig& loaded = *server->shared_.config;
  server->shared_.metrics = server->metrics_.get();
  server->monitor_ = Monitor::Start(loaded, server->metrics_.get());
  server->shared_.monitor = server->monitor_.get();
  if (!metrics_listen.empty()) {
    COFFER_ASSIGN_OR_RETURN(net::HostPort where,
                            net::ParseHostPort(metrics_listen));
    net::Router router;
    net::MetricsRegistry* registry = &server->registry_;
    COFFER_RETURN_IF_ERROR(
        router.Add("GET", "/metrics",
                   [registry](const net::Request&) -> StatusOr<net::Response> {
                     net::Response response;
                     response.content_type = "text/plain; version=0.0.4";
                     response.body = registry->Render();
                     return response;
                   }));
    COFFER_RETURN_IF_ERROR(router.Add(
        "GET", "/healthz", [](const net::Request&) -> StatusOr<net::Response> {
          return net::JsonResponse(R"({"status":"ok"})");
        }));
    net::ServerConfig http;
    http.host = where.host;
    http.port = where.port;
    http.handler_threads = 0;
    http.metrics = registry;
    COFFER_ASSIGN_OR_RETURN(
        server->metrics_server_,
        net::HttpServer::Start(http, loaded.client_tls, std::move(router)));
  }
  net::TcpServerConfig tcp{.host = loaded.listen.host,
                           .port = loaded.listen.port,
                           .io_threads = loaded.io_threads,
                           .max_connections = loaded.max_connections,
                           .name = "mysql proxy"};
  ProxyShared* shared = &server->shared_;
  COFFER_ASSIGN_OR_RETURN(
      server->tcp_,
      net::TcpServer::Start(
          std::move(tcp),
          [shared](boost::asio::ip::tcp::socket socket) {
            return MakeClientSession(*shared, std::move(socket));
          },
          [shared] { shared->metrics->Connection("over_limit"); }));
  return server;
}

ProxyServer::~ProxyServer() {
  RequestStop();
  Wait();
}

std::string ProxyServer::metrics_address() const {
  return metrics_server_ != nullptr ? metrics_server_->address() : "";
}

void ProxyServer::RequestStop() {
  if (monitor_ != nullptr) monitor_->Stop();
  if (tcp_ != nullptr) tcp_->RequestStop();
  if (metrics_server_ != nullptr) metrics_server_->RequestStop();
}

void ProxyServer::Wait() {
  if (tcp_ != nullptr) tcp_->Wait();
  if (metrics_server_ != nullptr) metrics_server_->Wait();
}

}  // namespace coffer::proxy

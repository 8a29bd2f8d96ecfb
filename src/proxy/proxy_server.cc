#include "proxy/proxy_server.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "crypto/certificate.h"
#include "net/router.h"

namespace coffer::proxy {
namespace {

// POST /v1/switchover: for the subjects in monitor.admins only. The body
// is empty or {"to": "HOST:PORT"}.
StatusOr<net::Response> HandleSwitchover(const ProxyConfig& config,
                                         Monitor& monitor,
                                         const net::Request& request) {
  auto certificate = crypto::Certificate::FromDer(request.peer.certificate_der);
  const std::string subject = certificate.ok() ? certificate->subject() : "";
  const auto& admins = config.monitor.admins;
  if (std::find(admins.begin(), admins.end(), subject) == admins.end()) {
    Log(LogLevel::kWarning, "proxy: switchover refused: not an admin",
        {{"remote", request.remote_address}, {"subject", subject}});
    return PermissionDeniedError("the client certificate's subject \"" +
                                 subject +
                                 "\" is not one of the monitor's admins");
  }
  std::optional<net::HostPort> to;
  if (!request.body.empty()) {
    const nlohmann::json body =
        nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() ||
        std::any_of(body.items().begin(), body.items().end(),
                    [](const auto& item) { return item.key() != "to"; })) {
      return InvalidArgumentError(
          "the body must be empty or {\"to\": \"HOST:PORT\"}");
    }
    if (body.contains("to")) {
      if (!body["to"].is_string()) {
        return InvalidArgumentError("\"to\" must be \"HOST:PORT\"");
      }
      COFFER_ASSIGN_OR_RETURN(
          to, net::ParseHostPort(body["to"].get<std::string>()));
    }
  }
  Log(LogLevel::kInfo, "proxy: switchover requested",
      {{"remote", request.remote_address},
       {"subject", subject},
       {"to", to ? to->host + ":" + std::to_string(to->port) : "any"}});
  COFFER_ASSIGN_OR_RETURN(SwitchoverResult done, monitor.Switchover(to));
  nlohmann::json reply = {
      {"primary", done.primary.host + ":" + std::to_string(done.primary.port)},
      {"previous",
       done.previous.host + ":" + std::to_string(done.previous.port)},
      {"seconds", done.seconds}};
  return net::JsonResponse(reply.dump());
}

}  // namespace

StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(
    std::shared_ptr<const ProxyConfig> config, const std::string& http_listen) {
  std::unique_ptr<ProxyServer> server(new ProxyServer());
  server->metrics_ = std::make_unique<ProxyMetrics>(server->registry_);
  server->shared_.config = std::move(config);
  const ProxyConfig& loaded = *server->shared_.config;
  server->shared_.metrics = server->metrics_.get();
  server->monitor_ = Monitor::Start(loaded, server->metrics_.get());
  server->shared_.monitor = server->monitor_.get();
  if (!http_listen.empty()) {
    COFFER_ASSIGN_OR_RETURN(net::HostPort where,
                            net::ParseHostPort(http_listen));
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
    const ProxyConfig* settings = &loaded;
    Monitor* monitor = server->monitor_.get();
    COFFER_RETURN_IF_ERROR(
        router.Add("POST", "/v1/switchover",
                   [settings, monitor](const net::Request& request) {
                     return HandleSwitchover(*settings, *monitor, request);
                   }));
    net::ServerConfig http;
    http.host = where.host;
    http.port = where.port;
    // A switchover blocks its handler thread for seconds; the other
    // serves /metrics meanwhile.
    http.handler_threads = 2;
    http.metrics = registry;
    COFFER_ASSIGN_OR_RETURN(
        server->http_server_,
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

std::string ProxyServer::http_address() const {
  return http_server_ != nullptr ? http_server_->address() : "";
}

void ProxyServer::RequestStop() {
  if (monitor_ != nullptr) monitor_->Stop();
  if (tcp_ != nullptr) tcp_->RequestStop();
  if (http_server_ != nullptr) http_server_->RequestStop();
}

void ProxyServer::Wait() {
  if (tcp_ != nullptr) tcp_->Wait();
  if (http_server_ != nullptr) http_server_->Wait();
}

}  // namespace coffer::proxy

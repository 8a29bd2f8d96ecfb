// coffer proxy serve: the MySQL-protocol proxy with data masking
// (src/proxy). Run under `coffer run`, which injects its configuration.
#include <atomic>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "common/log.h"
#include "proxy/config.h"
#include "proxy/proxy_server.h"

namespace coffer::cli {
namespace {

struct ProxyFlags {
  std::string config;
  std::string listen;
  std::string metrics;
  std::string log_level = "info";
};

int Fail(const Status& status, int code) {
  std::cerr << "coffer proxy serve: " << status.message() << "\n";
  return code;
}

int RunProxy(const ProxyFlags& flags) {
  LogLevel level;
  if (!ParseLogLevel(flags.log_level, &level)) {
    return Fail(InvalidArgumentError("--log-level must be debug, info, "
                                     "warning or error"),
                kExitBadInput);
  }
  SetLogLevel(level);
  StatusOr<proxy::ProxyConfig> config =
      proxy::LoadProxyConfigFile(flags.config);
  if (!config.ok()) return Fail(config.status(), kExitBadInput);
  // Host arguments may move the listeners (several proxies on one
  // machine); everything that matters for security is the policy's file.
  if (!flags.listen.empty()) {
    StatusOr<net::HostPort> listen = net::ParseHostPort(flags.listen);
    if (!listen.ok()) return Fail(listen.status(), kExitBadInput);
    config->listen = *listen;
  }
  const sigset_t signals = BlockStopSignals();
  auto server = proxy::ProxyServer::Start(
      std::make_shared<const proxy::ProxyConfig>(*std::move(config)),
      flags.metrics);
  if (!server.ok()) {
    return Fail(server.status(),
                server.status().code() == StatusCode::kUnavailable
                    ? kExitUnavailable
                    : kExitBadInput);
  }
  proxy::ProxyServer& proxy = **server;
  std::cout << proxy.address() << std::endl;  // flushed: scripts wait for it
  Log(LogLevel::kInfo, "proxy serving",
      {{"address", proxy.address()}, {"metrics", proxy.metrics_address()}});
  std::atomic<bool> stopped{false};
  std::thread waiter([&] {
    WaitForStopSignal(
        signals, [&stopped] { return stopped.load(); },
        [&proxy] { proxy.RequestStop(); });
  });
  proxy.Wait();
  stopped = true;
  waiter.join();
  server->reset();
  Log(LogLevel::kInfo, "proxy stopped");
  return kExitOk;
}

}  // namespace

void AddProxyCommands(CLI::App& app, ExitCode& exit_code) {
  CLI::App* group = app.add_subcommand(
      "proxy", "MySQL-protocol proxy with TLS on both sides and data masking");
  group->require_subcommand(1);
  auto flags = std::make_shared<ProxyFlags>();
  CLI::App* serve = group->add_subcommand(
      "serve",
      "Serve MySQL clients with certificates of the session's client CA, log "
      "them in to the database as their mapped account, mask what the "
      "rules say. Prints its address when ready; stops on SIGTERM.");
  serve->add_option("--config", flags->config, "The proxy's JSON configuration")
      ->required();
  serve->add_option("--listen", flags->listen,
                    "HOST:PORT for clients, instead of the file's \"listen\"");
  serve->add_option("--metrics", flags->metrics,
                    "HOST:PORT for /metrics and /healthz over HTTPS (client "
                    "certificates of the client CA)");
  serve
      ->add_option("--log-level", flags->log_level,
                   "debug, info, warning or error (no level logs values)")
      ->capture_default_str();
  serve->callback([flags, &exit_code] { exit_code.value = RunProxy(*flags); });
}

}  // namespace coffer::cli

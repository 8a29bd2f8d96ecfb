// coffer proxy serve: the MySQL-protocol proxy with data masking
// (src/proxy). Run under `coffer run`, which injects its configuration.
// coffer proxy switchover: an admin's planned switchover, also run under
// `coffer run` (templates/mariadb-scalable/dbclient.yml's operator).
#include <atomic>
#include <iomanip>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "common/log.h"
#include "proxy/admin_client.h"
#include "proxy/config.h"
#include "proxy/proxy_server.h"

namespace coffer::cli {
namespace {

struct ProxyFlags {
  std::string config;
  std::string listen;
  std::string admin;
  std::string log_level = "info";
};

struct SwitchoverFlags {
  std::string proxies;  // HOST:PORT,HOST:PORT...
  std::string to;
  proxy::AdminCredentials credentials;
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
      flags.admin);
  if (!server.ok()) {
    return Fail(server.status(),
                server.status().code() == StatusCode::kUnavailable
                    ? kExitUnavailable
                    : kExitBadInput);
  }
  proxy::ProxyServer& proxy = **server;
  std::cout << proxy.address() << std::endl;  // flushed: scripts wait for it
  Log(LogLevel::kInfo, "proxy serving",
      {{"address", proxy.address()}, {"admin", proxy.http_address()}});
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

int RunSwitchover(const SwitchoverFlags& flags) {
  auto fail = [](const Status& status) {
    std::cerr << "coffer proxy switchover: " << status.message() << "\n";
    return status.code() == StatusCode::kInvalidArgument ? kExitBadInput
           : status.code() == StatusCode::kUnavailable   ? kExitUnavailable
                                                         : kExitRefused;
  };
  std::vector<net::HostPort> proxies;
  std::string_view list = flags.proxies;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    StatusOr<net::HostPort> address =
        net::ParseHostPort(std::string(list.substr(0, comma)));
    if (!address.ok()) return fail(address.status().WithContext("--proxy"));
    proxies.push_back(*address);
    list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
  }
  std::optional<net::HostPort> to;
  if (!flags.to.empty()) {
    StatusOr<net::HostPort> address = net::ParseHostPort(flags.to);
    if (!address.ok()) return fail(address.status().WithContext("--to"));
    to = *address;
  }
  StatusOr<proxy::SwitchoverReply> done =
      proxy::RequestSwitchover(proxies, to, flags.credentials);
  if (!done.ok()) return fail(done.status());
  std::cout << "switchover: the primary is " << done->primary << " (it was "
            << done->previous << "); writes were refused for " << std::fixed
            << std::setprecision(3) << done->seconds << " s\n";
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
  serve->add_option("--admin,--metrics", flags->admin,
                    "HOST:PORT for HTTPS (client certificates of the client "
                    "CA): /metrics, /healthz, and POST /v1/switchover for "
                    "the monitor's admins");
  serve
      ->add_option("--log-level", flags->log_level,
                   "debug, info, warning or error (no level logs values)")
      ->capture_default_str();
  serve->callback([flags, &exit_code] { exit_code.value = RunProxy(*flags); });

  auto switchover_flags = std::make_shared<SwitchoverFlags>();
  CLI::App* switchover = group->add_subcommand(
      "switchover",
      "Planned switchover: a replica in sync becomes the primary and the "
      "primary its replica. Asks each proxy's admin endpoint in turn; the "
      "one whose monitor holds the lease does it.");
  switchover
      ->add_option("--proxy", switchover_flags->proxies,
                   "HOST:PORT[,HOST:PORT...]: the proxies' --admin endpoints")
      ->required();
  switchover->add_option("--to", switchover_flags->to,
                         "HOST:PORT of the next primary (default: the most "
                         "advanced replica in sync)");
  switchover
      ->add_option("--ca", switchover_flags->credentials.ca_path,
                   "PEM: the CA of the proxies' server certificate")
      ->required();
  switchover
      ->add_option("--certificate",
                   switchover_flags->credentials.certificate_path,
                   "PEM: a client certificate whose subject is one of the "
                   "monitor's admins")
      ->required();
  switchover
      ->add_option("--key", switchover_flags->credentials.key_path,
                   "PEM: its private key")
      ->required();
  switchover->callback([switchover_flags, &exit_code] {
    exit_code.value = RunSwitchover(*switchover_flags);
  });
}

}  // namespace coffer::cli

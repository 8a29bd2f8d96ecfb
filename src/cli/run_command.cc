// `coffer run`: the runtime. Attests to the CAS as the program its policy
// names, takes the configuration, and runs the program with it.
//
// Exit codes: the service's own once it runs (128 + N for signal N); 125
// when the runtime could not start it (CAS refused, LAS or CAS not there,
// bad input), with one line on stderr that says why. 125 is outside the
// range programs commonly use, as with `docker run`. With --daemon, a
// service that ends with 0 although nobody asked it to stop gives 1: a
// daemon does not end on its own unless it failed (mariadbd shuts itself
// down cleanly when init.sql fails on its first start).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cas/cas_client.h"
#include "cli/commands.h"
#include "las/client.h"
#include "runtime/attested_configuration.h"
#include "runtime/host_arguments.h"
#include "runtime/service_launch.h"

namespace coffer::cli {
namespace {

constexpr int kExitRuntimeFailed = 125;

struct RunFlags {
  std::string cas;
  std::string las;
  std::string config_id;
  std::vector<std::string> cas_mrenclaves;
  std::vector<std::string> arguments;
  bool daemon = false;
};

std::string Environment(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return value == nullptr ? std::string() : std::string(value);
}

int Fail(const std::string& why) {
  std::cerr << "coffer run: " << why << "\n";
  return kExitRuntimeFailed;
}

int Run(const RunFlags& flags) {
  runtime::AttestOptions options;
  options.cas_address =
      flags.cas.empty() ? cas::DefaultCasAddress() : flags.cas;
  options.las_socket = flags.las.empty() ? las::DefaultSocketPath() : flags.las;
  options.config_id = flags.config_id.empty() ? Environment("COFFER_CONFIG_ID")
                                              : flags.config_id;
  if (options.config_id.empty()) {
    return Fail(
        "no service to run: give --config-id SESSION/SERVICE or set "
        "COFFER_CONFIG_ID");
  }
  options.cas_mrenclaves = flags.cas_mrenclaves;
  options.search_path = Environment("PATH");
  options.now = std::chrono::system_clock::now();

  StatusOr<runtime::AttestedService> service = runtime::AttestAndFetch(options);
  if (!service.ok()) return Fail(service.status().message());
  cas::ServiceConfiguration& configuration = service->configuration;

  StatusOr<std::vector<crypto::SecretBytes>> arguments =
      runtime::FillHostArguments(std::move(configuration.command),
                                 flags.arguments);
  if (!arguments.ok()) return Fail(arguments.status().message());
  if (arguments->empty()) return Fail(options.config_id + " has no command");

  std::cerr << "coffer run: " << options.config_id << ": attested as "
            << service->measurement << " on platform " << service->platform_id
            << "; starting " << service->program_path << " with "
            << configuration.files.size() << " injected file"
            << (configuration.files.size() == 1 ? "" : "s") << "\n";
  runtime::ServiceLaunch launch;
  launch.program = std::move(service->program);
  launch.program_path = service->program_path;
  launch.arguments = *std::move(arguments);
  launch.environment = std::move(configuration.environment);
  launch.working_directory =
      configuration.pwd.empty() ? "/" : configuration.pwd;
  launch.files = std::move(configuration.files);
  StatusOr<runtime::ServiceEnd> end = runtime::RunService(std::move(launch));
  if (!end.ok()) {
    return Fail("cannot start " + options.config_id + ": " +
                end.status().message());
  }
  if (flags.daemon && !end->asked_to_stop && end->exit_code == 0) {
    Fail(options.config_id + ": " + service->program_path +
         " ended on its own (exit code 0) although nobody asked it to stop; "
         "a daemon that ends by itself has failed: its log above says why");
    return 1;
  }
  return end->exit_code;
}

}  // namespace

void AddRunCommand(CLI::App& app, ExitCode& exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* run = app.add_subcommand(
      "run",
      "Run a service: attest to the CAS as the program its policy names, "
      "then run that program with only the policy's arguments, environment "
      "and files (kept in memory only the service sees)");
  run->add_option("--cas", flags->cas,
                  "CAS address HOST:PORT, or several members' "
                  "HOST:PORT,HOST:PORT tried in turn (default "
                  "$COFFER_CAS_ADDR, then 127.0.0.1:8081)");
  run->add_option("--las", flags->las,
                  "LAS socket (default $COFFER_LAS_ADDR, then the LAS's "
                  "default data directory)");
  run->add_option("--config-id", flags->config_id,
                  "SESSION/SERVICE to run (default $COFFER_CONFIG_ID)");
  run->add_option("--cas-mrenclave", flags->cas_mrenclaves,
                  "Accepted CAS measurement, hex (repeatable; default: this "
                  "coffer's own, coffer measure --self)");
  run->add_flag("--daemon", flags->daemon,
                "The service is a daemon: if it ends on its own with exit "
                "code 0 (not after SIGTERM, SIGINT or SIGQUIT), exit 1");
  run->add_option("arguments", flags->arguments,
                  "After --: host arguments for the policy's @@1, @@2, ... "
                  "placeholders");
  run->callback([flags, &exit_code] { exit_code.value = Run(*flags); });
}

}  // namespace coffer::cli

// `coffer las ...`: run the Local Attestation Service and ask it things.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "las/client.h"
#include "las/measurement.h"
#include "las/platform.h"
#include "las/server.h"
#include "las/service.h"

namespace coffer::cli {
namespace {

struct ServeFlags {
  std::string data_dir;
  std::string socket;
  std::vector<std::string> runtimes;
};

struct ClientFlags {
  std::string las;
  std::string report_data;
  std::string output;
};

// Exit code for a failed request to the LAS.
int ExitCodeForLasError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted: return kExitUnavailable;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kOutOfRange: return kExitBadInput;
    default: return kExitRefused;
  }
}

int Fail(std::string_view command, const Status& status, int code) {
  std::cerr << "coffer las " << command << ": " << status.message() << "\n";
  return code;
}

// Runs `server` until SIGTERM or SIGINT.
Status ServeUntilSignalled(las::Server& server) {
  const sigset_t signals = BlockStopSignals();
  std::atomic<bool> served{false};
  std::thread waiter([&server, &served, &signals] {
    WaitForStopSignal(
        signals, [&served] { return served.load(); },
        [&server] { server.Shutdown(); });
  });
  Status status = server.Serve();
  served = true;
  waiter.join();
  return status;
}

int RunServe(const ServeFlags& flags) {
  const std::string data_dir =
      flags.data_dir.empty() ? las::DefaultDataDir() : flags.data_dir;
  StatusOr<std::unique_ptr<las::Platform>> platform =
      las::Platform::OpenOrCreate(data_dir, std::chrono::system_clock::now());
  if (!platform.ok()) return Fail("serve", platform.status(), kExitBadInput);
  // The coffer binary is both LAS and runtime: quotes go to peers running
  // this very executable.
  StatusOr<crypto::Sha256Digest> self = las::SelfIdentity();
  if (!self.ok()) return Fail("serve", self.status(), kExitRefused);
  las::ServiceConfig config{*self, *self, {}};
  for (const std::string& path : flags.runtimes) {
    StatusOr<crypto::Sha256Digest> other = las::HashFileAt(path);
    if (!other.ok()) {
      return Fail("serve", other.status().WithContext("--runtime"),
                  kExitBadInput);
    }
    config.other_runtimes.push_back(*other);
    Log(LogLevel::kInfo, "LAS also serves another coffer build",
        {{"runtime", HexEncode(*other)}, {"path", path}});
  }
  StatusOr<std::unique_ptr<las::Service>> service =
      las::Service::Create(**platform, config);
  if (!service.ok()) return Fail("serve", service.status(), kExitRefused);
  las::ServerOptions options;
  options.socket_path =
      flags.socket.empty() ? data_dir + "/las.sock" : flags.socket;
  StatusOr<std::unique_ptr<las::Server>> server =
      las::Server::Listen(options, **service);
  if (!server.ok()) return Fail("serve", server.status(), kExitBadInput);

  std::cout << (*platform)->id() << std::endl;  // flushed: scripts wait for it
  Log(LogLevel::kInfo, "LAS serving",
      {{"socket", options.socket_path},
       {"platform_id", (*platform)->id()},
       {"data_dir", data_dir},
       {"runtime", HexEncode(*self)}});
  Status served = ServeUntilSignalled(**server);
  if (!served.ok()) return Fail("serve", served, kExitRefused);
  Log(LogLevel::kInfo, "LAS stopped", {{"socket", options.socket_path}});
  return kExitOk;
}

las::Client ClientFor(const ClientFlags& flags) {
  return las::Client(flags.las.empty() ? las::DefaultSocketPath() : flags.las);
}

int RunPlatformId(const ClientFlags& flags) {
  StatusOr<std::string> id = ClientFor(flags).PlatformId();
  if (!id.ok()) {
    return Fail("platform-id", id.status(), ExitCodeForLasError(id.status()));
  }
  std::cout << *id << "\n";
  return kExitOk;
}

// Bytes 32 to 63 of every diagnostic quote. A quote of this coffer has the
// CAS's measurement, and the CAS, the runtime and a joining CAS member
// accept a quote only when those bytes are zero (cas::QuoteBindsKey): so a
// local user cannot turn `las quote` into a CAS's evidence or a CAS
// member's join.
constexpr std::string_view kDiagnosticTag = "coffer las quote: diagnostic!!!!";
static_assert(kDiagnosticTag.size() == 32);

int RunQuote(const ClientFlags& flags) {
  StatusOr<Bytes> report_data = HexDecode(flags.report_data);
  if (!report_data.ok() || report_data->empty() || report_data->size() > 32) {
    std::cerr << "coffer las quote: --report-data must be 1 to 32 bytes in "
                 "hex (2 to 64 hex digits)"
              << (report_data.ok() ? "" : ": " + report_data.status().message())
              << "\n";
    return kExitBadInput;
  }
  report_data->resize(32, 0);
  report_data->insert(report_data->end(), kDiagnosticTag.begin(),
                      kDiagnosticTag.end());
  StatusOr<las::QuoteReply> reply = ClientFor(flags).Quote(*report_data);
  if (!reply.ok()) {
    return Fail("quote", reply.status(), ExitCodeForLasError(reply.status()));
  }
  std::cerr << "mr_enclave " << HexEncode(reply->mr_enclave) << "\n"
            << "mr_signer " << HexEncode(reply->mr_signer) << "\n"
            << "platform_id " << reply->platform_id << "\n";
  if (flags.output.empty()) {
    std::cout << HexEncode(reply->quote) << "\n";
    return kExitOk;
  }
  Status written = WriteFileAtomic(flags.output, reply->quote, 0644);
  if (!written.ok()) return Fail("quote", written, kExitBadInput);
  return kExitOk;
}

void AddClientOption(CLI::App* command, ClientFlags& flags) {
  command->add_option("--las", flags.las,
                      "The LAS's socket (default: $COFFER_LAS_ADDR, else "
                      "$XDG_DATA_HOME/coffer/las/las.sock, else "
                      "~/.local/share/coffer/las/las.sock)");
}

}  // namespace

void AddLasCommands(CLI::App& app, ExitCode& exit_code) {
  CLI::App* las = app.add_subcommand(
      "las",
      "The Local Attestation Service: this machine's platform identity, "
      "simulated quotes and seal keys");
  las->require_subcommand(1);

  auto serve_flags = std::make_shared<ServeFlags>();
  CLI::App* serve = las->add_subcommand(
      "serve",
      "Run the LAS. The first start creates the platform (key, sealing "
      "secret, certificate) in the data directory; later starts reuse it. "
      "Prints the platform ID on stdout, logs to stderr, stops on SIGTERM or "
      "SIGINT. Quotes and seal keys go only to processes running this coffer "
      "executable");
  serve->add_option("--data", serve_flags->data_dir,
                    "Data directory, created 0700 (default: "
                    "$XDG_DATA_HOME/coffer/las, else "
                    "~/.local/share/coffer/las)");
  serve->add_option("--socket", serve_flags->socket,
                    "Socket path (default: DATA/las.sock); created with mode "
                    "0660, so the LAS's user and group may connect");
  serve->add_option("--runtime", serve_flags->runtimes,
                    "Another coffer executable whose runtime may have quotes "
                    "and seal keys here too (repeatable): the next build "
                    "during an upgrade, or the previous one");
  serve->callback(
      [serve_flags, &exit_code] { exit_code.value = RunServe(*serve_flags); });

  auto id_flags = std::make_shared<ClientFlags>();
  CLI::App* platform_id = las->add_subcommand(
      "platform-id",
      "Print the platform ID of the LAS (64 hex digits: the SHA-256 of its "
      "platform key), for a policy's `platforms:`");
  AddClientOption(platform_id, *id_flags);
  platform_id->callback(
      [id_flags, &exit_code] { exit_code.value = RunPlatformId(*id_flags); });

  auto quote_flags = std::make_shared<ClientFlags>();
  CLI::App* quote = las->add_subcommand(
      "quote",
      "Ask the LAS for a simulation quote of this coffer process itself (a "
      "diagnostic: its mr_enclave equals `coffer measure --self`; bytes 32 to "
      "63 of its report data are a fixed tag, so that it never passes for "
      "a CAS's key binding). Writes the "
      "binary quote to FILE with -o, otherwise prints it as hex on one line; "
      "mr_enclave, mr_signer and platform_id go to stderr");
  AddClientOption(quote, *quote_flags);
  quote
      ->add_option("--report-data", quote_flags->report_data,
                   "1 to 32 bytes in hex, zero-padded to 32 in the quote")
      ->required();
  quote->add_option("-o,--output", quote_flags->output,
                    "Write the binary quote to this file");
  quote->callback(
      [quote_flags, &exit_code] { exit_code.value = RunQuote(*quote_flags); });
}

}  // namespace coffer::cli

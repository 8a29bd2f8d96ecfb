// `coffer cas serve` and `coffer cas audit verify`: the CAS itself and the
// check of its audit log. The owner's commands are in cas_commands.cc.
#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cas/audit_log.h"
#include "cas/service.h"
#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "common/files.h"
#include "common/log.h"
#include "crypto/keys.h"
#include "las/client.h"

namespace coffer::cli {
namespace {

struct ServeFlags {
  std::string data_dir;
  std::string listen = "127.0.0.1:8081";
  std::string las;
  std::string collateral;
  std::vector<std::string> owners;
  std::string join;
  std::vector<std::string> recovery_officers;
  int recovery_threshold = 0;
  bool recover = false;
  std::string store;
  std::string etcd_ca, etcd_cert, etcd_key;
};

struct AuditFlags {
  std::string file;
  std::string key;
};

int Fail(std::string_view command, const Status& status, int code) {
  std::cerr << "coffer cas " << command << ": " << status.message() << "\n";
  return code;
}

int ExitCodeForStartError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable: return kExitUnavailable;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound: return kExitBadInput;
    default: return kExitRefused;
  }
}

int RunServe(const ServeFlags& flags) {
  cas::CasOptions options;
  options.data_dir = flags.data_dir;
  options.listen = flags.listen;
  options.las_socket = flags.las.empty() ? las::DefaultSocketPath() : flags.las;
  if (!flags.collateral.empty()) options.collateral_file = flags.collateral;
  options.owners = flags.owners;
  options.join = flags.join;
  options.recovery_officers = flags.recovery_officers;
  options.recovery_threshold = flags.recovery_threshold;
  options.store = flags.store;
  options.etcd_ca = flags.etcd_ca;
  options.etcd_cert = flags.etcd_cert;
  options.etcd_key = flags.etcd_key;
  // Before any thread exists, so that every thread inherits the mask.
  const sigset_t signals = BlockStopSignals();
  if (flags.recover) {
    // Officers' shares first (recovery.h); then this CAS serves the state.
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    std::thread waiter([&] {
      WaitForStopSignal(
          signals, [&done] { return done.load(); }, [&stop] { stop = true; });
    });
    StatusOr<std::vector<std::string>> officers = cas::CasService::Recover(
        options,
        [](const std::string& address) {
          std::cout << address << std::endl;  // officers connect here
        },
        [&stop] { return stop.load(); });
    done = true;
    waiter.join();
    if (!officers.ok()) {
      return Fail("serve", officers.status(),
                  ExitCodeForStartError(officers.status()));
    }
    options.recovered_by = *std::move(officers);
  }
  StatusOr<std::unique_ptr<cas::CasService>> service =
      cas::CasService::Start(options);
  if (!service.ok()) {
    return Fail("serve", service.status(),
                ExitCodeForStartError(service.status()));
  }
  cas::CasService& cas = **service;
  std::cout << cas.address() << std::endl;  // flushed: scripts wait for it
  Log(LogLevel::kInfo, "CAS serving",
      {{"address", cas.address()},
       {"data_dir", options.data_dir},
       {"new_state", cas.created_state()},
       {"measurement", cas.identity().measurement},
       {"platform_id", cas.identity().platform_id}});
  std::atomic<bool> stopped{false};
  std::thread waiter([&] {
    WaitForStopSignal(
        signals, [&stopped] { return stopped.load(); },
        [&cas] { cas.RequestStop(); });
  });
  cas.Wait();
  stopped = true;
  waiter.join();
  service->reset();
  Log(LogLevel::kInfo, "CAS stopped", {{"data_dir", options.data_dir}});
  return kExitOk;
}

int RunAuditVerify(const AuditFlags& flags) {
  std::optional<crypto::PublicKey> key;
  if (!flags.key.empty()) {
    StatusOr<std::string> pem = ReadFile(flags.key);
    if (!pem.ok()) return Fail("audit verify", pem.status(), kExitBadInput);
    StatusOr<crypto::PublicKey> parsed = crypto::PublicKey::FromPem(*pem);
    if (!parsed.ok()) {
      return Fail("audit verify", parsed.status().WithContext(flags.key),
                  kExitBadInput);
    }
    key = *std::move(parsed);
  }
  StatusOr<cas::AuditVerification> verification =
      cas::VerifyAuditLog(flags.file, key.has_value() ? &*key : nullptr);
  if (!verification.ok()) {
    return Fail("audit verify", verification.status(), kExitBadInput);
  }
  const std::string line =
      cas::DescribeAuditVerification(*verification, flags.file);
  if (!verification->intact()) {
    std::cerr << line << "\n";
    return kExitRefused;
  }
  std::cout << line << "\n";
  return kExitOk;
}

}  // namespace

void AddCasServerCommands(CLI::App& cas, ExitCode& exit_code) {
  auto serve_flags = std::make_shared<ServeFlags>();
  CLI::App* serve = cas.add_subcommand(
      "serve",
      "Run the CAS: sessions, secrets and attestation over HTTPS with mutual "
      "TLS. Its state is sealed to this coffer build on this platform (by "
      "the LAS). Prints its address when it is ready; stops cleanly on "
      "SIGTERM.");
  serve
      ->add_option("--data", serve_flags->data_dir,
                   "Directory of the CAS's sealed state and audit log")
      ->required();
  serve
      ->add_option("--listen", serve_flags->listen,
                   "HOST:PORT to serve on (port 0 picks a free one)")
      ->capture_default_str();
  serve->add_option("--las", serve_flags->las,
                    "The LAS socket (default $COFFER_LAS_ADDR, then the "
                    "default LAS data directory's las.sock)");
  serve->add_option("--collateral", serve_flags->collateral,
                    "DCAP collateral JSON for hardware quotes");
  serve->add_option("--owner", serve_flags->owners,
                    "An owner of a new state (repeatable): an identity as "
                    "`coffer cas whoami` prints it. Only owners approve "
                    "builds and platforms (`coffer cas approve`); owners are "
                    "fixed when the state is made");
  serve->add_option(
      "--recovery-officer", serve_flags->recovery_officers,
      "A recovery officer's P-256 public key, PEM (repeatable; "
      "a new state only): the state key is split among them, "
      "each share sealed to one officer, into DATA/recovery.json");
  serve->add_option("--recovery-threshold", serve_flags->recovery_threshold,
                    "How many officers together can recover the state");
  serve->add_flag("--recover", serve_flags->recover,
                  "The --data directory holds a copy of a lost member's "
                  "state: serve the recovery routes until enough officers "
                  "(`coffer cas recover`) gave their shares, then serve it. "
                  "Prints the recovery address first, then the CAS's");
  serve->add_option("--join", serve_flags->join,
                    "HOST:PORT of a running CAS member: take its state into "
                    "the empty --data directory (an upgrade: this build and "
                    "platform must be approved there). The old member "
                    "retires; with a shared --store both serve on");
  serve->add_option("--store", serve_flags->store,
                    "Where the state lives: etcd://HOST:PORT,HOST:PORT for a "
                    "state shared by several members on etcd (--data then "
                    "holds this member's sealed state key and audit log); "
                    "default: SQLite in --data");
  serve->add_option("--etcd-ca", serve_flags->etcd_ca,
                    "PEM CA certificates of etcd's servers (required with "
                    "etcd: TLS only)");
  serve->add_option("--etcd-cert", serve_flags->etcd_cert,
                    "PEM client certificate for etcd (--client-cert-auth)");
  serve->add_option("--etcd-key", serve_flags->etcd_key,
                    "The key of --etcd-cert, PEM");
  serve->callback(
      [serve_flags, &exit_code] { exit_code.value = RunServe(*serve_flags); });

  CLI::App* audit = cas.add_subcommand("audit", "Check the CAS's audit log");
  audit->require_subcommand(1);
  auto audit_flags = std::make_shared<AuditFlags>();
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Check the hash chain and every signature of an audit log; report the "
      "first broken record (exit 1)");
  verify->add_option("FILE", audit_flags->file, "The audit log")->required();
  verify->add_option("--key", audit_flags->key,
                     "PEM public key the log must be signed with (default: "
                     "the key in its first record)");
  verify->callback([audit_flags, &exit_code] {
    exit_code.value = RunAuditVerify(*audit_flags);
  });
}

}  // namespace coffer::cli

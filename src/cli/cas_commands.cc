// `coffer cas attest|whoami`: the owner's side of a CAS (the server's own
// commands, serve and audit, are added by AddCasServerCommands), and the
// connection every session command makes.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "attest/verified_quote.h"
#include "cas/cas_client.h"
#include "cas/client_config.h"
#include "cas/evidence_check.h"
#include "cli/commands.h"
#include "common/encoding.h"

namespace coffer::cli {
namespace {

struct AttestFlags {
  std::string address;
  std::vector<std::string> mrenclaves;
  std::vector<std::string> platforms;
  bool accept_simulation = false;
};

struct WhoamiFlags {
  bool pem = false;
};

int Fail(std::string_view command, std::string_view message, int code) {
  std::cerr << "coffer " << command << ": " << message << "\n";
  return code;
}

std::chrono::system_clock::time_point Now() {
  return std::chrono::system_clock::now();
}

// This user's configuration directory and identity.
StatusOr<std::pair<cas::ClientConfig, cas::UserIdentity>> LoadUser() {
  COFFER_ASSIGN_OR_RETURN(std::string directory, cas::DefaultConfigDirectory());
  COFFER_ASSIGN_OR_RETURN(cas::ClientConfig config,
                          cas::ClientConfig::Open(directory));
  COFFER_ASSIGN_OR_RETURN(cas::UserIdentity identity,
                          config.LoadOrCreateIdentity(Now()));
  return std::make_pair(std::move(config), std::move(identity));
}

void PrintTrusted(const std::string& address, const cas::TrustedCas& trusted,
                  const std::string& pin_path) {
  const attest::VerifiedQuote& quote = trusted.quote;
  std::cout << "attested CAS " << address << "\n"
            << "type: " << attest::QuoteTypeName(quote.type) << "\n"
            << "measurement: " << HexEncode(quote.mrenclave) << "\n";
  if (!quote.platform_id.empty()) {
    std::cout << "platform_id: " << quote.platform_id << "\n";
  }
  std::cout << "identity: " << trusted.identity << "\n"
            << "pinned: " << pin_path << "\n";
}

int RunAttest(const AttestFlags& flags) {
  constexpr std::string_view kCommand = "cas attest";
  const std::string text =
      flags.address.empty() ? cas::DefaultCasAddress() : flags.address;
  StatusOr<cas::CasAddress> address = cas::ParseCasAddress(text);
  if (!address.ok()) {
    return Fail(kCommand, address.status().message(), kExitBadInput);
  }
  const std::string name = address->ToString();
  for (const std::string& id : flags.mrenclaves) {
    if (!IsHex(id, 64) && !IsHex(id, 96)) {
      return Fail(kCommand,
                  "--mrenclave " + id + ": write 64 hex digits (96 for TDX)",
                  kExitBadInput);
    }
  }
  for (const std::string& id : flags.platforms) {
    if (!IsHex(id, 64)) {
      return Fail(kCommand, "--platform " + id + ": write 64 hex digits",
                  kExitBadInput);
    }
  }
  auto user = LoadUser();
  if (!user.ok()) return Fail(kCommand, user.status().message(), kExitBadInput);
  const auto& [config, identity] = *user;

  StatusOr<std::unique_ptr<cas::CasClient>> cas =
      cas::CasClient::ConnectForAttestation(*address, identity.tls());
  if (!cas.ok())
    return Fail(kCommand, cas.status().message(), kExitUnavailable);
  StatusOr<cas::CasEvidence> evidence = (*cas)->Evidence();
  if (!evidence.ok()) {
    return Fail(
        kCommand,
        "CAS " + name + " gave no evidence: " + evidence.status().message(),
        kExitUnavailable);
  }
  cas::EvidenceOptions options;
  options.mrenclaves = flags.mrenclaves;
  options.platforms = flags.platforms;
  options.accept_simulation = flags.accept_simulation;
  options.now = Now();
  StatusOr<cas::TrustedCas> trusted =
      cas::CheckEvidence(*evidence, (*cas)->server_certificate_der(), options);
  if (!trusted.ok()) {
    return Fail(
        kCommand,
        "CAS " + name + " is not trusted: " + trusted.status().message(),
        kExitUnavailable);
  }

  StatusOr<std::optional<crypto::Certificate>> earlier = config.LoadPin(name);
  if (earlier.ok() && earlier->has_value() &&
      (*earlier)->ToDer() != trusted->certificate.ToDer()) {
    std::cerr << "coffer cas attest: the certificate of CAS " << name
              << " changed since it was last attested; pinning the new one\n";
  }
  Status pinned = config.SavePin(name, trusted->certificate);
  if (!pinned.ok()) {
    return Fail(kCommand,
                "cannot pin the CAS's certificate: " + pinned.message(),
                kExitBadInput);
  }
  if (trusted->quote.type == attest::QuoteType::kSimulation) {
    std::cerr << "coffer cas attest: warning: CAS " << name
              << " runs in simulation mode: its memory is not protected from "
                 "its host; trusted because of --accept-simulation\n";
  }
  PrintTrusted(name, *trusted, config.PinPath(name));
  return kExitOk;
}

int RunWhoami(const WhoamiFlags& flags) {
  auto user = LoadUser();
  if (!user.ok()) {
    return Fail("cas whoami", user.status().message(), kExitBadInput);
  }
  const cas::UserIdentity& identity = user->second;
  if (flags.pem) {
    std::cout << identity.certificate.ToPem();
  } else {
    std::cout << identity.hash << "\n";
  }
  return kExitOk;
}

}  // namespace

int ExitCodeForCasError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kUnauthenticated:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnimplemented:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss: return kExitUnavailable;
    default: return kExitRefused;
  }
}

void AddCasOption(CLI::App* command, std::string& address) {
  command->add_option("--cas", address,
                      "The CAS as HOST:PORT, attested before with `coffer cas "
                      "attest`; several members as HOST:PORT,HOST:PORT, tried "
                      "in turn (default: $COFFER_CAS_ADDR, else "
                      "127.0.0.1:8081)");
}

std::unique_ptr<cas::CasClient> ConnectToCas(std::string_view command,
                                             const std::string& address,
                                             int& exit_code) {
  const std::string text = address.empty() ? cas::DefaultCasAddress() : address;
  StatusOr<std::vector<cas::CasAddress>> parsed = cas::ParseCasAddresses(text);
  if (!parsed.ok()) {
    exit_code = Fail(command, parsed.status().message(), kExitBadInput);
    return nullptr;
  }
  auto user = LoadUser();
  if (!user.ok()) {
    exit_code = Fail(command, user.status().message(), kExitBadInput);
    return nullptr;
  }
  // Several members: the first that answers (each attested before).
  StatusOr<std::unique_ptr<cas::CasClient>> cas =
      UnavailableError("no CAS address");
  for (const cas::CasAddress& member : *parsed) {
    cas =
        cas::CasClient::ConnectPinned(member, user->first, user->second.tls());
    if (cas.ok() || !cas::IsUnreachable(cas.status())) break;
  }
  if (!cas.ok()) {
    // A pin that cannot be read is a local problem; the rest is the CAS's.
    const StatusCode code = cas.status().code();
    exit_code = Fail(
        command, cas.status().message(),
        code == StatusCode::kPermissionDenied || code == StatusCode::kDataLoss
            ? kExitBadInput
            : kExitUnavailable);
    return nullptr;
  }
  return std::move(cas).value();
}

CLI::App* AddCasCommands(CLI::App& app, ExitCode& exit_code) {
  CLI::App* cas = app.add_subcommand(
      "cas",
      "The CAS: attest a CAS and pin its certificate; show your identity");
  cas->require_subcommand(1);

  auto attest_flags = std::make_shared<AttestFlags>();
  CLI::App* attest = cas->add_subcommand(
      "attest",
      "Check that the CAS at ADDR runs the expected code: its quote must "
      "bind the TLS key it presents and name an accepted measurement (and "
      "platform). Then pin its certificate in $COFFER_CONFIG, so that later "
      "commands talk only to this CAS. Prints what it trusted. Exit 3 if "
      "the CAS cannot be reached or trusted, 2 for bad options");
  attest->add_option("ADDR", attest_flags->address,
                     "The CAS as HOST:PORT (default: $COFFER_CAS_ADDR, else "
                     "127.0.0.1:8081)");
  attest->add_option("--mrenclave", attest_flags->mrenclaves,
                     "An accepted measurement, 64 hex (repeatable; default: "
                     "this coffer's own, `coffer measure --self`)");
  attest->add_option("--platform", attest_flags->platforms,
                     "An accepted platform ID, 64 hex (repeatable; default: "
                     "any)");
  attest->add_flag("--accept-simulation", attest_flags->accept_simulation,
                   "Trust a CAS whose quote is a simulation quote (no "
                   "hardware protection; for development)");
  attest->callback([attest_flags, &exit_code] {
    exit_code.value = RunAttest(*attest_flags);
  });

  auto whoami_flags = std::make_shared<WhoamiFlags>();
  CLI::App* whoami = cas->add_subcommand(
      "whoami",
      "Print your identity: the SHA-256 of your key, as a session's "
      "access_policy lists it. The key is made in $COFFER_CONFIG (default "
      "~/.config/coffer) on first use");
  whoami->add_flag("--pem", whoami_flags->pem,
                   "Print your certificate (PEM) instead, which "
                   "access_policy also accepts");
  whoami->callback([whoami_flags, &exit_code] {
    exit_code.value = RunWhoami(*whoami_flags);
  });
  return cas;
}

}  // namespace coffer::cli

// `coffer cas approve|revoke|members`: the CAS owners' commands for the CAS
// itself (src/cas/governance.h): which builds and platforms may hold its
// state, and which members have held it. `coffer cas recover`: a recovery
// officer's share for a recovering CAS (src/cas/recovery.h).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cas/cas_client.h"
#include "cas/evidence_check.h"
#include "cas/recovery.h"
#include "cli/commands.h"
#include "common/encoding.h"
#include "common/files.h"
#include "crypto/hash.h"
#include "crypto/sealed_box.h"
#include "net/tls.h"

namespace coffer::cli {
namespace {

using Json = nlohmann::json;

struct ApprovalFlags {
  std::string cas;
  std::string mrenclave;
  std::string platform;
};

int Fail(std::string_view command, std::string_view message, int code) {
  std::cerr << "coffer cas " << command << ": " << message << "\n";
  return code;
}

int RunApproval(const ApprovalFlags& flags, bool approve) {
  const std::string command = approve ? "approve" : "revoke";
  if (flags.mrenclave.empty() == flags.platform.empty()) {
    return Fail(command, "give exactly one of --mrenclave and --platform",
                kExitBadInput);
  }
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("cas " + command, flags.cas, exit_code);
  if (cas == nullptr) return exit_code;
  const bool build = !flags.mrenclave.empty();
  const Json body = {{build ? "mrenclave" : "platform",
                      build ? flags.mrenclave : flags.platform}};
  StatusOr<std::string> answer = cas->Call(
      "POST", approve ? "/v1/cas/approve" : "/v1/cas/revoke", body.dump());
  if (!answer.ok()) {
    return Fail(command, answer.status().message(),
                ExitCodeForCasError(answer.status()));
  }
  std::cout << (approve ? "approved " : "revoked ")
            << (build ? "CAS build " + flags.mrenclave
                      : "platform " + flags.platform)
            << "\n";
  return kExitOk;
}

int RunAuditExport(const std::string& address) {
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("cas audit export", address, exit_code);
  if (cas == nullptr) return exit_code;
  StatusOr<std::string> answer = cas->Call("GET", "/v1/cas/audit");
  if (!answer.ok()) {
    return Fail("audit export", answer.status().message(),
                ExitCodeForCasError(answer.status()));
  }
  const Json body = Json::parse(*answer, nullptr, false);
  if (!body.is_object() || !body.contains("log") || !body["log"].is_string()) {
    return Fail("audit export", "the CAS's answer is not {\"log\": TEXT}",
                kExitUnavailable);
  }
  std::cout << body["log"].get<std::string>();
  return kExitOk;
}

int RunMembers(const std::string& address) {
  int exit_code = kExitOk;
  std::unique_ptr<cas::CasClient> cas =
      ConnectToCas("cas members", address, exit_code);
  if (cas == nullptr) return exit_code;
  StatusOr<std::string> answer = cas->Call("GET", "/v1/cas/members");
  if (!answer.ok()) {
    return Fail("members", answer.status().message(),
                ExitCodeForCasError(answer.status()));
  }
  const Json record = Json::parse(*answer, nullptr, false);
  if (!record.is_object()) {
    return Fail("members", "the CAS's answer is not JSON", kExitUnavailable);
  }
  auto list = [&record](const Json& values) {
    std::string out;
    for (const Json& value : values) {
      if (value.is_string()) out += "  " + value.get<std::string>() + "\n";
    }
    return out.empty() ? std::string("  (none)\n") : out;
  };
  const Json approved = record.value("approved", Json::object());
  std::cout << "owners:\n"
            << list(record.value("owners", Json::array()))
            << "approved CAS builds (mrenclave):\n"
            << list(approved.value("mrenclaves", Json::array()))
            << "approved platforms:\n"
            << list(approved.value("platforms", Json::array())) << "members:\n";
  for (const Json& member : record.value("members", Json::array())) {
    std::cout << "  " << member.value("state", "") << "  "
              << member.value("address", "") << "  build "
              << member.value("measurement", "") << "  platform "
              << member.value("platform", "") << "  since "
              << member.value("since", "") << "  last seen "
              << member.value("last_seen", "")
              << (member.value("this_member", false) ? "  (this member)" : "")
              << "\n";
  }
  return kExitOk;
}

struct RecoverFlags {
  std::string cas;
  std::string key;
  std::string shares;
  std::vector<std::string> mrenclaves;
  bool accept_simulation = false;
};

// The officer's share, opened with their key, sealed again to the
// recovering CAS's attested key and posted to it.
int RunRecover(const RecoverFlags& flags) {
  auto fail = [](const Status& status, int code) {
    return Fail("recover", status.message(), code);
  };
  StatusOr<std::string> pem = ReadFile(flags.key);
  if (!pem.ok()) return fail(pem.status(), kExitBadInput);
  StatusOr<crypto::PrivateKey> key = crypto::PrivateKey::FromPem(*pem);
  if (!key.ok())
    return fail(key.status().WithContext(flags.key), kExitBadInput);
  const std::string officer = HexEncode(crypto::Sha256(key->PublicKeyDer()));
  StatusOr<cas::RecoveryFile> file = cas::ReadRecoveryFile(flags.shares);
  if (!file.ok()) return fail(file.status(), kExitBadInput);
  const auto entry = std::find_if(
      file->shares.begin(), file->shares.end(),
      [&](const cas::RecoveryShare& s) { return s.officer == officer; });
  if (entry == file->shares.end()) {
    return Fail("recover",
                "this key (" + officer + ") is not one of the officers of " +
                    flags.shares,
                kExitBadInput);
  }
  StatusOr<crypto::SecretBytes> share = crypto::OpenSealedBox(
      *key, entry->sealed, cas::RecoveryShareAd(officer, entry->x, false));
  if (!share.ok()) return fail(share.status(), kExitBadInput);

  StatusOr<cas::CasAddress> address = cas::ParseCasAddress(
      flags.cas.empty() ? cas::DefaultCasAddress() : flags.cas);
  if (!address.ok()) return fail(address.status(), kExitBadInput);
  const auto now = std::chrono::system_clock::now();
  StatusOr<crypto::Certificate> certificate =
      net::MakeSelfSignedIdentityCertificate(*key, "coffer recovery officer",
                                             now - std::chrono::minutes(5),
                                             std::chrono::hours(1));
  if (!certificate.ok()) return fail(certificate.status(), kExitRefused);
  const net::TlsIdentity identity{&*key, {&*certificate, 1}};
  StatusOr<std::unique_ptr<cas::CasClient>> connected =
      cas::CasClient::ConnectForAttestation(*address, identity);
  if (!connected.ok()) return fail(connected.status(), kExitUnavailable);
  cas::CasClient& client = **connected;
  StatusOr<cas::CasEvidence> evidence = client.Evidence();
  if (!evidence.ok()) return fail(evidence.status(), kExitUnavailable);
  // The share goes only to a CAS that proved it is the expected build.
  cas::EvidenceOptions trust;
  trust.mrenclaves = flags.mrenclaves;
  trust.accept_simulation = flags.accept_simulation;
  trust.now = now;
  StatusOr<cas::TrustedCas> trusted =
      cas::CheckEvidence(*evidence, client.server_certificate_der(), trust);
  if (!trusted.ok()) {
    return Fail("recover",
                "the CAS at " + client.address() +
                    " is not trusted: " + trusted.status().message(),
                kExitUnavailable);
  }
  StatusOr<crypto::PublicKey> cas_key = trusted->certificate.public_key();
  if (!cas_key.ok()) return fail(cas_key.status(), kExitUnavailable);
  StatusOr<Bytes> box = crypto::SealToPublicKey(
      *cas_key, share->span(), cas::RecoveryShareAd(officer, entry->x, true));
  if (!box.ok()) return fail(box.status(), kExitRefused);
  const Json body = {{"officer", officer}, {"share", HexEncode(*box)}};
  StatusOr<std::string> answer =
      client.Call("POST", "/v1/cas/recovery/share", body.dump());
  if (!answer.ok()) {
    return fail(answer.status(), ExitCodeForCasError(answer.status()));
  }
  const Json status = Json::parse(*answer, nullptr, false);
  if (status.is_object() && status.value("recovered", false)) {
    std::cout << "share given; the CAS recovered its state\n";
  } else if (status.is_object()) {
    std::cout << "share given: " << status.value("received", 0) << " of "
              << status.value("threshold", 0) << " so far\n";
  } else {
    std::cout << *answer << "\n";
  }
  return kExitOk;
}

void AddApproval(CLI::App& cas, bool approve, ExitCode& exit_code) {
  auto flags = std::make_shared<ApprovalFlags>();
  CLI::App* command = cas.add_subcommand(
      approve ? "approve" : "revoke",
      approve ? "As an owner of the CAS: approve a CAS build (a new coffer, "
                "before an upgrade) or a platform, so that a member of it "
                "may join and receive the CAS's state"
              : "As an owner of the CAS: revoke a build or platform; no new "
                "member of it may join (members already serving go on)");
  AddCasOption(command, flags->cas);
  command->add_option("--mrenclave", flags->mrenclave,
                      "A CAS build's measurement, 64 hex (`PATH/TO/coffer "
                      "measure --self`)");
  command->add_option("--platform", flags->platform,
                      "A platform ID, 64 hex (`coffer las platform-id` on "
                      "that machine)");
  command->callback([flags, approve, &exit_code] {
    exit_code.value = RunApproval(*flags, approve);
  });
}

}  // namespace

void AddCasGovernanceCommands(CLI::App& cas, ExitCode& exit_code) {
  AddApproval(cas, true, exit_code);
  AddApproval(cas, false, exit_code);
  auto address = std::make_shared<std::string>();
  CLI::App* members = cas.add_subcommand(
      "members",
      "As an owner of the CAS: its owners, approved builds and platforms, "
      "and every member that held its state (build, platform, serving or "
      "retired, when last seen)");
  AddCasOption(members, *address);
  members->callback(
      [address, &exit_code] { exit_code.value = RunMembers(*address); });

  // `audit` is made by AddCasServerCommands (with `verify`), called first.
  if (CLI::App* audit = cas.get_subcommand("audit"); audit != nullptr) {
    auto audit_address = std::make_shared<std::string>();
    CLI::App* audit_export = audit->add_subcommand(
        "export",
        "As an owner of the CAS: print its whole audit log (with several "
        "members on etcd, the one chain they share) for `coffer cas audit "
        "verify`");
    AddCasOption(audit_export, *audit_address);
    audit_export->callback([audit_address, &exit_code] {
      exit_code.value = RunAuditExport(*audit_address);
    });
  }

  auto recover_flags = std::make_shared<RecoverFlags>();
  CLI::App* recover = cas.add_subcommand(
      "recover",
      "As a recovery officer: give your share to a CAS in recovery mode "
      "(`cas serve --recover`), after checking its evidence; your share "
      "is sealed to the key that evidence binds");
  AddCasOption(recover, recover_flags->cas);
  recover
      ->add_option("--key", recover_flags->key,
                   "Your private key, PEM (the pair of the public key "
                   "given as --recovery-officer)")
      ->required();
  recover
      ->add_option("--shares", recover_flags->shares,
                   "The state's recovery.json")
      ->required();
  recover->add_option("--mrenclave", recover_flags->mrenclaves,
                      "An accepted CAS measurement (repeatable; default: "
                      "this coffer's own)");
  recover->add_flag("--accept-simulation", recover_flags->accept_simulation,
                    "Trust a CAS whose quote is a simulation quote");
  recover->callback([recover_flags, &exit_code] {
    exit_code.value = RunRecover(*recover_flags);
  });
}

}  // namespace coffer::cli

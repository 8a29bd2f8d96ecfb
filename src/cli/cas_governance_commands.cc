// `coffer cas approve|revoke|members`: the CAS owners' commands for the CAS
// itself (src/cas/governance.h): which builds and platforms may hold its
// state, and which members have held it.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cas/cas_client.h"
#include "cli/commands.h"

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
}

}  // namespace coffer::cli

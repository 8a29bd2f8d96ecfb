// The `coffer` command: each group of subcommands registers itself here.
//
// A command's callback returns the process exit code. Codes, everywhere:
// 0 success, 1 refused (by the CAS or a verification), 2 bad input or usage,
// 3 cannot reach or trust a service.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer::cas {
class CasClient;
}  // namespace coffer::cas

namespace coffer::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitUnavailable = 3;

// Where a command leaves its exit code for main() to return.
struct ExitCode {
  int value = kExitOk;
};

void AddSessionCommands(CLI::App& app, ExitCode& exit_code);
// `coffer cas attest|whoami`; returns the `cas` group, to which
// AddCasServerCommands (cas_serve_command.cc) adds `serve` and `audit`.
CLI::App* AddCasCommands(CLI::App& app, ExitCode& exit_code);
void AddCasServerCommands(CLI::App& cas, ExitCode& exit_code);
// `approve`, `revoke`, `members` (cas_governance_commands.cc).
void AddCasGovernanceCommands(CLI::App& cas, ExitCode& exit_code);
void AddQuoteCommands(CLI::App& app, ExitCode& exit_code);
void AddVersionCommand(CLI::App& app, ExitCode& exit_code);
// `coffer las serve|platform-id|quote` and `coffer measure`.
void AddLasCommands(CLI::App& app, ExitCode& exit_code);
void AddMeasureCommand(CLI::App& app, ExitCode& exit_code);
// `coffer run`: the runtime (run_command.cc).
void AddRunCommand(CLI::App& app, ExitCode& exit_code);
// Groups whose parts are not built yet: they exist, explain themselves in
// --help, and say plainly that they are not available.
void AddProxyCommands(CLI::App& app, ExitCode& exit_code);

// Shared by the commands that talk to a CAS (cas_commands.cc).
//
// Adds `--cas ADDR` to `command`.
void AddCasOption(CLI::App* command, std::string& address);
// Connects as this user ($COFFER_CONFIG) to the attested CAS at `address`
// ("" for $COFFER_CAS_ADDR, else 127.0.0.1:8081). On failure prints
// "coffer COMMAND: why" on stderr, sets `exit_code` (2 for a bad address or
// configuration, 3 when the CAS cannot be reached or trusted) and returns
// null.
std::unique_ptr<cas::CasClient> ConnectToCas(std::string_view command,
                                             const std::string& address,
                                             int& exit_code);
// The exit code for an error a CasClient request returned: 3 when the CAS
// could not be reached or trusted, 1 when it refused.
int ExitCodeForCasError(const Status& status);

}  // namespace coffer::cli

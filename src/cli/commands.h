// The `coffer` command: each group of subcommands registers itself here.
//
// A command's callback returns the process exit code. Codes, everywhere:
// 0 success, 1 refused (by the CAS or a verification), 2 bad input or usage,
// 3 cannot reach or trust a service.
#pragma once

#include <CLI/CLI.hpp>

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
void AddQuoteCommands(CLI::App& app, ExitCode& exit_code);
void AddVersionCommand(CLI::App& app, ExitCode& exit_code);
// `coffer las serve|platform-id|quote` and `coffer measure`.
void AddLasCommands(CLI::App& app, ExitCode& exit_code);
void AddMeasureCommand(CLI::App& app, ExitCode& exit_code);
// Groups whose parts are not built yet: they exist, explain themselves in
// --help, and say plainly that they are not available.
void AddPlannedCommands(CLI::App& app, ExitCode& exit_code);

}  // namespace coffer::cli

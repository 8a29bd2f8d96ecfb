#include <iostream>

#include "cli/commands.h"

#ifndef COFFER_VERSION
#define COFFER_VERSION "unknown"
#endif

namespace coffer::cli {

void AddVersionCommand(CLI::App& app, ExitCode& exit_code) {
  CLI::App* version = app.add_subcommand("version", "Print Coffer's version");
  version->callback([&exit_code] {
    std::cout << "coffer " << COFFER_VERSION << "\n";
    exit_code.value = kExitOk;
  });
}

}  // namespace coffer::cli

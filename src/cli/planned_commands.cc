#include <iostream>
#include <string>

#include "cli/commands.h"

namespace coffer::cli {
namespace {

struct Planned {
  const char* name;
  const char* description;
};

// The command groups of DESIGN.md whose parts are still being built.
constexpr Planned kPlanned[] = {
    {"proxy",
     "MySQL-protocol proxy with TLS, masking and routing (not built "
     "yet)"},
};

}  // namespace

void AddPlannedCommands(CLI::App& app, ExitCode& exit_code) {
  for (const Planned& planned : kPlanned) {
    CLI::App* group = app.add_subcommand(planned.name, planned.description);
    group->allow_extras();
    std::string name = planned.name;
    group->callback([&exit_code, name] {
      std::cerr << "coffer " << name
                << ": this command group is not available in this build yet; "
                   "see README.md for what works today.\n";
      exit_code.value = kExitBadInput;
    });
  }
}

}  // namespace coffer::cli

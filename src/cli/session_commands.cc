// `coffer session ...`: the owner's commands on sessions (policies).
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/files.h"
#include "policy/parse.h"

namespace coffer::cli {
namespace {

struct CheckFlags {
  std::string file;
  bool use_env = false;
  std::vector<std::string> assignments;  // VAR=VALUE
  bool fail_on_warning = false;
};

int RunCheck(const CheckFlags& flags) {
  policy::CheckOptions options;
  options.variables.use_env = flags.use_env;
  options.fail_on_warning = flags.fail_on_warning;
  for (const std::string& assignment : flags.assignments) {
    size_t eq = assignment.find('=');
    if (eq == 0 || eq == std::string::npos) {
      std::cerr << "coffer session check: -e " << assignment
                << ": write -e NAME=VALUE\n";
      return kExitBadInput;
    }
    options.variables.values[assignment.substr(0, eq)] =
        assignment.substr(eq + 1);
  }
  StatusOr<std::string> text = ReadFile(flags.file, 1u << 20);
  if (!text.ok()) {
    std::cerr << "coffer session check: cannot read " << flags.file << ": "
              << text.status().message() << "\n";
    return kExitBadInput;
  }
  policy::CheckResult result = policy::ParseSession(*text, options);
  std::cerr << result.diagnostics.Format(flags.file);
  if (!result.session) {
    int errors = result.diagnostics.error_count();
    std::cerr << flags.file << ": " << errors
              << (errors == 1 ? " error" : " errors") << "\n";
    return kExitBadInput;
  }
  const policy::Session& session = *result.session;
  std::cout << "session \"" << session.name << "\" is valid ("
            << session.services.size() << " services, "
            << session.secrets.size() << " secrets)\n"
            << session.hash << "\n";
  return kExitOk;
}

}  // namespace

void AddSessionCommands(CLI::App& app, ExitCode& exit_code) {
  CLI::App* session = app.add_subcommand(
      "session", "Check, create, read, update and verify sessions (policies)");
  session->require_subcommand(1);

  auto flags = std::make_shared<CheckFlags>();
  CLI::App* check = session->add_subcommand(
      "check",
      "Validate a session file offline. Prints its hash on the last line; "
      "problems go to stderr as FILE:LINE:COLUMN: error: MESSAGE (exit 2)");
  check->add_option("FILE", flags->file, "The session file (YAML)")->required();
  check->add_flag("--use-env", flags->use_env,
                  "Replace $VAR and ${VAR} with values from the environment");
  check->add_option("-e", flags->assignments,
                    "Set a template variable: -e NAME=VALUE (repeatable; "
                    "wins over the environment)");
  check->add_flag("--fail-on-warning", flags->fail_on_warning,
                  "Treat warnings (SCONE keys Coffer ignores) as errors");
  check->callback([flags, &exit_code] { exit_code.value = RunCheck(*flags); });
}

}  // namespace coffer::cli

// Entry point of the single `coffer` executable.
#include <csignal>
#include <iostream>

#include "cli/commands.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{
      "Coffer runs MariaDB with its data encrypted at rest, in transit and, "
      "on SGX hardware, during processing. Keys are generated and released "
      "only by an attested policy service (the CAS).",
      "coffer"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every command");
  coffer::cli::ExitCode exit_code;
  coffer::cli::AddVersionCommand(app, exit_code);
  CLI::App* cas = coffer::cli::AddCasCommands(app, exit_code);
  coffer::cli::AddCasServerCommands(*cas, exit_code);
  coffer::cli::AddCasGovernanceCommands(*cas, exit_code);
  coffer::cli::AddSessionCommands(app, exit_code);
  coffer::cli::AddQuoteCommands(app, exit_code);
  coffer::cli::AddLasCommands(app, exit_code);
  coffer::cli::AddMeasureCommand(app, exit_code);
  coffer::cli::AddRunCommand(app, exit_code);
  coffer::cli::AddProxyCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "coffer: " << e.what() << "\n"
              << "Run 'coffer --help' for the commands and their options.\n";
    return coffer::cli::kExitBadInput;
  }
  return exit_code.value;
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to closed pipes and sockets must fail with EPIPE, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  // Errors are values inside Coffer; an exception here is a bug in a
  // library call (out of memory, say), reported instead of aborting.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "coffer: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "coffer: internal error\n";
  }
  return 70;  // EX_SOFTWARE
}

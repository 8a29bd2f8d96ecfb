// `coffer measure`: the measurement (MRENCLAVE) the LAS will compute for a
// program started by this coffer executable.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/encoding.h"
#include "las/measurement.h"
#include "runtime/attested_configuration.h"

namespace coffer::cli {
namespace {

struct MeasureFlags {
  std::string program;
  bool self = false;
  bool verbose = false;
};

std::string_view RoleName(las::MeasuredObject::Role role) {
  switch (role) {
    case las::MeasuredObject::Role::kProgram: return "program";
    case las::MeasuredObject::Role::kInterpreter: return "interpreter";
    case las::MeasuredObject::Role::kSharedObject: return "shared-object";
  }
  return "?";
}

int RunMeasure(const MeasureFlags& flags) {
  if (flags.self == !flags.program.empty()) {
    std::cerr << "coffer measure: give either PROGRAM or --self\n";
    return kExitBadInput;
  }
  StatusOr<las::Measurement> measurement = InternalError("not measured");
  if (flags.self) {
    measurement = las::MeasureSelf();
  } else {
    StatusOr<crypto::Sha256Digest> runtime = las::SelfIdentity();
    if (!runtime.ok()) {
      std::cerr << "coffer measure: cannot hash this coffer executable: "
                << runtime.status().message() << "\n";
      return kExitRefused;
    }
    // A bare name is found as `coffer run` finds a policy's program.
    // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs yet
    const char* search_path = std::getenv("PATH");
    StatusOr<std::string> path = runtime::FindProgram(
        flags.program, search_path == nullptr ? "" : search_path);
    measurement = path.ok() ? las::MeasureProgramAt(*path, *runtime)
                            : StatusOr<las::Measurement>(path.status());
  }
  if (!measurement.ok()) {
    const StatusCode code = measurement.status().code();
    std::cerr << "coffer measure: "
              << (flags.self ? std::string("--self") : flags.program) << ": "
              << measurement.status().message() << "\n";
    return code == StatusCode::kInvalidArgument ||
                   code == StatusCode::kNotFound ||
                   code == StatusCode::kPermissionDenied
               ? kExitBadInput
               : kExitRefused;
  }
  if (flags.verbose) {
    std::cerr << "runtime " << HexEncode(measurement->runtime_identity) << "\n";
    for (const las::MeasuredObject& object : measurement->objects) {
      std::cerr << RoleName(object.role) << " "
                << HexEncode(object.content_hash) << " "
                << (object.name.empty() ? object.path : object.name);
      if (!object.name.empty() && object.name != object.path) {
        std::cerr << " (" << object.path << ")";
      }
      std::cerr << "\n";
    }
  }
  std::cout << measurement->Hex() << "\n";
  return kExitOk;
}

}  // namespace

void AddMeasureCommand(CLI::App& app, ExitCode& exit_code) {
  auto flags = std::make_shared<MeasureFlags>();
  CLI::App* measure = app.add_subcommand(
      "measure",
      "Print the measurement (MRENCLAVE, 64 hex digits) that the LAS computes "
      "when `coffer run` starts PROGRAM: this coffer executable's hash, the "
      "program's contents, its #! interpreter and every shared object the "
      "system loader maps for it. Put it into a policy's `mrenclave`");
  measure->add_option("PROGRAM", flags->program,
                      "The program file, or a name to find on PATH");
  measure->add_flag("--self", flags->self,
                    "Measure this coffer executable itself, as the CAS is "
                    "measured");
  measure->add_flag("-v,--verbose", flags->verbose,
                    "List every measured file and its SHA-256 on stderr");
  measure->callback(
      [flags, &exit_code] { exit_code.value = RunMeasure(*flags); });
}

}  // namespace coffer::cli

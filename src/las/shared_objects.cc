#include "las/shared_objects.h"

#include <chrono>

#include "common/process.h"

namespace coffer::las {
namespace {

constexpr std::chrono::seconds kLoaderTimeout{30};
constexpr size_t kMaxLoaderOutput = 1u << 20;

bool IsVdso(std::string_view name) {
  return name.starts_with("linux-vdso.so.") ||
         name.starts_with("linux-gate.so.");
}

// Removes the " (0x...)" load address glibc prints after each object.
bool StripAddress(std::string_view& line) {
  const size_t open = line.rfind(" (0x");
  if (open == std::string_view::npos || !line.ends_with(')')) return false;
  line = line.substr(0, open);
  return true;
}

}  // namespace

std::string_view SystemLoaderPath() {
#if defined(__x86_64__)
  return "/lib64/ld-linux-x86-64.so.2";
#elif defined(__aarch64__)
  return "/lib/ld-linux-aarch64.so.1";
#else
#error "Coffer knows the system loader of x86-64 and AArch64 only"
#endif
}

StatusOr<std::vector<SharedObject>> ParseLoaderList(std::string_view output) {
  std::vector<SharedObject> objects;
  std::string missing;
  while (!output.empty()) {
    const size_t end = output.find('\n');
    std::string_view line = output.substr(0, end);
    output.remove_prefix(end == std::string_view::npos ? output.size()
                                                       : end + 1);
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) {
      line.remove_prefix(1);
    }
    if (line.empty()) continue;
    const std::string original(line);
    const size_t arrow = line.find(" => ");
    if (arrow != std::string_view::npos &&
        line.substr(arrow + 4) == "not found") {
      if (!missing.empty()) missing += ", ";
      missing += line.substr(0, arrow);
      continue;
    }
    if (!StripAddress(line)) {
      return InvalidArgumentError(
          "unexpected line from the dynamic loader: \"" + original + "\"");
    }
    SharedObject object;
    if (arrow == std::string_view::npos) {
      if (IsVdso(line)) continue;
      object.name = std::string(line);
      object.path = object.name;
    } else {
      object.name = std::string(line.substr(0, arrow));
      object.path = std::string(line.substr(arrow + 4));
    }
    if (object.name.empty() || !object.path.starts_with('/')) {
      return InvalidArgumentError(
          "unexpected line from the dynamic loader: \"" + original + "\"");
    }
    objects.push_back(std::move(object));
  }
  if (!missing.empty()) {
    return NotFoundError("shared libraries not found: " + missing);
  }
  return objects;
}

StatusOr<std::vector<SharedObject>> ListSharedObjects(
    const std::string& program_path) {
  ProcessOptions options;
  options.environment = std::vector<std::string>();
  options.timeout = kLoaderTimeout;
  options.max_output = kMaxLoaderOutput;
  COFFER_ASSIGN_OR_RETURN(
      ProcessResult result,
      RunProcess({std::string(SystemLoaderPath()), "--list", program_path},
                 options));
  if (result.timed_out) {
    return Status(StatusCode::kDeadlineExceeded,
                  "the dynamic loader took longer than " +
                      std::to_string(kLoaderTimeout.count()) +
                      " seconds to list " + program_path);
  }
  // Missing libraries make the loader fail; report them by name first.
  StatusOr<std::vector<SharedObject>> objects =
      ParseLoaderList(result.stdout_data);
  if (!objects.ok() && objects.status().code() == StatusCode::kNotFound) {
    return objects;
  }
  if (result.exit_code != 0) {
    std::string reason = result.stderr_data;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    if (reason.empty()) {
      reason = "exit code " + std::to_string(result.exit_code);
    }
    // "error while loading shared libraries: libx.so: cannot open shared
    // object file": a library is missing, as with "=> not found".
    const StatusCode code =
        reason.find("cannot open shared object file") != std::string::npos
            ? StatusCode::kNotFound
            : StatusCode::kInvalidArgument;
    return Status(
        code, "the dynamic loader cannot load " + program_path + ": " + reason);
  }
  return objects;
}

}  // namespace coffer::las

// Running a child process and collecting what it prints.
//
// Used by tools and tests that drive other programs (mariadb, the coffer CLI
// itself). The child gets exactly the arguments given, no shell, so nothing
// in an argument is ever interpreted. Thread-safe: no shared state.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace coffer {

struct ProcessOptions {
  // Written to the child's standard input, which is then closed.
  std::string stdin_data;
  // When set, the child's environment is exactly this ("NAME=VALUE" items);
  // otherwise it inherits ours.
  std::optional<std::vector<std::string>> environment;
  // The child is killed (SIGKILL) when it runs longer; 0 means no limit.
  std::chrono::milliseconds timeout{0};
  // Output beyond this many bytes a stream is an error (kResourceExhausted).
  size_t max_output = 16u << 20;
};

struct ProcessResult {
  // The exit code, or 128 + N when the child died of signal N.
  int exit_code = 0;
  bool timed_out = false;
  std::string stdout_data;
  std::string stderr_data;
};

// Runs argv[0] (looked up in PATH when it has no slash) and waits for it.
// Fails only when the child cannot be started or its output is too large;
// a child that exits non-zero is a successful run with that exit code.
StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                   const ProcessOptions& options = {});

}  // namespace coffer

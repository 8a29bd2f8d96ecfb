// Parsing and checking a session file: the entry point of src/policy.
//
// ParseSession reads YAML, expands template variables, checks every rule of
// the session language that needs no CAS state, and computes the canonical
// hash. It reports all problems of the file, each with its line and column,
// and never throws. Thread-safe: pure (reads the environment only when
// `variables.use_env` is set).
#pragma once

#include <optional>
#include <string_view>

#include "policy/diagnostics.h"
#include "policy/session.h"
#include "policy/variables.h"

namespace coffer::policy {

struct CheckOptions {
  Variables variables;
  // Keys of SCONE's language that Coffer ignores become errors.
  bool fail_on_warning = false;
};

struct CheckResult {
  // Set only when there are no errors.
  std::optional<Session> session;
  Diagnostics diagnostics;
};

CheckResult ParseSession(std::string_view text, const CheckOptions& options);

}  // namespace coffer::policy

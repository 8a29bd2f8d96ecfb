// Helpers for the policy tests: check a session text and get the report.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/files.h"
#include "policy/parse.h"

namespace coffer::policy::testing {

// Variables of the example sessions in tests/policy/.
inline Variables ExampleVariables() {
  Variables v;
  v.values = {
      {"DBSESSION", "MariaDBSession-1234"},
      {"DBCLIENT", "MariaDBClientSession-99"},
      {"MARIADB_MRENCLAVE", std::string(64, 'a')},
      {"CLIENT_MRENCLAVE", std::string(64, 'c')},
      {"PLATFORMS", std::string(64, '1') + "," + std::string(64, '2')},
  };
  return v;
}

inline CheckResult Check(std::string_view text, Variables variables = {},
                         bool fail_on_warning = false) {
  CheckOptions options;
  options.variables = std::move(variables);
  options.fail_on_warning = fail_on_warning;
  return ParseSession(text, options);
}

// The report as `coffer session check` prints it, for file "f".
inline std::string Report(const CheckResult& result) {
  return result.diagnostics.Format("f");
}

inline std::string ReadTestFile(const std::string& path) {
  StatusOr<std::string> text = ReadFile(path);
  return text.ok() ? *text : "cannot read " + path;
}

}  // namespace coffer::policy::testing

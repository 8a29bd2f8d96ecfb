// Template variables in session files: `$NAME`, `${NAME}` and
// `${NAME:-DEFAULT}`.
//
// Variables are replaced inside scalar values after the YAML is parsed, never
// in the raw text, so a variable's value cannot change the file's structure
// (a value holding ": " or a newline stays one string). `$$` is a literal
// `$`, except that secret substitutions (`$$COFFER::...$$`, `$$SCONE::...$$`)
// pass through untouched for the CAS to resolve. Thread-safe: pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostics.h"
#include "policy/source_map.h"
#include "policy/yaml_tree.h"

namespace coffer::policy {

struct Variables {
  // Read values from the process environment (`--use-env`).
  bool use_env = false;
  // Values given with `-e NAME=VALUE`; they win over the environment.
  std::map<std::string, std::string> values;

  std::optional<std::string> Lookup(const std::string& name) const;
};

// The names of the variables `scalar` refers to, in order (malformed
// references left out): what a client sends along with a session file.
std::vector<std::string> VariableNames(std::string_view scalar);

// Expands every scalar value in `root` (mapping keys stay as written).
// Reports an unset or malformed variable at its own line and column.
void ExpandVariables(YamlNode& root, const SourceMap& source,
                     const Variables& variables, Diagnostics& diagnostics);

}  // namespace coffer::policy

// Internal to src/policy: typed reading of YAML nodes with error reporting.
//
// Every accessor reports a problem at the node's position and returns an
// empty result, so that the parser can go on and find the file's other
// problems. Not thread-safe: one Reader belongs to one check.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostics.h"
#include "policy/yaml_tree.h"

namespace coffer::policy {

// A string together with where it was written.
struct Located {
  std::string text;
  Position position;
};

class Reader {
 public:
  explicit Reader(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  Diagnostics& diagnostics() { return diagnostics_; }
  void Error(Position p, std::string m) { diagnostics_.Error(p, std::move(m)); }
  void Warning(Position p, std::string m) {
    diagnostics_.Warning(p, std::move(m));
  }

  // Checks the keys of `mapping` (described as `context`, e.g. "service
  // \"db\""): `known` are Coffer's keys; `scone_only` are SCONE keys that
  // Coffer ignores with a warning; anything else is an error.
  void CheckKeys(const YamlNode& mapping, std::string_view context,
                 std::initializer_list<std::string_view> known,
                 std::initializer_list<std::string_view> scone_only);

  // True when `node` is a mapping; otherwise reports what it is instead.
  bool ExpectMapping(const YamlNode& node, std::string_view what);

  // The scalar value of `node`; reports lists and mappings. A null node, or
  // one whose variables were unset (already reported), gives nullopt
  // without an error (the caller decides whether it is required).
  std::optional<std::string> Scalar(const YamlNode* node,
                                    std::string_view what);
  // Like Scalar, but a missing or null value is an error at `parent`.
  std::optional<std::string> RequiredScalar(const YamlNode& parent,
                                            std::string_view key,
                                            std::string_view what);
  // A list of scalars; a single scalar counts as a list of one.
  std::vector<Located> ScalarList(const YamlNode* node, std::string_view what);
  std::optional<bool> Bool(const YamlNode* node, std::string_view what);
  // A decimal integer within [min, max].
  std::optional<long long> Integer(const YamlNode* node, std::string_view what,
                                   long long min, long long max);

 private:
  Diagnostics& diagnostics_;
};

// Quotes a value for a message: "x" with control characters shown safely,
// cut to a readable length.
std::string Quote(std::string_view text);

// Suggests the closest candidate when a name was probably misspelt: returns
// "; did you mean \"x\"?" or "".
std::string DidYouMean(std::string_view word,
                       const std::vector<std::string>& candidates);

}  // namespace coffer::policy

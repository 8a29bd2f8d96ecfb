// A YAML document as a tree of nodes that remember where they stand.
//
// Built from libyaml's event stream by an explicit stack (no recursion), so
// hostile nesting cannot overflow the stack: depth, node count and input size
// have limits and exceeding one is an ordinary error. Aliases and multiple
// documents are refused; duplicate keys are errors. Thread-safe: pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/diagnostics.h"

namespace coffer::policy {

struct YamlLimits {
  size_t max_bytes = 1u << 20;
  int max_depth = 64;
  size_t max_nodes = 100000;
};

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };

  Kind kind = Kind::kNull;
  Position position;  // where the node starts
  // kScalar: the value after YAML's unescaping. `quoted` is true for quoted
  // and block scalars, whose text is never read as null.
  std::string scalar;
  bool quoted = false;
  // Set when a template variable in the scalar had no value. That was
  // reported already, so the readers skip the scalar instead of reporting
  // its (meaningless) remains a second time.
  bool unresolved = false;
  // Character offsets of the node's source text (libyaml counts characters).
  size_t begin_index = 0;
  size_t end_index = 0;
  std::vector<YamlNode> items;     // kSequence
  std::vector<YamlEntry> entries;  // kMapping, in the file's order

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_mapping() const { return kind == Kind::kMapping; }

  // The value of `key` in a mapping, or nullptr.
  const YamlNode* Find(std::string_view key) const;
};

struct YamlEntry {
  YamlNode key;
  YamlNode value;
};

// "a mapping", "a list", "a string", "null": for messages.
std::string_view KindName(YamlNode::Kind kind);

// Parses one YAML document. On a syntax error or a broken limit, reports it
// with its position and returns nothing. An empty document is a null node.
std::optional<YamlNode> ParseYaml(std::string_view text,
                                  Diagnostics& diagnostics,
                                  const YamlLimits& limits = {});

}  // namespace coffer::policy

#include "policy/yaml_tree.h"

#include <yaml.h>

#include <memory>
#include <unordered_map>

namespace coffer::policy {
namespace {

Position ToPosition(const yaml_mark_t& mark) {
  return {static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
}

bool IsPlainNull(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// Owns a libyaml parser and the event it last produced.
class EventReader {
 public:
  explicit EventReader(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(
        &parser_, reinterpret_cast<const unsigned char*>(text.data()),
        text.size());
  }
  ~EventReader() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // Reads the next event; false on a syntax error (see ReportError).
  bool Next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    return has_event_;
  }
  const yaml_event_t& event() const { return event_; }

  void ReportError(Diagnostics& diagnostics) const {
    std::string message = "YAML syntax error: ";
    message += parser_.problem != nullptr ? parser_.problem : "unknown problem";
    if (parser_.context != nullptr) {
      message += " (";
      message += parser_.context;
      message += " at line " + std::to_string(parser_.context_mark.line + 1) +
                 ", column " + std::to_string(parser_.context_mark.column + 1) +
                 ")";
    }
    diagnostics.Error(ToPosition(parser_.problem_mark), message);
  }

 private:
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
};

// Reports duplicate keys of a finished mapping; the later one is the error.
void CheckDuplicateKeys(const YamlNode& mapping, Diagnostics& diagnostics) {
  std::unordered_map<std::string_view, int> first_line;
  for (const auto& [key, value] : mapping.entries) {
    auto [it, inserted] = first_line.emplace(key.scalar, key.position.line);
    if (!inserted) {
      diagnostics.Error(key.position, "duplicate key \"" + key.scalar +
                                          "\" (first at line " +
                                          std::to_string(it->second) + ")");
    }
  }
}

}  // namespace

const YamlNode* YamlNode::Find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.scalar == key) return &v;
  }
  return nullptr;
}

std::string_view KindName(YamlNode::Kind kind) {
  switch (kind) {
    case YamlNode::Kind::kNull: return "null";
    case YamlNode::Kind::kScalar: return "a string";
    case YamlNode::Kind::kSequence: return "a list";
    case YamlNode::Kind::kMapping: return "a mapping";
  }
  return "a value";
}

std::optional<YamlNode> ParseYaml(std::string_view text,
                                  Diagnostics& diagnostics,
                                  const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    diagnostics.Error({1, 1}, "the file has " + std::to_string(text.size()) +
                                  " bytes; at most " +
                                  std::to_string(limits.max_bytes) +
                                  " are accepted");
    return std::nullopt;
  }
  EventReader reader(text);
  // Open collections; a mapping's pending key waits in `keys`.
  std::vector<YamlNode> stack;
  std::vector<std::optional<YamlNode>> keys;
  std::optional<YamlNode> root;
  bool seen_document = false;
  size_t nodes = 0;
  bool ok = true;

  // Places a finished node into its parent, or makes it the root.
  auto attach = [&](YamlNode&& node) {
    if (stack.empty()) {
      root = std::move(node);
      return;
    }
    YamlNode& parent = stack.back();
    if (parent.is_sequence()) {
      parent.items.push_back(std::move(node));
    } else if (!keys.back()) {
      if (!node.is_scalar() && !node.is_null()) {
        diagnostics.Error(node.position, "a key must be a plain string, not " +
                                             std::string(KindName(node.kind)));
        ok = false;
      }
      keys.back() = std::move(node);
    } else {
      parent.entries.push_back(
          YamlEntry{std::move(*keys.back()), std::move(node)});
      keys.back().reset();
    }
  };

  while (ok) {
    if (!reader.Next()) {
      reader.ReportError(diagnostics);
      return std::nullopt;
    }
    const yaml_event_t& e = reader.event();
    if (e.type == YAML_STREAM_END_EVENT) break;
    if (++nodes > limits.max_nodes) {
      diagnostics.Error(ToPosition(e.start_mark),
                        "the document has more than " +
                            std::to_string(limits.max_nodes) + " nodes");
      return std::nullopt;
    }
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        if (seen_document) {
          diagnostics.Error(ToPosition(e.start_mark),
                            "a session file holds one YAML document; found "
                            "a second one here");
          return std::nullopt;
        }
        seen_document = true;
        break;
      case YAML_ALIAS_EVENT:
        diagnostics.Error(ToPosition(e.start_mark),
                          "YAML aliases (*name) are not supported in session "
                          "files; write the value out");
        return std::nullopt;
      case YAML_SCALAR_EVENT: {
        YamlNode node;
        node.position = ToPosition(e.start_mark);
        node.begin_index = e.start_mark.index;
        node.end_index = e.end_mark.index;
        node.scalar.assign(reinterpret_cast<const char*>(e.data.scalar.value),
                           e.data.scalar.length);
        node.quoted = e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        node.kind = !node.quoted && IsPlainNull(node.scalar)
                        ? YamlNode::Kind::kNull
                        : YamlNode::Kind::kScalar;
        attach(std::move(node));
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (static_cast<int>(stack.size()) >= limits.max_depth) {
          diagnostics.Error(ToPosition(e.start_mark),
                            "nesting deeper than " +
                                std::to_string(limits.max_depth) +
                                " levels is not accepted");
          return std::nullopt;
        }
        YamlNode node;
        node.kind = e.type == YAML_SEQUENCE_START_EVENT
                        ? YamlNode::Kind::kSequence
                        : YamlNode::Kind::kMapping;
        node.position = ToPosition(e.start_mark);
        node.begin_index = e.start_mark.index;
        stack.push_back(std::move(node));
        keys.emplace_back();
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        YamlNode node = std::move(stack.back());
        stack.pop_back();
        keys.pop_back();
        node.end_index = e.end_mark.index;
        if (node.is_mapping()) CheckDuplicateKeys(node, diagnostics);
        attach(std::move(node));
        break;
      }
      default:  // stream start, document end: nothing to build
        break;
    }
  }
  if (!ok) return std::nullopt;
  if (!root) {  // an empty document
    root = YamlNode{};
    root->position = {1, 1};
  }
  return root;
}

}  // namespace coffer::policy

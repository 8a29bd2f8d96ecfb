#include "policy/variables.h"

#include <cctype>
#include <cstdlib>
#include <optional>
#include <vector>

namespace coffer::policy {
namespace {

struct VariableRef {
  size_t offset = 0;  // of the `$`
  std::string name;   // empty when malformed
  // `${NAME:-TEXT}`: TEXT when NAME is unset or empty, as in the shell, so
  // that a template can add a variable without breaking its callers.
  std::optional<std::string> fallback;
};

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Walks `s`, copying literal text to `out` (when given) and calling
// `on_ref` for each variable reference. Returns nothing; the callback may
// append the variable's value to `out`.
template <typename OnRef>
void Scan(std::string_view s, std::string* out, OnRef on_ref) {
  auto emit = [&](std::string_view piece) {
    if (out != nullptr) out->append(piece);
  };
  size_t i = 0;
  while (i < s.size()) {
    size_t dollar = s.find('$', i);
    if (dollar == std::string_view::npos) {
      emit(s.substr(i));
      break;
    }
    emit(s.substr(i, dollar - i));
    std::string_view rest = s.substr(dollar);
    if (rest.starts_with("$$COFFER::") || rest.starts_with("$$SCONE::")) {
      size_t close = rest.find("$$", 2);
      size_t end = close == std::string_view::npos ? rest.size() : close + 2;
      emit(rest.substr(0, end));
      i = dollar + end;
    } else if (rest.starts_with("$$")) {
      emit("$");
      i = dollar + 2;
    } else if (rest.starts_with("${")) {
      size_t close = rest.find('}');
      std::string_view inside =
          close == std::string_view::npos ? "" : rest.substr(2, close - 2);
      std::string_view name = inside.substr(0, inside.find(":-"));
      std::optional<std::string> fallback;
      if (name.size() < inside.size()) {
        fallback = std::string(inside.substr(name.size() + 2));
      }
      bool valid = !name.empty() && IsNameStart(name[0]);
      for (char c : name) valid = valid && IsNameChar(c);
      // A default is literal text: no `$` in it, so nothing nests.
      valid = valid && (!fallback || fallback->find('$') == std::string::npos);
      on_ref(VariableRef{dollar, valid ? std::string(name) : "",
                         valid ? fallback : std::nullopt});
      i = close == std::string_view::npos ? s.size() : dollar + close + 1;
    } else if (rest.size() > 1 && IsNameStart(rest[1])) {
      size_t end = 1;
      while (end < rest.size() && IsNameChar(rest[end])) ++end;
      on_ref(VariableRef{dollar, std::string(rest.substr(1, end - 1)),
                         std::nullopt});
      i = dollar + end;
    } else {
      emit("$");
      i = dollar + 1;
    }
  }
}

// Where the k-th variable reference of a scalar stands in the file. The raw
// source of the scalar holds the same references in the same order; if it
// does not (an escape sequence made one), the scalar's start is used.
std::vector<Position> RefPositions(const YamlNode& node,
                                   const SourceMap& source, size_t count) {
  size_t begin = source.ByteOfChar(node.begin_index);
  size_t end = source.ByteOfChar(node.end_index);
  std::string_view raw = source.text().substr(begin, end - begin);
  std::vector<Position> positions;
  Scan(raw, nullptr, [&](const VariableRef& ref) {
    positions.push_back(source.PositionOfByte(begin + ref.offset));
  });
  if (positions.size() != count) positions.assign(count, node.position);
  return positions;
}

void ExpandScalar(YamlNode& node, const SourceMap& source,
                  const Variables& variables, Diagnostics& diagnostics) {
  if (node.scalar.find('$') == std::string::npos) return;
  std::string expanded;
  std::vector<std::pair<VariableRef, bool>> refs;  // ref, resolved
  Scan(node.scalar, &expanded, [&](const VariableRef& ref) {
    std::optional<std::string> value;
    if (!ref.name.empty()) value = variables.Lookup(ref.name);
    if (ref.fallback && (!value || value->empty())) value = ref.fallback;
    if (value) expanded += *value;
    refs.emplace_back(ref, value.has_value());
  });
  std::vector<Position> positions = RefPositions(node, source, refs.size());
  for (size_t k = 0; k < refs.size(); ++k) {
    const auto& [ref, resolved] = refs[k];
    if (resolved) continue;
    node.unresolved = true;
    if (ref.name.empty()) {
      diagnostics.Error(positions[k],
                        "malformed variable reference: write ${NAME} with "
                        "NAME of letters, digits and _ (${NAME:-TEXT} for a "
                        "default without $), or $$ for a literal $");
    } else {
      diagnostics.Error(
          positions[k],
          "variable $" + ref.name + " is not set" +
              (variables.use_env
                   ? "; export it or give -e " + ref.name + "=VALUE"
                   : "; give -e " + ref.name +
                         "=VALUE, or --use-env to read it "
                         "from the environment"));
    }
  }
  node.scalar = std::move(expanded);
}

}  // namespace

std::vector<std::string> VariableNames(std::string_view scalar) {
  std::vector<std::string> names;
  Scan(scalar, nullptr, [&](const VariableRef& ref) {
    if (!ref.name.empty()) names.push_back(ref.name);
  });
  return names;
}

std::optional<std::string> Variables::Lookup(const std::string& name) const {
  if (auto it = values.find(name); it != values.end()) return it->second;
  if (use_env) {
    // The checker is documented to read the environment; no thread of ours
    // changes it. NOLINTNEXTLINE(concurrency-mt-unsafe)
    if (const char* value = std::getenv(name.c_str())) return value;
  }
  return std::nullopt;
}

void ExpandVariables(YamlNode& root, const SourceMap& source,
                     const Variables& variables, Diagnostics& diagnostics) {
  // Depth-first over an explicit stack, like the parser, for the same reason.
  std::vector<YamlNode*> pending = {&root};
  while (!pending.empty()) {
    YamlNode* node = pending.back();
    pending.pop_back();
    switch (node->kind) {
      case YamlNode::Kind::kScalar:
        ExpandScalar(*node, source, variables, diagnostics);
        break;
      case YamlNode::Kind::kSequence:
        for (YamlNode& item : node->items) pending.push_back(&item);
        break;
      case YamlNode::Kind::kMapping:
        for (YamlEntry& entry : node->entries) pending.push_back(&entry.value);
        break;
      case YamlNode::Kind::kNull: break;
    }
  }
}

}  // namespace coffer::policy

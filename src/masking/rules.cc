#include "masking/rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/files.h"

namespace coffer::masking {
namespace {

using Json = nlohmann::json;

constexpr char kDefaultFill[] = "X";
constexpr size_t kMaxRulesFileBytes = 16u << 20;

char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Finds the first duplicate key while nlohmann parses (its DOM keeps the
// last value silently, and a second "column" would hide the first). Keeps
// the path of the key being parsed so that the error can name the rule.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        frames_.emplace_back(/*is_array=*/false);
        break;
      case Json::parse_event_t::array_start:
        frames_.emplace_back(/*is_array=*/true);
        break;
      case Json::parse_event_t::key:
        if (!frames_.empty()) {
          Frame& top = frames_.back();
          top.key = parsed.get<std::string>();
          if (!top.keys.insert(top.key).second && !duplicate_) {
            duplicate_ = Path();
          }
        }
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        ValueDone();
        break;
      case Json::parse_event_t::value: ValueDone(); break;
    }
    return true;
  }

  // The duplicate's place, as a "rule N: " prefix (if it is inside a rule)
  // and a dotted key path; nullopt if there is none.
  const std::optional<std::pair<int, std::string>>& duplicate() const {
    return duplicate_;
  }

 private:
  struct Frame {
    explicit Frame(bool array) : is_array(array) {}
    bool is_array;
    size_t index = 0;  // arrays: the element being parsed
    std::string key;   // objects: the key being parsed
    std::set<std::string> keys;
  };

  void ValueDone() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }

  std::pair<int, std::string> Path() const {
    int rule = 0;
    size_t first = 0;
    if (frames_.size() >= 3 && !frames_[0].is_array &&
        frames_[0].key == "rules" && frames_[1].is_array &&
        !frames_[2].is_array) {
      rule = static_cast<int>(frames_[1].index) + 1;
      first = 2;
    }
    std::string path;
    for (size_t i = first; i < frames_.size(); ++i) {
      if (frames_[i].is_array) {
        path += "[" + std::to_string(frames_[i].index + 1) + "]";
      } else {
        if (!path.empty()) path += ".";
        path += frames_[i].key;
      }
    }
    return {rule, path};
  }

  std::vector<Frame> frames_;
  std::optional<std::pair<int, std::string>> duplicate_;
};

// "invalid JSON at line 3, column 7 (byte 41): syntax error ..." from
// nlohmann's exception, whose text repeats its own position.
std::string DescribeParseError(const Json::parse_error& e,
                               std::string_view text) {
  // e.byte counts the characters read, the offending one included.
  const size_t offset =
      std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::string detail = e.what();
  const size_t column_at = detail.find("column ");
  const size_t colon =
      detail.find(": ", column_at == std::string::npos ? 0 : column_at);
  if (colon != std::string::npos) detail = detail.substr(colon + 2);
  return "invalid JSON at line " + std::to_string(line) + ", column " +
         std::to_string(offset - line_start + 1) + " (byte offset " +
         std::to_string(offset) + "): " + detail;
}

}  // namespace

// Builds Rules from the parsed document; every error names the source,
// the rule and the key.
class RuleParser {
 public:
  explicit RuleParser(std::string_view source) : source_(source) {}

  StatusOr<RuleSet> ParseRoot(const Json& root) {
    if (!root.is_object()) {
      return Error("the top level must be an object with a \"rules\" array");
    }
    for (const auto& [key, unused] : root.items()) {
      if (key != "rules") {
        return Error("unknown key " + Quoted(key) +
                     " at the top level (only \"rules\" is allowed)");
      }
    }
    auto rules = root.find("rules");
    if (rules == root.end()) return Error("\"rules\" is missing");
    if (!rules->is_array()) return Error("\"rules\" must be an array");
    RuleSet set;
    set.rules_.reserve(rules->size());
    int index = 0;
    for (const Json& rule_json : *rules) {
      ++index;
      COFFER_ASSIGN_OR_RETURN(Rule rule, ParseRule(rule_json, index));
      set.rules_.push_back(std::move(rule));
    }
    return set;
  }

  Status Error(std::string_view what) const {
    return InvalidArgumentError(std::string(source_) + ": " +
                                std::string(what));
  }

  Status RuleError(int index, std::string_view what) const {
    return Error("rule " + std::to_string(index) + ": " + std::string(what));
  }

 private:
  static bool IsNonEmptyString(const Json& j) {
    return j.is_string() && !j.get_ref<const std::string&>().empty();
  }

  Status CheckKeys(const Json& object, int index, std::string_view prefix,
                   std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, unused] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        const std::string path =
            prefix.empty() ? key : std::string(prefix) + "." + key;
        return RuleError(index, "unknown key " + Quoted(path));
      }
    }
    return OkStatus();
  }

  StatusOr<Rule> ParseRule(const Json& j, int index) const {
    if (!j.is_object()) return RuleError(index, "must be an object");
    COFFER_RETURN_IF_ERROR(
        CheckKeys(j, index, "",
                  {"replace", "obfuscate", "with", "applies_to", "exempted"}));
    const auto obfuscate = j.find("obfuscate");
    const auto replace = j.find("replace");
    const bool has_obfuscate = obfuscate != j.end();
    const bool has_replace = replace != j.end();
    if (!has_obfuscate && !has_replace) {
      return RuleError(index, "has neither \"replace\" nor \"obfuscate\"");
    }

    Rule rule;
    rule.index_ = index;
    if (has_replace) {
      // Checked even when obfuscate wins, so that a typo there is not
      // silently ignored; `with` is only required when replace is used.
      COFFER_RETURN_IF_ERROR(
          ParseReplace(*replace, j, index, !has_obfuscate, rule));
    } else if (j.contains("with")) {
      return RuleError(index, "\"with\" is only allowed in a \"replace\" rule");
    }
    if (has_obfuscate) {
      rule = Rule();
      rule.index_ = index;
      rule.kind_ = Rule::Kind::kObfuscate;
      COFFER_RETURN_IF_ERROR(ParseTarget(*obfuscate, index, "obfuscate",
                                         {"column", "table", "database"},
                                         rule));
    }
    COFFER_ASSIGN_OR_RETURN(rule.applies_to_,
                            ParseAccounts(j, index, "applies_to"));
    COFFER_ASSIGN_OR_RETURN(rule.exempted_,
                            ParseAccounts(j, index, "exempted"));
    return rule;
  }

  // column, table, database of a "replace" or "obfuscate" object.
  Status ParseTarget(const Json& j, int index, std::string_view name,
                     std::initializer_list<std::string_view> allowed,
                     Rule& rule) const {
    const std::string key(name);
    if (!j.is_object()) {
      return RuleError(index, Quoted(key) + " must be an object");
    }
    COFFER_RETURN_IF_ERROR(CheckKeys(j, index, key, allowed));
    const auto column = j.find("column");
    if (column == j.end()) {
      return RuleError(index, Quoted(key + ".column") + " is missing");
    }
    if (!IsNonEmptyString(*column)) {
      return RuleError(index,
                       Quoted(key + ".column") + " must be a non-empty string");
    }
    rule.column_ = column->get<std::string>();
    for (auto [field, target] : {std::pair{"table", &rule.table_},
                                 std::pair{"database", &rule.database_}}) {
      const auto it = j.find(field);
      if (it == j.end()) continue;
      if (!it->is_string()) {
        return RuleError(index,
                         Quoted(key + "." + field) + " must be a string");
      }
      *target = it->get<std::string>();
    }
    return OkStatus();
  }

  Status ParseReplace(const Json& replace, const Json& rule_json, int index,
                      bool with_required, Rule& rule) const {
    COFFER_RETURN_IF_ERROR(ParseTarget(replace, index, "replace",
                                       {"column", "table", "database", "match"},
                                       rule));
    rule.kind_ = Rule::Kind::kReplace;
    const auto match = replace.find("match");
    if (match != replace.end()) {
      if (!IsNonEmptyString(*match)) {
        return RuleError(index, "\"replace.match\" must be a non-empty string");
      }
      StatusOr<MatchPattern> pattern =
          MatchPattern::Compile(match->get_ref<const std::string&>());
      if (!pattern.ok()) {
        return RuleError(index,
                         "\"replace.match\": " + pattern.status().message());
      }
      rule.kind_ = Rule::Kind::kMatch;
      rule.pattern_.emplace(std::move(pattern).value());
    }

    const auto with = rule_json.find("with");
    if (with == rule_json.end()) {
      if (with_required) {
        return RuleError(index,
                         "\"with\" is missing (a \"replace\" rule needs it)");
      }
      return OkStatus();
    }
    if (!with->is_object()) {
      return RuleError(index, "\"with\" must be an object");
    }
    COFFER_RETURN_IF_ERROR(CheckKeys(*with, index, "with", {"value", "fill"}));
    const auto value = with->find("value");
    if (value != with->end()) {
      if (!value->is_string()) {
        return RuleError(index, "\"with.value\" must be a string");
      }
      rule.value_ = value->get<std::string>();
    }
    rule.fill_ = kDefaultFill;
    const auto fill = with->find("fill");
    if (fill != with->end()) {
      if (!IsNonEmptyString(*fill)) {
        return RuleError(index, "\"with.fill\" must be a non-empty string");
      }
      rule.fill_ = fill->get<std::string>();
    }
    return OkStatus();
  }

  StatusOr<std::vector<Account>> ParseAccounts(const Json& rule_json, int index,
                                               std::string_view name) const {
    std::vector<Account> accounts;
    const auto list = rule_json.find(name);
    if (list == rule_json.end()) return accounts;
    const std::string key = Quoted(name);
    if (!list->is_array()) {
      return RuleError(index, key + " must be an array of strings");
    }
    int entry = 0;
    for (const Json& item : *list) {
      ++entry;
      const std::string where = key + " entry " + std::to_string(entry);
      if (!item.is_string()) {
        return RuleError(index, where + " must be a string");
      }
      StatusOr<Account> account =
          Account::Parse(item.get_ref<const std::string&>());
      if (!account.ok()) {
        return RuleError(index, where + ": " + account.status().message());
      }
      accounts.push_back(std::move(account).value());
    }
    return accounts;
  }

  std::string_view source_;
};

std::string Rule::Describe() const {
  return (database_.empty() ? std::string("*") : database_) + "." +
         (table_.empty() ? std::string("*") : table_) + "." + column_;
}

bool Rule::MatchesColumn(const ColumnIdentity& column) const {
  return SameName(column_, column.org_name) &&
         (table_.empty() || column.org_table.empty() ||
          SameName(table_, column.org_table)) &&
         (database_.empty() || column.schema.empty() ||
          SameName(database_, column.schema));
}

bool Rule::AppliesTo(std::string_view user, std::string_view host) const {
  auto matches = [&](const Account& account) {
    return account.Matches(user, host);
  };
  if (!applies_to_.empty() &&
      std::none_of(applies_to_.begin(), applies_to_.end(), matches)) {
    return false;
  }
  return std::none_of(exempted_.begin(), exempted_.end(), matches);
}

Status Rule::Rewrite(std::span<char> value) const {
  switch (kind_) {
    case Kind::kReplace: ReplaceValue(value, value_, fill_); return OkStatus();
    case Kind::kMatch: return pattern_->Match(value, value_, fill_);
    case Kind::kObfuscate: Obfuscate(value); return OkStatus();
  }
  return InternalError("masking rule of unknown kind");
}

void Rule::MaskEntirely(std::span<char> value) const {
  ReplaceValue(value, "", fill_);
}

const Rule* RuleSet::RuleFor(const ColumnIdentity& column,
                             std::string_view user,
                             std::string_view host) const {
  for (const Rule& rule : rules_) {
    if (rule.MatchesColumn(column) && rule.AppliesTo(user, host)) {
      return &rule;
    }
  }
  return nullptr;
}

bool RuleSet::AnyRuleAppliesTo(std::string_view user,
                               std::string_view host) const {
  return std::any_of(rules_.begin(), rules_.end(), [&](const Rule& rule) {
    return rule.AppliesTo(user, host);
  });
}

std::vector<std::string> RuleSet::MaskedColumnNames(
    std::string_view user, std::string_view host) const {
  std::vector<std::string> names;
  for (const Rule& rule : rules_) {
    if (!rule.AppliesTo(user, host)) continue;
    std::string name = rule.column();
    std::transform(name.begin(), name.end(), name.begin(), AsciiLower);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

StatusOr<RuleSet> LoadRules(std::string_view json_text,
                            std::string_view source_name) {
  RuleParser parser(source_name);
  DuplicateKeyFinder duplicates;
  Json root;
  try {
    // Strict: bytes after the document are an error (MaxScale ignores
    // them); comments are not allowed.
    root = Json::parse(json_text.begin(), json_text.end(), std::ref(duplicates),
                       /*allow_exceptions=*/true);
  } catch (const Json::parse_error& e) {
    return parser.Error(DescribeParseError(e, json_text));
  } catch (const Json::exception& e) {
    return parser.Error(std::string("invalid JSON: ") + e.what());
  }
  if (const auto& duplicate = duplicates.duplicate()) {
    const std::string what = "duplicate key " + Quoted(duplicate->second);
    return duplicate->first > 0 ? parser.RuleError(duplicate->first, what)
                                : parser.Error(what);
  }
  return parser.ParseRoot(root);
}

StatusOr<RuleSet> LoadRulesFile(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxRulesFileBytes));
  return LoadRules(text, path);
}

}  // namespace coffer::masking

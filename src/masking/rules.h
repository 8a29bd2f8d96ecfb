// Masking rules in MaxScale's rules-file format, and the question a MySQL
// proxy asks for each result-set column: which rule, if any, masks this
// column for this account?
//
//   {"rules": [
//     {"replace": {"column": "ssn", "table": "people", "database": "app",
//                  "match": "\\d{4}$"},
//      "with": {"value": "XXXX", "fill": "X"},
//      "applies_to": ["'alice'@'%'"], "exempted": ["'admin'@'10.0.0.%'"]},
//     {"obfuscate": {"column": "name"}}]}
//
// A file MaxScale accepts means the same here (first matching rule in file
// order wins; obfuscate wins over replace; fill defaults to "X"), but the
// loader refuses what MaxScale lets through silently: unknown or duplicate
// keys, an empty fill, trailing bytes after the JSON. README.md is the
// reference for users and lists every difference from MaxScale.
//
// Thread safety: a RuleSet is immutable after LoadRules; every const
// method, Rule::Rewrite included, may be called from any thread at once.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "masking/account.h"
#include "masking/rewrite.h"

namespace coffer::masking {

// What a result set's column definition says about where a column comes
// from. Views into the caller's buffers, used only during the call.
struct ColumnIdentity {
  std::string_view schema;     // the database; empty if unknown
  std::string_view org_table;  // the real table name (not the alias)
  std::string_view org_name;   // the real column name; empty for expressions
};

class Rule {
 public:
  enum class Kind { kReplace, kMatch, kObfuscate };

  Kind kind() const { return kind_; }
  // 1-based position in the rules file, for messages ("rule 3").
  int index() const { return index_; }
  // As written in the file (the comparisons ignore ASCII case).
  const std::string& column() const { return column_; }
  const std::string& table() const { return table_; }        // "" = any
  const std::string& database() const { return database_; }  // "" = any
  // For kReplace and kMatch; empty for kObfuscate.
  const std::string& value() const { return value_; }
  const std::string& fill() const { return fill_; }
  // For kMatch: the pattern; nullptr otherwise.
  const MatchPattern* pattern() const {
    return pattern_ ? &*pattern_ : nullptr;
  }
  const std::vector<Account>& applies_to() const { return applies_to_; }
  const std::vector<Account>& exempted() const { return exempted_; }

  // "database.table.column" with "*" for what the rule leaves open, as
  // MaxScale prints a rule in its warnings.
  std::string Describe() const;

  // The column part of the match: the rule's column equals org_name, and
  // its table (database) is unset, or org_table (schema) is empty or equal;
  // all ignoring ASCII case. An empty org_table or schema matches so that
  // a UNION, whose metadata lacks them, cannot escape a table rule.
  bool MatchesColumn(const ColumnIdentity& column) const;

  // The account part: (applies_to is empty or one entry matches) and no
  // exempted entry matches.
  bool AppliesTo(std::string_view user, std::string_view host) const;

  // Masks one value in place (same length); dispatches on kind(). Only a
  // kMatch rule can fail, see MatchPattern::Match: then the whole value has
  // been overwritten with the fill and the error says why.
  Status Rewrite(std::span<char> value) const;
  // Overwrites the whole value with the fill, for a value a kMatch rule's
  // pattern cannot be trusted to read (its bytes are in another character
  // set than the pattern's UTF-8).
  void MaskEntirely(std::span<char> value) const;

 private:
  friend class RuleParser;
  Rule() = default;

  Kind kind_ = Kind::kReplace;
  int index_ = 0;
  std::string column_;
  std::string table_;
  std::string database_;
  std::string value_;
  std::string fill_;
  std::optional<MatchPattern> pattern_;
  std::vector<Account> applies_to_;
  std::vector<Account> exempted_;
};

class RuleSet {
 public:
  // No rules: nothing is masked.
  RuleSet() = default;

  // The first rule, in file order, that matches the column and applies to
  // the account; nullptr if none. The pointer lives as long as the set.
  const Rule* RuleFor(const ColumnIdentity& column, std::string_view user,
                      std::string_view host) const;

  // Whether any rule applies to the account, whatever the column. If not,
  // a session can skip masking altogether (MaxScale's fast path).
  bool AnyRuleAppliesTo(std::string_view user, std::string_view host) const;

  // The column names (ASCII lower-cased) of the rules that apply to the
  // account, each once, in the order of their first rule.
  std::vector<std::string> MaskedColumnNames(std::string_view user,
                                             std::string_view host) const;

  const std::vector<Rule>& rules() const { return rules_; }
  size_t size() const { return rules_.size(); }
  bool empty() const { return rules_.empty(); }

 private:
  friend class RuleParser;
  std::vector<Rule> rules_;
};

// Parses a rules file. `source_name` (usually the path) starts every error
// message. On any error nothing is loaded (kInvalidArgument), with a
// message like
//   rules.json: rule 2: "with.fill" must be a non-empty string
//   rules.json: invalid JSON at line 3, column 7 (byte 41): ...
StatusOr<RuleSet> LoadRules(std::string_view json_text,
                            std::string_view source_name);

// Reads `path` (at most 16 MiB) and loads it, with `path` as the source
// name. A file that cannot be read gives the error of common/files.h.
StatusOr<RuleSet> LoadRulesFile(const std::string& path);

}  // namespace coffer::masking

#include "masking/rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/files.h"

namespace coffer::masking {
namespace {

RuleSet MustLoad(std::string_view json) {
  StatusOr<RuleSet> rules = LoadRules(json, "rules.json");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  return rules.ok() ? std::move(rules).value() : RuleSet();
}

std::string LoadError(std::string_view json) {
  StatusOr<RuleSet> rules = LoadRules(json, "rules.json");
  if (rules.ok()) return "(loaded)";
  EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument);
  return rules.status().message();
}

std::string Rewritten(const Rule& rule, std::string value) {
  Status status = rule.Rewrite(value);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return value;
}

ColumnIdentity Col(std::string_view schema, std::string_view table,
                   std::string_view name) {
  return ColumnIdentity{schema, table, name};
}

// MAXSCALE-REFERENCE.md 1.1: the example of the shape.
TEST(LoadRulesTest, ReferenceExample) {
  RuleSet rules = MustLoad(R"({ "rules": [
    { "replace": { "column": "ssn", "table": "people", "database": "app",
                   "match": "\\d{4}$" },
      "with": { "value": "XXX-XX-XXXX", "fill": "X" },
      "applies_to": [ "'alice'@'%'", "'bob'" ],
      "exempted": [ "'admin'@'10.0.0.%'" ] },
    { "obfuscate": { "column": "name", "table": "people", "database": "app" },
      "applies_to": [], "exempted": [] } ] })");
  ASSERT_EQ(rules.size(), 2u);
  const Rule& match = rules.rules()[0];
  EXPECT_EQ(match.kind(), Rule::Kind::kMatch);
  EXPECT_EQ(match.index(), 1);
  EXPECT_EQ(match.column(), "ssn");
  EXPECT_EQ(match.table(), "people");
  EXPECT_EQ(match.database(), "app");
  EXPECT_EQ(match.value(), "XXX-XX-XXXX");
  EXPECT_EQ(match.fill(), "X");
  ASSERT_NE(match.pattern(), nullptr);
  EXPECT_EQ(match.pattern()->pattern(), "\\d{4}$");
  ASSERT_EQ(match.applies_to().size(), 2u);
  EXPECT_EQ(match.applies_to()[1].user(), "bob");
  ASSERT_EQ(match.exempted().size(), 1u);
  EXPECT_EQ(match.Describe(), "app.people.ssn");
  const Rule& obfuscate = rules.rules()[1];
  EXPECT_EQ(obfuscate.kind(), Rule::Kind::kObfuscate);
  EXPECT_EQ(obfuscate.index(), 2);
  EXPECT_EQ(obfuscate.pattern(), nullptr);
}

TEST(LoadRulesTest, EmptyRulesArrayMasksNothing) {
  RuleSet rules = MustLoad(R"({"rules": []})");
  EXPECT_TRUE(rules.empty());
  EXPECT_EQ(rules.RuleFor(Col("a", "b", "c"), "u", "h"), nullptr);
  EXPECT_FALSE(rules.AnyRuleAppliesTo("u", "h"));
}

TEST(LoadRulesTest, FillDefaultsToX) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "a"}, "with": {}},
      {"replace": {"column": "b"}, "with": {"value": "12"}}]})");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules.rules()[0].kind(), Rule::Kind::kReplace);
  EXPECT_EQ(rules.rules()[0].fill(), "X");
  EXPECT_EQ(rules.rules()[0].value(), "");
  EXPECT_EQ(Rewritten(rules.rules()[0], "abc"), "XXX");
  EXPECT_EQ(Rewritten(rules.rules()[1], "ab"), "12");
  EXPECT_EQ(Rewritten(rules.rules()[1], "abc"), "XXX");
  EXPECT_EQ(rules.rules()[0].Describe(), "*.*.a");
}

TEST(LoadRulesTest, ObfuscateWinsOverReplace) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "r"}, "obfuscate": {"column": "o"},
       "with": {"fill": "Z"}},
      {"obfuscate": {"column": "o2"}, "replace": {"column": "r2"}}]})");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules.rules()[0].kind(), Rule::Kind::kObfuscate);
  EXPECT_EQ(rules.rules()[0].column(), "o");
  EXPECT_EQ(rules.rules()[0].fill(), "");
  EXPECT_EQ(Rewritten(rules.rules()[0], "remo"), "$-~)");
  // With obfuscate present, replace needs no "with".
  EXPECT_EQ(rules.rules()[1].kind(), Rule::Kind::kObfuscate);
  EXPECT_EQ(rules.rules()[1].column(), "o2");
}

// MAXSCALE-REFERENCE.md 1.2 through the loader: rules a, b, c of
// MaxScale's masking_replace test.
TEST(LoadRulesTest, ReplaceVectorsThroughRules) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "a"}, "with": {"fill": "Y"}},
      {"replace": {"column": "b"}, "with": {"value": "012345-ABCD"}},
      {"replace": {"column": "c"},
       "with": {"value": "012345-ABCD", "fill": "Y"}}]})");
  ASSERT_EQ(rules.size(), 3u);
  const Rule& a = rules.rules()[0];
  const Rule& b = rules.rules()[1];
  const Rule& c = rules.rules()[2];
  EXPECT_EQ(Rewritten(a, "blah"), "YYYY");
  EXPECT_EQ(Rewritten(b, "012345-ABC"), "XXXXXXXXXX");
  EXPECT_EQ(Rewritten(c, "012345-ABC"), "YYYYYYYYYY");
  EXPECT_EQ(Rewritten(a, "221073-01AB"), "YYYYYYYYYYY");
  EXPECT_EQ(Rewritten(b, "221073-01AB"), "012345-ABCD");
  EXPECT_EQ(Rewritten(c, "221073-01AB"), "012345-ABCD");
}

TEST(LoadRulesTest, MatchVectorsThroughRules) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "a", "match": "(?<=aaa).*(?=-12)|(?<=-12).*"},
       "with": {"value": "01234-BCD", "fill": "X#@"}},
      {"replace": {"column": "ssn", "match": "\\d{4}$"}, "with": {}}]})");
  ASSERT_EQ(rules.size(), 2u);
  const Rule& a = rules.rules()[0];
  EXPECT_EQ(Rewritten(a, "aaa1234567-12345"), "aaaX#@X#@X-12X#@");
  EXPECT_EQ(Rewritten(a, "aaaABCDEFGHI-12"), "aaa01234-BCD-12");
  EXPECT_EQ(Rewritten(a, "xyz-12345678"), "xyz-12X#@X#@");
  EXPECT_EQ(Rewritten(a, "nothing here"), "nothing here");
  EXPECT_EQ(Rewritten(rules.rules()[1], "721-07-4426"), "721-07-XXXX");
}

TEST(LoadRulesTest, ObfuscateVectorsThroughRules) {
  RuleSet rules = MustLoad(R"({"rules": [{"obfuscate": {"column": "x"}}]})");
  ASSERT_EQ(rules.size(), 1u);
  const Rule& o = rules.rules()[0];
  EXPECT_EQ(Rewritten(o, "remo"), "$-~)");
  EXPECT_EQ(Rewritten(o, "721-07-4426"), "~H;Oj#Q~~(\\");
  EXPECT_EQ(Rewritten(o, "435-22-3267"), "+|bv%~6d{y ");
  EXPECT_EQ(Rewritten(o, "john@example.com"), "0~Zl^7rE~:v~|Qk~");
}

TEST(LoadRulesTest, Utf8InNamesAndValues) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "prénom"}, "with": {"value": "é", "fill": "€"}}]})");
  ASSERT_EQ(rules.size(), 1u);
  const Rule& r = rules.rules()[0];
  // "é" is 2 bytes: it replaces a 2-byte value, whatever its characters.
  EXPECT_EQ(Rewritten(r, "ab"), "é");
  // Otherwise the 3-byte fill is repeated and cut at the byte length: a
  // 4-byte value gets "€" plus its first byte (not valid UTF-8; the length
  // cannot change).
  EXPECT_EQ(Rewritten(r, "abcd"), "€\xE2");
  EXPECT_NE(rules.RuleFor(Col("", "", "prénom"), "u", "h"), nullptr);
  // ASCII case folding only.
  EXPECT_NE(rules.RuleFor(Col("", "", "PRéNOM"), "u", "h"), nullptr);
  EXPECT_EQ(rules.RuleFor(Col("", "", "PRÉNOM"), "u", "h"), nullptr);
}

struct ErrorCase {
  const char* json;
  const char* message;
};

TEST(LoadRulesTest, StructureErrors) {
  for (const ErrorCase& c : {
           ErrorCase{"[]",
                     "rules.json: the top level must be an object with a "
                     "\"rules\" array"},
           ErrorCase{"{}", "rules.json: \"rules\" is missing"},
           ErrorCase{R"({"rules": {}})",
                     "rules.json: \"rules\" must be an array"},
           ErrorCase{R"({"rules": [], "rule": []})",
                     "rules.json: unknown key \"rule\" at the top level (only "
                     "\"rules\" is allowed)"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"}}, 7]})",
                     "rules.json: rule 2: must be an object"},
           ErrorCase{R"({"rules": [{"applies_to": []}]})",
                     "rules.json: rule 1: has neither \"replace\" nor "
                     "\"obfuscate\""},
       }) {
    EXPECT_EQ(LoadError(c.json), c.message) << c.json;
  }
}

TEST(LoadRulesTest, UnknownKeysAreErrors) {
  for (const ErrorCase& c : {
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "applies-to": []}]})",
                     "rules.json: rule 1: unknown key \"applies-to\""},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"}},
                       {"replace": {"column": "a", "tabel": "t"},
                        "with": {}}]})",
                     "rules.json: rule 2: unknown key \"replace.tabel\""},
           ErrorCase{R"({"rules": [{"replace": {"column": "a"},
                                    "with": {"fil": "Y"}}]})",
                     "rules.json: rule 1: unknown key \"with.fil\""},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a",
                                                  "match": "x"}}]})",
                     "rules.json: rule 1: unknown key \"obfuscate.match\""},
           // Checked in the replace part even where obfuscate wins.
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "replace": {"colum": "a"}}]})",
                     "rules.json: rule 1: unknown key \"replace.colum\""},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "with": {"fill": "Y"}}]})",
                     "rules.json: rule 1: \"with\" is only allowed in a "
                     "\"replace\" rule"},
       }) {
    EXPECT_EQ(LoadError(c.json), c.message) << c.json;
  }
}

TEST(LoadRulesTest, FieldErrors) {
  for (const ErrorCase& c : {
           ErrorCase{R"({"rules": [{"replace": "ssn", "with": {}}]})",
                     "rules.json: rule 1: \"replace\" must be an object"},
           ErrorCase{R"({"rules": [{"obfuscate": []}]})",
                     "rules.json: rule 1: \"obfuscate\" must be an object"},
           ErrorCase{R"({"rules": [{"replace": {"table": "t"}, "with": {}}]})",
                     "rules.json: rule 1: \"replace.column\" is missing"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": ""}}]})",
                     "rules.json: rule 1: \"obfuscate.column\" must be a "
                     "non-empty string"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": 5}}]})",
                     "rules.json: rule 1: \"obfuscate.column\" must be a "
                     "non-empty string"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a",
                                                  "table": 1}}]})",
                     "rules.json: rule 1: \"obfuscate.table\" must be a "
                     "string"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a",
                                                "database": null},
                                    "with": {}}]})",
                     "rules.json: rule 1: \"replace.database\" must be a "
                     "string"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a"}}]})",
                     "rules.json: rule 1: \"with\" is missing (a \"replace\" "
                     "rule needs it)"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a"},
                                    "with": "X"}]})",
                     "rules.json: rule 1: \"with\" must be an object"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "x"}},
                       {"replace": {"column": "a"},
                        "with": {"fill": ""}}]})",
                     "rules.json: rule 2: \"with.fill\" must be a non-empty "
                     "string"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a"},
                                    "with": {"fill": 1}}]})",
                     "rules.json: rule 1: \"with.fill\" must be a non-empty "
                     "string"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a"},
                                    "with": {"value": ["v"]}}]})",
                     "rules.json: rule 1: \"with.value\" must be a string"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a", "match": ""},
                                    "with": {}}]})",
                     "rules.json: rule 1: \"replace.match\" must be a "
                     "non-empty string"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a",
                                                "match": "(ab"},
                                    "with": {}}]})",
                     "rules.json: rule 1: \"replace.match\": missing closing "
                     "parenthesis at offset 3"},
           ErrorCase{R"({"rules": [{"replace": {"column": "a",
                                                "match": "a{2,1}"},
                                    "with": {}}]})",
                     "rules.json: rule 1: \"replace.match\": numbers out of "
                     "order in {} quantifier at offset 5"},
       }) {
    EXPECT_EQ(LoadError(c.json), c.message) << c.json;
  }
}

TEST(LoadRulesTest, AccountErrors) {
  for (const ErrorCase& c : {
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "applies_to": "'bob'"}]})",
                     "rules.json: rule 1: \"applies_to\" must be an array of "
                     "strings"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "exempted": {"user": "bob"}}]})",
                     "rules.json: rule 1: \"exempted\" must be an array of "
                     "strings"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "applies_to": ["'bob'", 3]}]})",
                     "rules.json: rule 1: \"applies_to\" entry 2 must be a "
                     "string"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "exempted": ["'bob'@'%", "x"]}]})",
                     "rules.json: rule 1: \"exempted\" entry 1: account "
                     "\"'bob'@'%\": the host part has an unbalanced quote"},
           ErrorCase{R"({"rules": [{"obfuscate": {"column": "a"},
                                    "applies_to": [""]}]})",
                     "rules.json: rule 1: \"applies_to\" entry 1: account "
                     "\"\": is empty"},
       }) {
    EXPECT_EQ(LoadError(c.json), c.message) << c.json;
  }
}

TEST(LoadRulesTest, JsonErrorsGivePosition) {
  EXPECT_EQ(LoadError("{\"rules\": [\n  {\"obfuscate\": tru}\n]}"),
            "rules.json: invalid JSON at line 2, column 20 (byte offset 31): "
            "syntax error while parsing value - invalid literal; last read: "
            "'\"obfuscate\": tru}'");
  // Trailing bytes after the document (MaxScale ignores them).
  EXPECT_EQ(LoadError("{\"rules\": []} x"),
            "rules.json: invalid JSON at line 1, column 15 (byte offset 14): "
            "syntax error while parsing value - invalid literal; last read: "
            "'\"rules\": []} x'; expected end of input");
  EXPECT_EQ(LoadError("{\"rules\": []}\n}"),
            "rules.json: invalid JSON at line 2, column 1 (byte offset 14): "
            "syntax error while parsing value - unexpected '}'; expected end "
            "of input");
  EXPECT_EQ(LoadError(""),
            "rules.json: invalid JSON at line 1, column 1 (byte offset 0): "
            "syntax error while parsing value - unexpected end of input; "
            "expected '[', '{', or a literal");
}

TEST(LoadRulesTest, TrailingWhitespaceIsFine) {
  EXPECT_TRUE(LoadRules("{\"rules\": []}\n\n  ", "r").ok());
}

TEST(LoadRulesTest, DuplicateKeysAreErrors) {
  EXPECT_EQ(LoadError(R"({"rules": [], "rules": []})"),
            "rules.json: duplicate key \"rules\"");
  EXPECT_EQ(LoadError(R"({"rules": [{"obfuscate": {"column": "a"}},
                         {"obfuscate": {"column": "a", "column": "b"}}]})"),
            "rules.json: rule 2: duplicate key \"obfuscate.column\"");
  EXPECT_EQ(LoadError(R"({"rules": [{"obfuscate": {"column": "a"},
                                     "exempted": [], "exempted": []}]})"),
            "rules.json: rule 1: duplicate key \"exempted\"");
  // The same key in different objects is fine.
  EXPECT_TRUE(LoadRules(R"({"rules": [{"obfuscate": {"column": "a"}},
                                       {"obfuscate": {"column": "b"}}]})",
                        "r")
                  .ok());
}

TEST(LoadRulesTest, SourceNameStartsEveryMessage) {
  StatusOr<RuleSet> rules = LoadRules("{}", "/etc/coffer/masking.json");
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().message(),
            "/etc/coffer/masking.json: \"rules\" is missing");
}

TEST(ColumnMatchTest, OrgNameTableAndSchema) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"obfuscate": {"column": "ssn", "table": "people", "database": "app"}}]})");
  const Rule* rule = &rules.rules()[0];
  EXPECT_EQ(rules.RuleFor(Col("app", "people", "ssn"), "u", "h"), rule);
  // Case-insensitive, like MaxScale (MXS-2788).
  EXPECT_EQ(rules.RuleFor(Col("APP", "People", "SSN"), "u", "h"), rule);
  // Empty org_table / schema (a UNION's metadata) match a rule's table.
  EXPECT_EQ(rules.RuleFor(Col("", "", "ssn"), "u", "h"), rule);
  EXPECT_EQ(rules.RuleFor(Col("app", "", "ssn"), "u", "h"), rule);
  EXPECT_EQ(rules.RuleFor(Col("", "people", "ssn"), "u", "h"), rule);
  // Another table or database, or another column: no rule.
  EXPECT_EQ(rules.RuleFor(Col("app", "people2", "ssn"), "u", "h"), nullptr);
  EXPECT_EQ(rules.RuleFor(Col("app2", "people", "ssn"), "u", "h"), nullptr);
  EXPECT_EQ(rules.RuleFor(Col("app", "people", "ssn2"), "u", "h"), nullptr);
  EXPECT_EQ(rules.RuleFor(Col("app", "people", "ss"), "u", "h"), nullptr);
  // An expression has no org_name and is never matched.
  EXPECT_EQ(rules.RuleFor(Col("app", "people", ""), "u", "h"), nullptr);
}

TEST(ColumnMatchTest, RuleWithoutTableMatchesAnyTable) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"obfuscate": {"column": "ssn"}},
      {"obfuscate": {"column": "name", "table": ""}}]})");
  EXPECT_NE(rules.RuleFor(Col("x", "y", "ssn"), "u", "h"), nullptr);
  EXPECT_NE(rules.RuleFor(Col("", "", "SSN"), "u", "h"), nullptr);
  // An empty table in the file is the same as none (as in MaxScale).
  EXPECT_NE(rules.RuleFor(Col("x", "y", "name"), "u", "h"), nullptr);
}

TEST(ColumnMatchTest, FirstMatchingRuleWins) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "ssn", "table": "t1"}, "with": {"fill": "1"}},
      {"replace": {"column": "ssn"}, "with": {"fill": "2"},
       "applies_to": ["'bob'"]},
      {"replace": {"column": "ssn"}, "with": {"fill": "3"}},
      {"replace": {"column": "SSN"}, "with": {"fill": "4"}}]})");
  auto fill_for = [&](std::string_view table, std::string_view user) {
    const Rule* rule = rules.RuleFor(Col("db", table, "ssn"), user, "h");
    return rule == nullptr ? std::string("none") : rule->fill();
  };
  EXPECT_EQ(fill_for("t1", "bob"), "1");
  EXPECT_EQ(fill_for("t1", "alice"), "1");
  EXPECT_EQ(fill_for("", "alice"), "1");
  EXPECT_EQ(fill_for("t2", "bob"), "2");
  EXPECT_EQ(fill_for("t2", "alice"), "3");
}

TEST(AccountRulesTest, AppliesToAndExempted) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"obfuscate": {"column": "all"}},
      {"obfuscate": {"column": "only"},
       "applies_to": ["'alice'", "'bob'@'10.0.0.%'"]},
      {"obfuscate": {"column": "except"}, "exempted": ["'admin'"]},
      {"obfuscate": {"column": "both"},
       "applies_to": ["@'10.0.0.%'"], "exempted": ["'admin'@'10.0.0.1'"]}]})");
  auto masked = [&](std::string_view column, std::string_view user,
                    std::string_view host) {
    return rules.RuleFor(Col("db", "t", column), user, host) != nullptr;
  };
  EXPECT_TRUE(masked("all", "anyone", "1.2.3.4"));

  EXPECT_TRUE(masked("only", "alice", "1.2.3.4"));
  EXPECT_TRUE(masked("only", "bob", "10.0.0.7"));
  EXPECT_FALSE(masked("only", "bob", "1.2.3.4"));
  EXPECT_FALSE(masked("only", "carol", "10.0.0.7"));

  EXPECT_TRUE(masked("except", "alice", "1.2.3.4"));
  EXPECT_FALSE(masked("except", "admin", "1.2.3.4"));

  EXPECT_TRUE(masked("both", "alice", "10.0.0.1"));
  EXPECT_TRUE(masked("both", "admin", "10.0.0.2"));
  EXPECT_FALSE(masked("both", "admin", "10.0.0.1"));
  EXPECT_FALSE(masked("both", "alice", "10.0.1.1"));
  EXPECT_TRUE(masked("both", "alice", "::ffff:10.0.0.9"));
  EXPECT_FALSE(masked("both", "admin", "::ffff:10.0.0.1"));
}

TEST(AccountRulesTest, ExemptedAccountFallsThroughToLaterRules) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "ssn"}, "with": {"fill": "A"},
       "exempted": ["'admin'"]},
      {"replace": {"column": "ssn"}, "with": {"fill": "B"}}]})");
  const Rule* rule = rules.RuleFor(Col("", "", "ssn"), "admin", "h");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->fill(), "B");
}

TEST(AccountRulesTest, AnyRuleAppliesTo) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"obfuscate": {"column": "a"}, "applies_to": ["'alice'"]},
      {"obfuscate": {"column": "b"}, "applies_to": ["'bob'@'10.%'"],
       "exempted": ["@'10.0.0.1'"]}]})");
  EXPECT_TRUE(rules.AnyRuleAppliesTo("alice", "1.1.1.1"));
  EXPECT_TRUE(rules.AnyRuleAppliesTo("bob", "10.0.0.2"));
  EXPECT_FALSE(rules.AnyRuleAppliesTo("bob", "10.0.0.1"));
  EXPECT_FALSE(rules.AnyRuleAppliesTo("bob", "11.0.0.2"));
  EXPECT_FALSE(rules.AnyRuleAppliesTo("carol", "10.0.0.2"));
}

TEST(AccountRulesTest, MaskedColumnNames) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"obfuscate": {"column": "SSN", "table": "t1"}},
      {"obfuscate": {"column": "Name"}, "applies_to": ["'alice'"]},
      {"obfuscate": {"column": "ssn", "table": "t2"}},
      {"obfuscate": {"column": "email"}, "exempted": ["'alice'"]}]})");
  EXPECT_EQ(rules.MaskedColumnNames("alice", "h"),
            (std::vector<std::string>{"ssn", "name"}));
  EXPECT_EQ(rules.MaskedColumnNames("bob", "h"),
            (std::vector<std::string>{"ssn", "email"}));
  EXPECT_TRUE(RuleSet().MaskedColumnNames("bob", "h").empty());
}

TEST(RuleRewriteTest, ConcurrentMatchRule) {
  RuleSet rules = MustLoad(R"({"rules": [
      {"replace": {"column": "ssn", "match": "\\d{4}$"},
       "with": {"value": "####", "fill": "X"}}]})");
  const Rule* rule = rules.RuleFor(Col("", "", "ssn"), "u", "h");
  ASSERT_NE(rule, nullptr);
  constexpr int kThreads = 8;
  constexpr int kIterations = 5000;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([rule, &failures, t] {
      for (int i = 0; i < kIterations; ++i) {
        std::string value = std::to_string(t) + "-" + std::to_string(i) + "-" +
                            std::to_string(1000 + (i * 31 + t) % 9000);
        std::string expected = value.substr(0, value.size() - 4) + "####";
        if (!rule->Rewrite(value).ok() || value != expected) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

TEST(LoadRulesFileTest, ReadsAndNamesTheFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("masking_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.json").string();
  const std::string bad = (dir / "bad.json").string();
  ASSERT_TRUE(WriteFileAtomic(
                  good, std::string_view(
                            R"({"rules": [{"obfuscate": {"column": "a"}}]})"))
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(bad, std::string_view(R"({"rules": 1})")).ok());
  StatusOr<RuleSet> loaded = LoadRulesFile(good);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->size(), 1u);
  StatusOr<RuleSet> failed = LoadRulesFile(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), bad + ": \"rules\" must be an array");
  StatusOr<RuleSet> missing = LoadRulesFile((dir / "none.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coffer::masking

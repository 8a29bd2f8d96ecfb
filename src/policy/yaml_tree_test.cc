#include "policy/yaml_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coffer::policy {
namespace {

using ::testing::HasSubstr;

TEST(YamlTreeTest, BuildsNodesWithPositions) {
  Diagnostics d;
  std::optional<YamlNode> root =
      ParseYaml("a: 1\nb:\n  - x\n  - 'null'\n  - null\nc: {d: e}\n", d);
  ASSERT_TRUE(root.has_value());
  ASSERT_TRUE(root->is_mapping());
  const YamlNode* b = root->Find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->is_sequence());
  ASSERT_EQ(b->items.size(), 3u);
  EXPECT_EQ(b->items[0].position, (Position{3, 5}));
  EXPECT_TRUE(b->items[1].is_scalar());  // quoted: a string
  EXPECT_TRUE(b->items[2].is_null());
  EXPECT_EQ(root->Find("c")->Find("d")->scalar, "e");
  EXPECT_FALSE(d.has_errors());
}

TEST(YamlTreeTest, SyntaxErrorHasPosition) {
  Diagnostics d;
  EXPECT_FALSE(ParseYaml("a: [1, 2\nb: 3\n", d).has_value());
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_EQ(d.items()[0].position.line, 2);
  EXPECT_THAT(d.items()[0].message, HasSubstr("YAML syntax error"));
}

TEST(YamlTreeTest, DuplicateKeysAreErrors) {
  Diagnostics d;
  EXPECT_TRUE(ParseYaml("a: 1\nb: 2\na: 3\n", d).has_value());
  EXPECT_EQ(d.Format("f"),
            "f:3:1: error: duplicate key \"a\" (first at line 1)\n");
}

TEST(YamlTreeTest, AliasesAndSecondDocumentsAreRefused) {
  Diagnostics d1;
  EXPECT_FALSE(ParseYaml("a: &x 1\nb: *x\n", d1).has_value());
  EXPECT_THAT(d1.Format("f"), HasSubstr("f:2:4: error: YAML aliases"));
  Diagnostics d2;
  EXPECT_FALSE(ParseYaml("a: 1\n---\nb: 2\n", d2).has_value());
  EXPECT_THAT(d2.Format("f"), HasSubstr("f:2:1: error: a session file holds "
                                        "one YAML document"));
}

TEST(YamlTreeTest, DeepNestingIsAnErrorNotACrash) {
  Diagnostics d;
  std::string deep(100000, '[');
  EXPECT_FALSE(ParseYaml(deep, d).has_value());
  EXPECT_THAT(d.Format("f"), HasSubstr("nesting deeper than 64 levels"));
  Diagnostics d2;
  std::string dashes;
  for (int i = 0; i < 5000; ++i) dashes += "- ";
  EXPECT_FALSE(ParseYaml(dashes + "x\n", d2).has_value());
  EXPECT_THAT(d2.Format("f"), HasSubstr("nesting deeper than 64 levels"));
}

TEST(YamlTreeTest, SizeAndNodeLimits) {
  Diagnostics d;
  YamlLimits limits;
  limits.max_bytes = 10;
  EXPECT_FALSE(ParseYaml("a: 12345678901\n", d, limits).has_value());
  EXPECT_THAT(d.Format("f"), HasSubstr("at most 10 are accepted"));
  Diagnostics d2;
  limits = YamlLimits{};
  limits.max_nodes = 5;
  EXPECT_FALSE(ParseYaml("[1, 2, 3, 4, 5, 6]", d2, limits).has_value());
  EXPECT_THAT(d2.Format("f"), HasSubstr("more than 5 nodes"));
}

TEST(YamlTreeTest, ComplexKeysAreRefused) {
  Diagnostics d;
  EXPECT_FALSE(ParseYaml("? [a, b]\n: c\n", d).has_value());
  EXPECT_THAT(d.Format("f"), HasSubstr("a key must be a plain string"));
}

TEST(YamlTreeTest, EmptyDocumentIsNull) {
  Diagnostics d;
  std::optional<YamlNode> root = ParseYaml("# only a comment\n", d);
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->is_null());
}

}  // namespace
}  // namespace coffer::policy

#include "sql/lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coffer::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr LexMode kDefault{};
constexpr LexMode kAnsi{true, false};
constexpr LexMode kNoBackslash{false, true};

std::string KindName(TokenKind k) {
  switch (k) {
    case TokenKind::kEnd: return "end";
    case TokenKind::kWord: return "word";
    case TokenKind::kQuotedIdent: return "qident";
    case TokenKind::kString: return "str";
    case TokenKind::kNationalString: return "nstr";
    case TokenKind::kHexString: return "hex";
    case TokenKind::kBitString: return "bits";
    case TokenKind::kInteger: return "int";
    case TokenKind::kDecimal: return "dec";
    case TokenKind::kFloat: return "float";
    case TokenKind::kUserVar: return "uvar";
    case TokenKind::kSysVar: return "svar";
    case TokenKind::kPlaceholder: return "param";
    case TokenKind::kOperator: return "op";
    case TokenKind::kVersionedComment: return "versioned";
  }
  return "?";
}

// "kind:text" for every token but the final kEnd.
std::vector<std::string> Lex(std::string_view sql, LexMode mode = kDefault) {
  auto tokens = Tokenize(sql, mode);
  if (!tokens.ok()) return {"error: " + tokens.status().message()};
  std::vector<std::string> out;
  for (const Token& t : *tokens) {
    if (t.kind == TokenKind::kEnd) break;
    out.push_back(KindName(t.kind) + ":" + t.text);
  }
  return out;
}

std::string LexError(std::string_view sql, LexMode mode = kDefault) {
  auto tokens = Tokenize(sql, mode);
  return tokens.ok() ? "no error" : tokens.status().message();
}

TEST(LexerTest, EmptyInputIsJustEnd) {
  auto tokens = Tokenize("", kDefault);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kEnd);
}

TEST(LexerTest, HashCommentRunsToEndOfLine) {
  EXPECT_THAT(Lex("a # b c\nd"), ElementsAre("word:a", "word:d"));
  EXPECT_THAT(Lex("a #"), ElementsAre("word:a"));
}

TEST(LexerTest, DashDashCommentNeedsWhitespaceOrControlAfter) {
  EXPECT_THAT(Lex("a -- b\nc"), ElementsAre("word:a", "word:c"));
  EXPECT_THAT(Lex("a --\tb\nc"), ElementsAre("word:a", "word:c"));
  EXPECT_THAT(Lex("a --\nc"), ElementsAre("word:a", "word:c"));
  EXPECT_THAT(Lex("a --\x01x\nc"), ElementsAre("word:a", "word:c"));
  EXPECT_THAT(Lex("a --"), ElementsAre("word:a"));
  EXPECT_THAT(Lex("1--1"), ElementsAre("int:1", "op:-", "op:-", "int:1"));
  EXPECT_THAT(Lex("a--b"), ElementsAre("word:a", "op:-", "op:-", "word:b"));
}

TEST(LexerTest, DashDashBeforeNonAsciiIsRefused) {
  EXPECT_THAT(LexError("a --\xC2\xA0 b"), HasSubstr("non-ASCII"));
}

TEST(LexerTest, BlockCommentsAreSeparatorsAndDoNotNest) {
  EXPECT_THAT(Lex("ss/**/n"), ElementsAre("word:ss", "word:n"));
  EXPECT_THAT(Lex("a /* x /* y */ b"), ElementsAre("word:a", "word:b"));
  EXPECT_THAT(Lex("a /* x */ */ b"),
              ElementsAre("word:a", "op:*", "op:/", "word:b"));
  EXPECT_THAT(Lex("/*+ hint */ a"), ElementsAre("word:a"));
}

TEST(LexerTest, UnterminatedCommentIsAnError) {
  EXPECT_EQ(LexError("a /* b"), "sql: 1:3: unterminated comment");
  EXPECT_EQ(LexError("a /*/"), "sql: 1:3: unterminated comment");
  EXPECT_EQ(LexError("/*! a"), "sql: 1:1: unterminated comment");
}

TEST(LexerTest, ExecutableCommentContentIsCode) {
  EXPECT_THAT(Lex("SELECT/*!ssn*/"), ElementsAre("word:SELECT", "word:ssn"));
  EXPECT_THAT(Lex("a /*! b, c */ d"),
              ElementsAre("word:a", "word:b", "op:,", "word:c", "word:d"));
  EXPECT_THAT(Lex("a /*M! b */"), ElementsAre("word:a", "word:b"));
  EXPECT_THAT(Lex("/*! 'x*/y' */"), ElementsAre("str:x*/y"));
  // `/*m!` is not MariaDB's marker: a plain comment.
  EXPECT_THAT(Lex("a /*m! b */"), ElementsAre("word:a"));
}

TEST(LexerTest, VersionedExecutableCommentIsItsOwnTokenKind) {
  EXPECT_THAT(Lex("SELECT /*!50001 ssn */ 1"),
              ElementsAre("word:SELECT", "versioned:/*!50001 ssn */", "int:1"));
  EXPECT_THAT(Lex("/*M!100100 x */"), ElementsAre("versioned:/*M!100100 x */"));
  EXPECT_THAT(Lex("/*!1 x */"), ElementsAre("versioned:/*!1 x */"));
}

TEST(LexerTest, CommentsInsideExecutableCommentsAreRefused) {
  EXPECT_THAT(LexError("/*! a /* b */ c */"), HasSubstr("nested"));
  EXPECT_THAT(LexError("/*! a # b */\n"), HasSubstr("line comment"));
  EXPECT_THAT(LexError("/*! a -- b */\n"), HasSubstr("line comment"));
  // The server does not end a statement inside one (a syntax error).
  EXPECT_THAT(LexError("SELECT 1 /*! ;SELECT 2 */"), HasSubstr("';'"));
  EXPECT_THAT(Lex("/*! ';' */"), ElementsAre("str:;"));
}

TEST(LexerTest, SingleQuotedStrings) {
  EXPECT_THAT(Lex("'a''b'"), ElementsAre("str:a'b"));
  EXPECT_THAT(Lex(R"('a\'b')"), ElementsAre("str:a'b"));
  EXPECT_THAT(Lex(R"('a\nb\\c\%\_\0')"),
              ElementsAre(std::string("str:a\nb\\c\\%\\_") + '\0'));
  EXPECT_THAT(Lex("'a\"b'"), ElementsAre("str:a\"b"));
  EXPECT_THAT(Lex("'a' 'b'"), ElementsAre("str:a", "str:b"));
}

TEST(LexerTest, NoBackslashEscapesKeepsBackslash) {
  EXPECT_THAT(Lex(R"('a\')", kNoBackslash), ElementsAre(R"(str:a\)"));
  EXPECT_THAT(LexError(R"('a\')"), HasSubstr("unterminated string"));
  // The same bytes split differently: one string, or a string, a word and
  // an unterminated string.
  EXPECT_THAT(Lex(R"('a\'b')"), ElementsAre("str:a'b"));
  EXPECT_THAT(LexError(R"('a\'b')", kNoBackslash),
              HasSubstr("unterminated string"));
}

TEST(LexerTest, DoubleQuotesDependOnAnsiQuotes) {
  EXPECT_THAT(Lex("\"ssn\""), ElementsAre("str:ssn"));
  EXPECT_THAT(Lex("\"ssn\"", kAnsi), ElementsAre("qident:ssn"));
  EXPECT_THAT(Lex("\"a\"\"b\"", kAnsi), ElementsAre("qident:a\"b"));
  // No backslash escapes in identifiers.
  EXPECT_THAT(Lex(R"("a\")", kAnsi), ElementsAre(R"(qident:a\)"));
  EXPECT_THAT(LexError(R"("a\")"), HasSubstr("unterminated string"));
}

TEST(LexerTest, BacktickIdentifiers) {
  EXPECT_THAT(Lex("`a``b`"), ElementsAre("qident:a`b"));
  EXPECT_THAT(Lex("`se lect`"), ElementsAre("qident:se lect"));
  EXPECT_THAT(LexError("`abc"), HasSubstr("unterminated quoted identifier"));
}

TEST(LexerTest, PrefixedStrings) {
  EXPECT_THAT(Lex("N'x'"), ElementsAre("nstr:x"));
  EXPECT_THAT(Lex("n'x'"), ElementsAre("nstr:x"));
  EXPECT_THAT(Lex("X'4A'"), ElementsAre("hex:4A"));
  EXPECT_THAT(Lex("x'4a'"), ElementsAre("hex:4a"));
  EXPECT_THAT(Lex("B'0101'"), ElementsAre("bits:0101"));
  EXPECT_THAT(Lex("_utf8mb4'x'"), ElementsAre("word:_utf8mb4", "str:x"));
  EXPECT_THAT(LexError("X'4'"), HasSubstr("odd number"));
  EXPECT_THAT(LexError("X'4G'"), HasSubstr("invalid hexadecimal"));
  EXPECT_THAT(LexError("B'012'"), HasSubstr("invalid binary"));
  EXPECT_THAT(LexError("X'4A"), HasSubstr("unterminated"));
}

TEST(LexerTest, HexAndBinaryNumbersAreLowerCaseOnly) {
  EXPECT_THAT(Lex("0x4A"), ElementsAre("hex:4A"));
  EXPECT_THAT(Lex("0b0101"), ElementsAre("bits:0101"));
  EXPECT_THAT(Lex("0X4A"), ElementsAre("word:0X4A"));
  EXPECT_THAT(Lex("0B01"), ElementsAre("word:0B01"));
  EXPECT_THAT(Lex("0x"), ElementsAre("word:0x"));
  EXPECT_THAT(Lex("0x4g"), ElementsAre("word:0x4g"));
  EXPECT_THAT(Lex("0b012"), ElementsAre("word:0b012"));
  EXPECT_THAT(Lex("0x4A+1"), ElementsAre("hex:4A", "op:+", "int:1"));
}

TEST(LexerTest, Numbers) {
  EXPECT_THAT(Lex("123"), ElementsAre("int:123"));
  EXPECT_THAT(Lex("1.5"), ElementsAre("dec:1.5"));
  EXPECT_THAT(Lex(".5"), ElementsAre("dec:.5"));
  EXPECT_THAT(Lex("1."), ElementsAre("dec:1."));
  EXPECT_THAT(Lex("1e5"), ElementsAre("float:1e5"));
  EXPECT_THAT(Lex("1e-5"), ElementsAre("float:1e-5"));
  EXPECT_THAT(Lex("1E+5"), ElementsAre("float:1E+5"));
  EXPECT_THAT(Lex("1.5e3"), ElementsAre("float:1.5e3"));
  EXPECT_THAT(Lex("1.5abc"), ElementsAre("dec:1.5", "word:abc"));
  EXPECT_THAT(Lex("1e5abc"), ElementsAre("float:1e5", "word:abc"));
  EXPECT_THAT(LexError("1.5e"), HasSubstr("exponent"));
  EXPECT_THAT(LexError("1.5e+"), HasSubstr("exponent"));
}

TEST(LexerTest, IdentifiersMayStartWithDigits) {
  EXPECT_THAT(Lex("1abc"), ElementsAre("word:1abc"));
  EXPECT_THAT(Lex("1e"), ElementsAre("word:1e"));
  EXPECT_THAT(Lex("1ea"), ElementsAre("word:1ea"));
  EXPECT_THAT(Lex("1e+a"), ElementsAre("word:1e", "op:+", "word:a"));
  EXPECT_THAT(Lex("12_"), ElementsAre("word:12_"));
  EXPECT_THAT(Lex("a$b"), ElementsAre("word:a$b"));
}

TEST(LexerTest, AfterIdentDotTheNextTokenIsAnIdentifier) {
  EXPECT_THAT(Lex("t.5"), ElementsAre("word:t", "op:.", "word:5"));
  EXPECT_THAT(Lex("t.1e5"), ElementsAre("word:t", "op:.", "word:1e5"));
  // After a quoted name the server starts afresh: .5 is a number (MariaDB
  // 10.11 answers `t`.5 and `t`.1e1 with a syntax error).
  EXPECT_THAT(Lex("`t`.5"), ElementsAre("qident:t", "dec:.5"));
  EXPECT_THAT(Lex("`t`.x"), ElementsAre("qident:t", "op:.", "word:x"));
  EXPECT_THAT(Lex("`t`.`5`"), ElementsAre("qident:t", "op:.", "qident:5"));
  EXPECT_THAT(Lex("t .5"), ElementsAre("word:t", "dec:.5"));
  EXPECT_THAT(Lex("t./**/5"), ElementsAre("word:t", "op:.", "int:5"));
  auto tokens = Tokenize("t.select", kDefault);
  ASSERT_TRUE(tokens.ok());
  EXPECT_TRUE((*tokens)[2].after_ident_dot);
  EXPECT_EQ((*tokens)[2].upper, "SELECT");
}

TEST(LexerTest, NonAsciiIdentifiers) {
  EXPECT_THAT(Lex("caf\xC3\xA9"), ElementsAre("word:caf\xC3\xA9"));
  EXPECT_THAT(LexError("ssn\xA0"), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(LexError("x\xC3\xA0"), HasSubstr("0xA0"));
  EXPECT_THAT(LexError("x\xC3"), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(LexError("x\xC0\x80"), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(LexError("\xED\xB0\x80"), HasSubstr("invalid UTF-8"));
}

TEST(LexerTest, Variables) {
  EXPECT_THAT(Lex("@v"), ElementsAre("uvar:v"));
  EXPECT_THAT(Lex("@a.b$_1"), ElementsAre("uvar:a.b$_1"));
  EXPECT_THAT(Lex("@'a b'"), ElementsAre("uvar:a b"));
  EXPECT_THAT(Lex("@`a b`"), ElementsAre("uvar:a b"));
  EXPECT_THAT(Lex("@\"a b\""), ElementsAre("uvar:a b"));
  EXPECT_THAT(Lex("@\"a b\"", kAnsi), ElementsAre("uvar:a b"));
  EXPECT_THAT(Lex("@@version"), ElementsAre("svar:version"));
  EXPECT_THAT(Lex("@@session.sql_mode"), ElementsAre("svar:session.sql_mode"));
  EXPECT_THAT(Lex("@@GLOBAL.x"), ElementsAre("svar:GLOBAL.x"));
  EXPECT_THAT(Lex("@@`sql_mode`"), ElementsAre("svar:sql_mode"));
  EXPECT_THAT(Lex("@v:=1"), ElementsAre("uvar:v", "op::=", "int:1"));
  EXPECT_THAT(LexError("@ v"), HasSubstr("'@' without a variable name"));
  EXPECT_THAT(LexError("@@ v"), HasSubstr("malformed system variable"));
}

TEST(LexerTest, Operators) {
  EXPECT_THAT(Lex(":= || && ! ~ ^ & | << >> <=> <> != = < > <= >="),
              ElementsAre("op::=", "op:||", "op:&&", "op:!", "op:~", "op:^",
                          "op:&", "op:|", "op:<<", "op:>>", "op:<=>", "op:<>",
                          "op:!=", "op:=", "op:<", "op:>", "op:<=", "op:>="));
  EXPECT_THAT(
      Lex("+ - * / % . , ; ( ) { } ?"),
      ElementsAre("op:+", "op:-", "op:*", "op:/", "op:%", "op:.", "op:,",
                  "op:;", "op:(", "op:)", "op:{", "op:}", "param:?"));
  EXPECT_THAT(Lex("a<=>b"), ElementsAre("word:a", "op:<=>", "word:b"));
}

TEST(LexerTest, ArrowIsNotMariaDb) {
  EXPECT_THAT(LexError("a->'$.x'"), HasSubstr("'->'"));
  EXPECT_THAT(LexError("a->>'$.x'"), HasSubstr("'->'"));
}

TEST(LexerTest, UnknownBytesAreErrors) {
  EXPECT_EQ(LexError("a [b]"), "sql: 1:3: unexpected byte '['");
  EXPECT_EQ(LexError("a : b"), "sql: 1:3: unexpected byte ':'");
  EXPECT_EQ(LexError("a \\ b"), "sql: 1:3: unexpected byte '\\'");
  EXPECT_EQ(LexError(std::string_view("a \0 b", 5)),
            "sql: 1:3: NUL byte outside a string");
  EXPECT_EQ(LexError("a \x7F"), "sql: 1:3: unexpected byte 0x7F");
}

TEST(LexerTest, NulInsideStringIsData) {
  EXPECT_THAT(Lex(std::string_view("'a\0b'", 5)),
              ElementsAre(std::string("str:a") + '\0' + "b"));
}

TEST(LexerTest, KeywordsAreCaseInsensitive) {
  auto tokens = Tokenize("sElEcT", kDefault);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[0].upper, "SELECT");
  EXPECT_EQ((*tokens)[0].text, "sElEcT");
}

TEST(LexerTest, OffsetsAndPositions) {
  auto tokens = Tokenize("SELECT\n  a, 'b'", kDefault);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[1].offset, 9u);
  EXPECT_EQ((*tokens)[3].offset, 12u);
  EXPECT_EQ((*tokens)[3].length, 3u);
  EXPECT_EQ(Position("SELECT\n  a", 9), "2:3");
  EXPECT_EQ(LexError("SELECT\n  'x"), "sql: 2:3: unterminated string");
}

// Splitting a statement at every byte must never crash and must give
// either tokens or an error (the parsers-of-untrusted-input rule).
TEST(LexerTest, EveryPrefixLexesOrFailsCleanly) {
  std::string sql =
      "SELECT /*! a, */ `b``c`, 'd\\'e', \"f\", x'4A', 0b1, 1.5e3, @v, "
      "@@session.x, ? -- c\n# d\n FROM t.1e5 WHERE a<=>b /* e */;";
  for (size_t n = 0; n <= sql.size(); ++n) {
    for (LexMode mode : {kDefault, kAnsi, kNoBackslash}) {
      auto tokens = Tokenize(std::string_view(sql).substr(0, n), mode);
      if (tokens.ok()) {
        EXPECT_EQ(tokens->back().kind, TokenKind::kEnd);
      } else {
        EXPECT_THAT(tokens.status().message(), HasSubstr("sql: "));
      }
    }
  }
}

}  // namespace
}  // namespace coffer::sql

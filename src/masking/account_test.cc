#include "masking/account.h"

#include <gtest/gtest.h>

#include <string>

namespace coffer::masking {
namespace {

Account MustParse(std::string_view text) {
  StatusOr<Account> account = Account::Parse(text);
  EXPECT_TRUE(account.ok()) << text << ": " << account.status().ToString();
  return account.ok() ? *account : *Account::Parse("'never'@'never'");
}

TEST(AccountParseTest, QuotedUserAndHost) {
  Account a = MustParse("'alice'@'10.0.0.%'");
  EXPECT_EQ(a.user(), "alice");
  EXPECT_EQ(a.host(), "10.0.0.%");
  EXPECT_EQ(a.ToString(), "'alice'@'10.0.0.%'");
}

TEST(AccountParseTest, Forms) {
  struct Case {
    const char* text;
    const char* user;
    const char* host;
  };
  for (const Case& c : {
           Case{"'bob'", "bob", ""},
           Case{"bob", "bob", ""},
           Case{"@'db.local'", "", "db.local"},
           Case{"''@'db.local'", "", "db.local"},
           Case{"bob@%", "bob", "%"},
           Case{"\"bob\"@\"%\"", "bob", "%"},
           Case{"`bob`@`h`", "bob", "h"},
           Case{"  'bob' @ 'h'  ", "bob", "h"},
           Case{"'bob'@", "bob", ""},
           Case{"@", "", ""},
       }) {
    Account a = MustParse(c.text);
    EXPECT_EQ(a.user(), c.user) << c.text;
    EXPECT_EQ(a.host(), c.host) << c.text;
  }
}

TEST(AccountParseTest, Errors) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"", "account \"\": is empty"},
           Case{"   ", "account \"   \": is empty"},
           Case{"'bob",
                "account \"'bob\": the user part has an unbalanced quote"},
           Case{"'bob\"@'h'",
                "account \"'bob\"@'h'\": the user part has an unbalanced "
                "quote"},
           Case{"'", "account \"'\": the user part has an unbalanced quote"},
           Case{"'bob'@'h",
                "account \"'bob'@'h\": the host part has an "
                "unbalanced quote"},
           Case{"bob@h@x", "account \"bob@h@x\": the host part contains '@'"},
       }) {
    StatusOr<Account> a = Account::Parse(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(a.status().message(), c.message);
  }
}

TEST(AccountMatchTest, UserIsExactAndCaseSensitive) {
  Account a = MustParse("'alice'");
  EXPECT_TRUE(a.Matches("alice", "10.0.0.1"));
  EXPECT_TRUE(a.Matches("alice", ""));
  EXPECT_FALSE(a.Matches("Alice", "10.0.0.1"));
  EXPECT_FALSE(a.Matches("alice2", "10.0.0.1"));
  EXPECT_FALSE(a.Matches("", "10.0.0.1"));
  // % and _ in a user name are ordinary characters.
  Account wild = MustParse("'a%'");
  EXPECT_FALSE(wild.Matches("ab", "h"));
  EXPECT_TRUE(wild.Matches("a%", "h"));
}

TEST(AccountMatchTest, EmptyUserMatchesAnyUser) {
  Account a = MustParse("@'10.0.0.1'");
  EXPECT_TRUE(a.Matches("alice", "10.0.0.1"));
  EXPECT_TRUE(a.Matches("", "10.0.0.1"));
  EXPECT_FALSE(a.Matches("alice", "10.0.0.2"));
  Account b = MustParse("''@'10.0.0.1'");
  EXPECT_TRUE(b.Matches("bob", "10.0.0.1"));
}

TEST(AccountMatchTest, HostWithoutWildcardIsVerbatim) {
  Account a = MustParse("'u'@'127.0.0.1'");
  EXPECT_TRUE(a.Matches("u", "127.0.0.1"));
  EXPECT_FALSE(a.Matches("u", "127.0.0.10"));
  EXPECT_FALSE(a.Matches("u", "27.0.0.1"));
}

TEST(AccountMatchTest, WildcardIsAnchored) {
  Account a = MustParse("'u'@'27.0.0.%'");
  EXPECT_TRUE(a.Matches("u", "27.0.0.5"));
  EXPECT_TRUE(a.Matches("u", "27.0.0."));
  // MaxScale's unanchored pattern would match these; Coffer does not.
  EXPECT_FALSE(a.Matches("u", "127.0.0.5"));
  Account b = MustParse("'u'@'%.example.com'");
  EXPECT_TRUE(b.Matches("u", "db.example.com"));
  EXPECT_FALSE(b.Matches("u", "db.example.com.evil"));
  Account c = MustParse("'u'@'10.%.1'");
  EXPECT_TRUE(c.Matches("u", "10.2.3.1"));
  EXPECT_FALSE(c.Matches("u", "10.2.3.12"));
  EXPECT_FALSE(c.Matches("u", "110.2.3.1"));
}

TEST(AccountMatchTest, UnderscoreAndDotAreLiterals) {
  Account a = MustParse("'u'@'host_%'");
  EXPECT_TRUE(a.Matches("u", "host_1"));
  EXPECT_FALSE(a.Matches("u", "hostX1"));
  Account b = MustParse("'u'@'10.0.0.%'");
  EXPECT_FALSE(b.Matches("u", "10a0b0c5"));
}

TEST(AccountMatchTest, PercentAloneMatchesEveryHost) {
  Account a = MustParse("'u'@'%'");
  EXPECT_TRUE(a.Matches("u", "10.0.0.1"));
  EXPECT_TRUE(a.Matches("u", "::1"));
  EXPECT_TRUE(a.Matches("u", ""));
  EXPECT_FALSE(a.Matches("v", "10.0.0.1"));
  Account b = MustParse("'u'@'%%'");
  EXPECT_TRUE(b.Matches("u", "anything"));
}

TEST(AccountMatchTest, Ipv4MappedIpv6MatchesIpv4Patterns) {
  Account a = MustParse("'u'@'10.0.0.%'");
  EXPECT_TRUE(a.Matches("u", "::ffff:10.0.0.1"));
  EXPECT_TRUE(a.Matches("u", "::FFFF:10.0.0.1"));
  EXPECT_FALSE(a.Matches("u", "::ffff:10.0.1.1"));
  Account b = MustParse("'u'@'10.0.0.1'");
  EXPECT_TRUE(b.Matches("u", "::ffff:10.0.0.1"));
  // Still matches its own written form, and only the mapped prefix unwraps.
  Account c = MustParse("'u'@'::ffff:10.0.0.1'");
  EXPECT_TRUE(c.Matches("u", "::ffff:10.0.0.1"));
  EXPECT_FALSE(b.Matches("u", "::fffe:10.0.0.1"));
  EXPECT_FALSE(b.Matches("u", "64:ff9b::10.0.0.1"));
}

TEST(HostPatternTest, Backtracking) {
  EXPECT_TRUE(HostPatternMatches("%a%b", "xaxxab"));
  EXPECT_TRUE(HostPatternMatches("a%a", "aa"));
  EXPECT_FALSE(HostPatternMatches("a%a", "a"));
  EXPECT_TRUE(HostPatternMatches("%", ""));
  EXPECT_TRUE(HostPatternMatches("", "whatever"));
  EXPECT_FALSE(HostPatternMatches("%x", "xy"));
}

}  // namespace
}  // namespace coffer::masking

#include "masking/rewrite.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace coffer::masking {
namespace {

std::string Replaced(std::string field, std::string_view value,
                     std::string_view fill) {
  ReplaceValue(field, value, fill);
  return field;
}

std::string Obfuscated(std::string field) {
  Obfuscate(field);
  return field;
}

MatchPattern MustCompile(std::string_view pattern) {
  StatusOr<MatchPattern> compiled = MatchPattern::Compile(pattern);
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  return std::move(compiled).value();
}

std::string Matched(const MatchPattern& pattern, std::string field,
                    std::string_view value, std::string_view fill) {
  Status status = pattern.Match(field, value, fill);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return field;
}

// MAXSCALE-REFERENCE.md 1.2, MaxScale's mtest masking_replace: rules
// a (fill Y), b (value "012345-ABCD", default fill X), c (both).
TEST(ReplaceValueTest, MaxScaleVectors) {
  EXPECT_EQ(Replaced("blah", "", "Y"), "YYYY");
  EXPECT_EQ(Replaced("012345-ABC", "012345-ABCD", "X"), "XXXXXXXXXX");
  EXPECT_EQ(Replaced("012345-ABC", "012345-ABCD", "Y"), "YYYYYYYYYY");
  EXPECT_EQ(Replaced("221073-01AB", "", "Y"), "YYYYYYYYYYY");
  EXPECT_EQ(Replaced("221073-01AB", "012345-ABCD", "X"), "012345-ABCD");
  EXPECT_EQ(Replaced("221073-01AB", "012345-ABCD", "Y"), "012345-ABCD");
}

TEST(ReplaceValueTest, FillRepeatsAndIsTruncated) {
  EXPECT_EQ(Replaced("abcdefg", "", "X#@"), "X#@X#@X");
  EXPECT_EQ(Replaced("ab", "", "X#@"), "X#");
  EXPECT_EQ(Replaced("", "", "X"), "");
  EXPECT_EQ(Replaced("", "v", "X"), "");
}

TEST(ReplaceValueTest, CountsBytesNotCharacters) {
  // "é" is two bytes: the value becomes two fill bytes, and a 2-byte
  // replacement value fits it.
  EXPECT_EQ(Replaced("\xC3\xA9", "", "X"), "XX");
  EXPECT_EQ(Replaced("\xC3\xA9", "ab", "X"), "ab");
  EXPECT_EQ(Replaced("ab", "\xC3\xA9", "X"), "\xC3\xA9");
  // A 3-byte euro sign against a 1-character value: fill, byte for byte.
  EXPECT_EQ(Replaced("\xE2\x82\xAC", "e", "X"), "XXX");
}

TEST(ReplaceValueTest, EmbeddedNulIsPartOfTheValue) {
  std::string field("ab\0cd", 5);
  EXPECT_EQ(Replaced(field, "", "Z"), "ZZZZZ");
}

// MAXSCALE-REFERENCE.md 1.4 (x86 semantics; the first one is the example
// of MaxScale's documentation).
TEST(ObfuscateTest, MaxScaleVectors) {
  EXPECT_EQ(Obfuscated("remo"), "$-~)");
  EXPECT_EQ(Obfuscated("721-07-4426"), "~H;Oj#Q~~(\\");
  EXPECT_EQ(Obfuscated("435-22-3267"), "+|bv%~6d{y ");
  EXPECT_EQ(Obfuscated("john@example.com"), "0~Zl^7rE~:v~|Qk~");
}

TEST(ObfuscateTest, EmptyStaysEmpty) { EXPECT_EQ(Obfuscated(""), ""); }

TEST(ObfuscateTest, OutputIsPrintableAndLengthPreserved) {
  // Every first byte (the sign extension matters for 0x80..0xFF) and
  // every byte value in the rest, including 0x80 whose signed value's
  // absolute value is 128.
  for (int first = 0; first < 256; ++first) {
    std::string field(1, static_cast<char>(first));
    for (int b = 0; b < 256; ++b) field.push_back(static_cast<char>(b));
    std::string out = Obfuscated(field);
    ASSERT_EQ(out.size(), field.size());
    for (char c : out) {
      ASSERT_GE(static_cast<unsigned char>(c), 32);
      ASSERT_LE(static_cast<unsigned char>(c), 126);
    }
  }
}

TEST(ObfuscateTest, Deterministic) {
  EXPECT_EQ(Obfuscated("secret"), Obfuscated("secret"));
  EXPECT_NE(Obfuscated("secret"), Obfuscated("secreT"));
  // Bytes after a NUL are obfuscated like any other.
  std::string a("a\0b", 3);
  std::string b("a\0c", 3);
  EXPECT_NE(Obfuscated(a), Obfuscated(b));
}

TEST(ObfuscateTest, HighBytes) {
  // The first byte is sign-extended as on x86, so c starts at -61 + 2
  // (low byte 0xC5). By hand: d1 = |(signed char)(0xC3 ^ 0xC5)| + 32 = 38
  // ('&'); c += 38 << 3 gives low byte 0xF5; d2 = |(signed char)(0xA9 ^
  // 0xF5)| + 32 = 92 + 32 = 124 ('|').
  EXPECT_EQ(Obfuscated("\xC3\xA9"), "&|");
  // Where char signedness matters: c = 0x7F + 1 = 0x80, 0x7F ^ 0x80 = 0xFF
  // is -1 as a signed char, so d = 1 + 32 ('!'); with unsigned char (MaxScale
  // on arm64) it would be (255 + 32) mod 256 = 31.
  EXPECT_EQ(Obfuscated("\x7F"), "!");
}

// MAXSCALE-REFERENCE.md 1.3: the pattern of MaxScale's system test, value
// "01234-BCD", fill "X#@".
TEST(MatchPatternTest, MaxScaleSystemTestVectors) {
  MatchPattern p = MustCompile("(?<=aaa).*(?=-12)|(?<=-12).*");
  EXPECT_EQ(Matched(p, "aaa1234567-12345", "01234-BCD", "X#@"),
            "aaaX#@X#@X-12X#@");
  EXPECT_EQ(Matched(p, "aaaABCDEFGHI-12", "01234-BCD", "X#@"),
            "aaa01234-BCD-12");
  EXPECT_EQ(Matched(p, "xyz-12345678", "01234-BCD", "X#@"), "xyz-12X#@X#@");
  EXPECT_EQ(Matched(p, "nothing here", "01234-BCD", "X#@"), "nothing here");
}

TEST(MatchPatternTest, LastFourDigits) {
  MatchPattern p = MustCompile("\\d{4}$");
  EXPECT_EQ(Matched(p, "721-07-4426", "", "X"), "721-07-XXXX");
  EXPECT_EQ(Matched(p, "no digits", "", "X"), "no digits");
  EXPECT_EQ(Matched(p, "", "", "X"), "");
}

TEST(MatchPatternTest, EveryMatchIsReplaced) {
  MatchPattern p = MustCompile("[0-9]+");
  EXPECT_EQ(Matched(p, "a12b345c6", "", "#"), "a##b###c#");
  EXPECT_EQ(Matched(p, "a12b345c6", "99", "#"), "a99b###c#");
}

TEST(MatchPatternTest, EmptyMatchStops) {
  // MaxScale stops at the first empty match, even if a later one would be
  // non-empty: "x*" matches "" at offset 0 of "ab xx".
  MatchPattern p = MustCompile("x*");
  EXPECT_EQ(Matched(p, "ab xx", "", "Y"), "ab xx");
  EXPECT_EQ(Matched(p, "xxab", "", "Y"), "YYab");
}

TEST(MatchPatternTest, MatchesAfterEmbeddedNul) {
  // MaxScale would stop at the NUL and leave "4426" in clear.
  MatchPattern p = MustCompile("\\d{4}");
  std::string field("ab\0 4426", 8);
  std::string out = Matched(p, field, "", "X");
  EXPECT_EQ(out, std::string("ab\0 XXXX", 8));
  // A pattern can match the NUL byte itself.
  MatchPattern nul = MustCompile("\\x00.");
  EXPECT_EQ(Matched(nul, std::string("a\0bc", 4), "", "-"), "a--c");
}

TEST(MatchPatternTest, MultiByteUtf8) {
  // Byte mode: "." is one byte, so a 2-byte character is two fill bytes.
  MatchPattern p = MustCompile("\xC3\xA9+");
  EXPECT_EQ(Matched(p, "caf\xC3\xA9!", "", "*"), "caf**!");
}

TEST(MatchPatternTest, CompileErrorsNameOffset) {
  StatusOr<MatchPattern> p = MatchPattern::Compile("ab(c");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), "missing closing parenthesis at offset 4");
}

TEST(MatchPatternTest, MatchLimitFailsClosed) {
  // Catastrophic backtracking on a value that does not match; PCRE2's
  // match limit stops it, and the value is masked entirely.
  MatchPattern p = MustCompile("^(a|a?)+$");
  std::string field(40, 'a');
  field += 'b';
  Status status = p.Match(field, "", "X");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("the value was masked entirely"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(field, std::string(41, 'X'));
}

TEST(MatchPatternTest, ConcurrentUseOfOnePattern) {
  const MatchPattern p = MustCompile("(?<=-)\\d+");
  constexpr int kThreads = 8;
  constexpr int kIterations = 2000;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&p, &failures, t] {
      for (int i = 0; i < kIterations; ++i) {
        std::string field = "id" + std::to_string(t) + "-" +
                            std::to_string(i * 7919 + t) + "-end";
        std::string expected = field;
        const size_t dash = expected.find('-');
        const size_t end = expected.find('-', dash + 1);
        for (size_t k = dash + 1; k < end; ++k) expected[k] = '#';
        if (!p.Match(field, "", "#").ok() || field != expected) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

}  // namespace
}  // namespace coffer::masking

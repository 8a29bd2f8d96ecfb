#include "common/log.h"

#include <gtest/gtest.h>

#include <vector>

namespace coffer {
namespace {

TEST(LogTest, FormatsLogfmtWithQuoting) {
  EXPECT_EQ(FormatLogLine(LogLevel::kInfo, "session created",
                          {{"session", "db-1"}, {"count", 3}}),
            "level=info msg=\"session created\" session=db-1 count=3");
  EXPECT_EQ(FormatLogLine(LogLevel::kError, "x", {{"v", "a\"b\nc"}}),
            "level=error msg=x v=\"a\\\"b\\nc\"");
  EXPECT_EQ(FormatLogLine(LogLevel::kDebug, "", {}), "level=debug msg=\"\"");
}

TEST(LogTest, LevelFiltersAndSinkReceivesWholeLines) {
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  SetLogLevel(LogLevel::kWarning);
  Log(LogLevel::kInfo, "dropped");
  Log(LogLevel::kError, "kept", {{"k", "v"}});
  SetLogLevel(LogLevel::kInfo);
  SetLogSink(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("ts=", 0), 0u);
  EXPECT_NE(lines[0].find("level=error msg=kept k=v"), std::string::npos);
}

TEST(LogTest, ParsesLevels) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
}

}  // namespace
}  // namespace coffer

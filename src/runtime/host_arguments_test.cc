#include "runtime/host_arguments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coffer::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<crypto::SecretBytes> Command(
    const std::vector<std::string>& words) {
  std::vector<crypto::SecretBytes> command;
  for (const std::string& word : words) {
    command.emplace_back(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(word.data()), word.size()));
  }
  return command;
}

std::vector<std::string> Fill(const std::vector<std::string>& command,
                              const std::vector<std::string>& host) {
  StatusOr<std::vector<crypto::SecretBytes>> filled =
      FillHostArguments(Command(command), host);
  EXPECT_TRUE(filled.ok()) << filled.status().ToString();
  std::vector<std::string> words;
  if (filled.ok()) {
    for (const crypto::SecretBytes& word : *filled) {
      words.emplace_back(word.span().begin(), word.span().end());
    }
  }
  return words;
}

TEST(HostArgumentsTest, PlaceholdersTakeHostArgumentsInOrder) {
  EXPECT_THAT(Fill({"mariadb", "--x", "@@1", "@@2"}, {"-e", "SELECT 1"}),
              ElementsAre("mariadb", "--x", "-e", "SELECT 1"));
  EXPECT_THAT(Fill({"prog", "--port=@@2", "@@1"}, {"a", "3306"}),
              ElementsAre("prog", "--port=3306", "a"));
}

TEST(HostArgumentsTest, APlaceholderMayRepeatAndSitNextToAnother) {
  EXPECT_THAT(Fill({"prog", "@@1@@2@@1", "-@@1=@@2-"}, {"ab", ""}),
              ElementsAre("prog", "abab", "-ab=-"));
}

TEST(HostArgumentsTest, AMissingWholePlaceholderIsLeftOut) {
  EXPECT_THAT(Fill({"mariadb", "@@1", "@@2"}, {}), ElementsAre("mariadb"));
  EXPECT_THAT(Fill({"mariadb", "@@1", "@@2"}, {"-s"}),
              ElementsAre("mariadb", "-s"));
}

TEST(HostArgumentsTest, CommandsWithoutPlaceholdersStayAsWritten) {
  EXPECT_THAT(
      Fill({"mariadbd", "--defaults-file=/run/x.cnf", "a@@b", "@@0"}, {}),
      ElementsAre("mariadbd", "--defaults-file=/run/x.cnf", "a@@b", "@@0"));
}

TEST(HostArgumentsTest, TheHostCannotAddArgumentsThePolicyDoesNotAllow) {
  StatusOr<std::vector<crypto::SecretBytes>> filled =
      FillHostArguments(Command({"mariadbd", "--defaults-file=x"}),
                        std::vector<std::string>{"--skip-grant-tables"});
  ASSERT_FALSE(filled.ok());
  EXPECT_EQ(filled.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(filled.status().message(),
              HasSubstr("host argument 1 (\"--skip-grant-tables\") has no @@1 "
                        "in the policy's command"));
  filled = FillHostArguments(Command({"mariadb", "@@1"}),
                             std::vector<std::string>{"-e", "x"});
  ASSERT_FALSE(filled.ok());
  EXPECT_THAT(filled.status().message(), HasSubstr("host argument 2"));
}

TEST(HostArgumentsTest, APlaceholderInsideAnArgumentIsRequired) {
  StatusOr<std::vector<crypto::SecretBytes>> filled =
      FillHostArguments(Command({"prog", "--port=@@1"}), {});
  ASSERT_FALSE(filled.ok());
  EXPECT_EQ(filled.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(filled.status().message(), HasSubstr("needs host argument 1"));
}

}  // namespace
}  // namespace coffer::runtime

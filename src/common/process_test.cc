#include "common/process.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(ProcessTest, CapturesOutputAndExitCode) {
  StatusOr<ProcessResult> r =
      RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->stdout_data, "out\n");
  EXPECT_EQ(r->stderr_data, "err\n");
}

TEST(ProcessTest, FeedsStdinAndSetsEnvironment) {
  ProcessOptions options;
  options.stdin_data = std::string(200000, 'z');  // more than a pipe buffer
  options.environment = std::vector<std::string>{"GREETING=hi"};
  StatusOr<ProcessResult> r =
      RunProcess({"/bin/sh", "-c", "printf %s \"$GREETING\"; wc -c"}, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stdout_data, "hi200000\n");
}

TEST(ProcessTest, ChildThatIgnoresStdinDoesNotKillUs) {
  ProcessOptions options;
  options.stdin_data = std::string(1 << 20, 'z');
  StatusOr<ProcessResult> r = RunProcess({"true"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
}

TEST(ProcessTest, TimeoutKillsTheChild) {
  ProcessOptions options;
  options.timeout = std::chrono::milliseconds(200);
  StatusOr<ProcessResult> r = RunProcess({"sleep", "30"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, 128 + 9);
}

TEST(ProcessTest, MissingProgramIsAnError) {
  StatusOr<ProcessResult> r = RunProcess({"/nonexistent/program"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "cannot start /nonexistent/program: No such file or directory");
}

}  // namespace
}  // namespace coffer

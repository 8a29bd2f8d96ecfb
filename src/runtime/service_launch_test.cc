#include "runtime/service_launch.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "las/test_util.h"

namespace coffer::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

crypto::SecretBytes Secret(const std::string& text) {
  return crypto::SecretBytes(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// /bin/sh running `script`, as the runtime would start it.
ServiceLaunch Shell(const std::string& script) {
  ServiceLaunch launch;
  launch.program = las::UniqueFd(open("/bin/sh", O_RDONLY | O_CLOEXEC));
  launch.program_path = "/bin/sh";
  launch.arguments.push_back(Secret("sh"));
  launch.arguments.push_back(Secret("-c"));
  launch.arguments.push_back(Secret(script));
  launch.working_directory = "/";
  return launch;
}

class ServiceLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override { chmod(files_.path().c_str(), 0755); }

  las::testing::TempDir files_;   // where the injected files go (overlaid)
  las::testing::TempDir output_;  // where the service reports (not overlaid)
};

TEST_F(ServiceLaunchTest, TheServiceGetsItsFilesEnvironmentAndDirectory) {
  setenv("COFFER_TEST_HOST_ONLY", "host-value", 1);
  ServiceLaunch launch =
      Shell("cat \"$SECRET_FILE\" > " + output_.File("file") + "; env > " +
            output_.File("env") + "; pwd > " + output_.File("pwd"));
  launch.environment.emplace_back("SECRET_FILE",
                                  Secret(files_.File("run/svc/key")));
  launch.environment.emplace_back("TZ", Secret("UTC"));
  launch.working_directory = output_.path();
  launch.files.push_back(
      {files_.File("run/svc/key"), 0600, Secret("the-key-value")});
  StatusOr<ServiceEnd> code = RunService(std::move(launch));
  unsetenv("COFFER_TEST_HOST_ONLY");
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(code->exit_code, 0);
  EXPECT_EQ(Read(output_.File("file")), "the-key-value");
  const std::string env = Read(output_.File("env"));
  EXPECT_THAT(env, HasSubstr("TZ=UTC"));
  EXPECT_THAT(env, Not(HasSubstr("COFFER_TEST_HOST_ONLY")));
  EXPECT_EQ(Read(output_.File("pwd")), output_.path() + "\n");
  // Outside the service the file never existed.
  struct stat st {};
  EXPECT_NE(stat(files_.File("run").c_str(), &st), 0);
}

TEST_F(ServiceLaunchTest, AnOrdinaryUserRunsAServiceWithPrivateFiles) {
  chmod(output_.path().c_str(), 0777);
  const std::string seen = output_.File("seen");
  const pid_t user = fork();
  if (user == 0) {
    // As nobody: the runtime needs no privilege of its own.
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0) {
      _exit(90);
    }
    prctl(PR_SET_DUMPABLE, 1);  // undumpable after the uid change only
    ServiceLaunch launch = Shell("id -u > " + seen + "; cat " +
                                 files_.File("run/k") + " >> " + seen);
    launch.files.push_back({files_.File("run/k"), 0600, Secret("user-key")});
    StatusOr<ServiceEnd> code = RunService(std::move(launch));
    _exit(code.ok() ? code->exit_code : 91);
  }
  int status = 0;
  waitpid(user, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(Read(seen), "65534\nuser-key");
}

TEST_F(ServiceLaunchTest, ExitCodesAndSignalsComeBack) {
  StatusOr<ServiceEnd> code = RunService(Shell("exit 7"));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->exit_code, 7);
  EXPECT_FALSE(code->asked_to_stop);
  code = RunService(Shell("kill -KILL $$"));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->exit_code, 128 + SIGKILL);
  EXPECT_FALSE(code->asked_to_stop);
}

TEST_F(ServiceLaunchTest, ForwardsTermination) {
  const std::string ready = output_.File("ready");
  // Another process stands in for an operator: once the service is up it
  // sends SIGTERM to the runtime, which must pass it on.
  const pid_t runtime_pid = getpid();
  const pid_t sender = fork();
  if (sender == 0) {
    for (int i = 0; i < 1000 && access(ready.c_str(), F_OK) != 0; ++i) {
      usleep(10000);
    }
    kill(runtime_pid, SIGTERM);
    _exit(0);
  }
  StatusOr<ServiceEnd> code =
      RunService(Shell("trap 'exit 42' TERM; touch " + ready +
                       "; while :; do sleep 0.05; done"));
  int status = 0;
  waitpid(sender, &status, 0);
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(code->exit_code, 42);
  EXPECT_TRUE(code->asked_to_stop);
}

TEST_F(ServiceLaunchTest, AFailureBeforeExecStartsNothing) {
  const std::string marker = output_.File("ran");
  ServiceLaunch launch = Shell("touch " + marker);
  launch.files.push_back({"relative/path", 0600, Secret("x")});
  StatusOr<ServiceEnd> code = RunService(std::move(launch));
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(code.status().message(), HasSubstr("must be absolute"));

  launch = Shell("touch " + marker);
  launch.working_directory = output_.File("missing");
  code = RunService(std::move(launch));
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(code.status().message(),
              HasSubstr("cannot change to the working directory"));
  struct stat st {};
  EXPECT_NE(stat(marker.c_str(), &st), 0);
}

}  // namespace
}  // namespace coffer::runtime

#include "runtime/private_files.h"

#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "las/test_util.h"

namespace coffer::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

cas::ServiceFile File(const std::string& path, const std::string& content,
                      uint32_t mode = 0600) {
  return {
      path, mode,
      crypto::SecretBytes(std::span<const uint8_t>(
          reinterpret_cast<const uint8_t*>(content.data()), content.size()))};
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `body` in a child process (namespaces change the whole process)
// and returns its exit code; `as_user` first drops to nobody.
int InChild(const std::function<int()>& body, bool as_user = false) {
  const pid_t child = fork();
  if (child == 0) {
    if (as_user &&
        (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
         setresuid(65534, 65534, 65534) != 0)) {
      _exit(90);
    }
    // Changing uid makes a process undumpable, which would leave its
    // /proc/self/uid_map to root; a user who starts coffer is dumpable.
    if (as_user) prctl(PR_SET_DUMPABLE, 1);
    _exit(body());
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

class PrivateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Readable by nobody too, for the ordinary-user case.
    chmod(dir_.path().c_str(), 0755);
    std::ofstream(dir_.File("host-file")) << "kept";
    chmod(dir_.File("host-file").c_str(), 0644);
  }

  // In the child: the files are there with their modes, the host's file
  // is still visible, and nothing is written outside the overlay.
  int WriteAndCheck() {
    Status entered = EnterPrivateMountNamespace();
    if (!entered.ok()) return 10;
    std::vector<cas::ServiceFile> files;
    files.push_back(File(dir_.File("run/coffer/db/keys.txt"), "1;abc", 0600));
    files.push_back(
        File(dir_.File("run/coffer/db/my.cnf"), "[mysqld]\n", 0644));
    if (!WriteInjectedFiles(files).ok()) return 11;
    if (Read(dir_.File("run/coffer/db/keys.txt")) != "1;abc") return 12;
    struct stat st {};
    if (stat(dir_.File("run/coffer/db/keys.txt").c_str(), &st) != 0 ||
        (st.st_mode & 07777) != 0600 || st.st_uid != getuid()) {
      return 13;
    }
    if (stat(dir_.File("run/coffer/db/my.cnf").c_str(), &st) != 0 ||
        (st.st_mode & 07777) != 0644) {
      return 14;
    }
    if (Read(dir_.File("host-file")) != "kept") return 15;
    return 0;
  }

  las::testing::TempDir dir_;
};

TEST_F(PrivateFilesTest, FilesAreVisibleInsideOnly) {
  ASSERT_EQ(InChild([this] { return WriteAndCheck(); }), 0);
  // The host sees neither the files nor the directories made for them.
  struct stat st {};
  EXPECT_NE(stat(dir_.File("run").c_str(), &st), 0);
  EXPECT_EQ(Read(dir_.File("host-file")), "kept");
}

TEST_F(PrivateFilesTest, WorksForAnOrdinaryUser) {
  ASSERT_EQ(InChild([this] { return WriteAndCheck(); }, /*as_user=*/true), 0);
  struct stat st {};
  EXPECT_NE(stat(dir_.File("run").c_str(), &st), 0);
}

TEST_F(PrivateFilesTest, OverlayPointsAreTheDeepestExistingDirectories) {
  mkdir(dir_.File("etc").c_str(), 0755);
  const std::vector<std::string> paths = {
      dir_.File("run/a/b/f"), dir_.File("etc/x.cnf"), dir_.File("run/c")};
  StatusOr<std::vector<std::string>> points = OverlayPoints(paths);
  ASSERT_TRUE(points.ok()) << points.status().ToString();
  // etc/ lies inside the test directory, so one overlay holds everything.
  EXPECT_THAT(*points, ElementsAre(dir_.path()));
}

TEST_F(PrivateFilesTest, RefusesPathsThatAreNotClean) {
  for (const std::string path :
       {"run/x", "/run/../etc/x", "/run//x", "/run/./x", "/run/x/", "/"}) {
    StatusOr<std::vector<std::string>> points =
        OverlayPoints(std::vector<std::string>{path});
    ASSERT_FALSE(points.ok()) << path;
    EXPECT_EQ(points.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(points.status().message(), HasSubstr("must be absolute"));
  }
  StatusOr<std::vector<std::string>> root =
      OverlayPoints(std::vector<std::string>{"/no-such-dir-coffer/x"});
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("does not mount over /"));
}

TEST_F(PrivateFilesTest, RefusesALinkBelowTheOverlay) {
  // A host link where a directory is expected could lead the file out of
  // memory onto a disk.
  mkdir(dir_.File("run").c_str(), 0755);
  mkdir(dir_.File("elsewhere").c_str(), 0755);
  ASSERT_EQ(
      symlink(dir_.File("elsewhere").c_str(), dir_.File("run/coffer").c_str()),
      0);
  const int code = InChild([this] {
    if (!EnterPrivateMountNamespace().ok()) return 10;
    std::vector<cas::ServiceFile> files;
    // Both files make the test directory the overlay point, so run/coffer
    // is an existing link inside it.
    files.push_back(File(dir_.File("run/coffer/keys.txt"), "secret"));
    files.push_back(File(dir_.File("other/x"), "y"));
    Status status = WriteInjectedFiles(files);
    if (status.ok()) return 11;
    if (status.code() != StatusCode::kFailedPrecondition) return 12;
    return status.message().find("is not a directory") == std::string::npos ? 13
                                                                            : 0;
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Read(dir_.File("elsewhere/keys.txt")), "");
}

}  // namespace
}  // namespace coffer::runtime

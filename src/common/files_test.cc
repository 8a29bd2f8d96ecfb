#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace coffer {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/coffer-files-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FilesTest, AtomicWriteReplacesContentsWithMode) {
  std::string path = dir_ + "/secret";
  ASSERT_TRUE(WriteFileAtomic(path, std::string_view("first")).ok());
  ASSERT_TRUE(WriteFileAtomic(path, std::string_view("second")).ok());
  EXPECT_EQ(*ReadFile(path), "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(WriteFileAtomic(path, std::string_view("x"), 0644).ok());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_)) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(FilesTest, ReadErrorsNameThePath) {
  StatusOr<std::string> missing = ReadFile(dir_ + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "open " + dir_ + "/nope: No such file or directory");
}

TEST_F(FilesTest, ReadRefusesOversizedFiles) {
  std::string path = dir_ + "/big";
  ASSERT_TRUE(WriteFileAtomic(path, std::string(100, 'x')).ok());
  StatusOr<std::string> big = ReadFile(path, 10);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(FilesTest, WriteIntoMissingDirectoryFails) {
  Status s = WriteFileAtomic(dir_ + "/no/such/file", std::string_view("x"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  ASSERT_TRUE(MakeDirectories(dir_ + "/no/such").ok());
  EXPECT_TRUE(
      WriteFileAtomic(dir_ + "/no/such/file", std::string_view("x")).ok());
}

}  // namespace
}  // namespace coffer

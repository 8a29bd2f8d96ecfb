#include "las/shared_objects.h"

#include <gtest/gtest.h>

#include "las/test_util.h"

namespace coffer::las {
namespace {

TEST(ParseLoaderListTest, KeepsOrderDropsVdsoAndAddresses) {
  const std::string output =
      "\tlinux-vdso.so.1 (0x00007ffd5a3f2000)\n"
      "\tlibssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007f1c)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1b)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f1d)\n";
  StatusOr<std::vector<SharedObject>> objects = ParseLoaderList(output);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  const std::vector<SharedObject> want = {
      {"libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3"},
      {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"},
      {"/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"},
  };
  EXPECT_EQ(*objects, want);
}

TEST(ParseLoaderListTest, MissingLibrariesAreNamed) {
  StatusOr<std::vector<SharedObject>> objects = ParseLoaderList(
      "\tlibfoo.so.1 => not found\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n"
      "\tlibbar.so => not found\n");
  EXPECT_EQ(
      objects.status(),
      NotFoundError("shared libraries not found: libfoo.so.1, libbar.so"));
}

TEST(ParseLoaderListTest, UnknownLinesAreNotGuessedAt) {
  for (std::string_view line :
       {"\tstatically linked\n", "\tlibc.so.6 => libc.so.6 (0x1)\n",
        "\tsomething (0x1\n", "\tlibweird.so (0x1)\n"}) {
    StatusOr<std::vector<SharedObject>> objects = ParseLoaderList(line);
    ASSERT_FALSE(objects.ok()) << line;
    EXPECT_EQ(objects.status().code(), StatusCode::kInvalidArgument) << line;
    EXPECT_NE(objects.status().message().find("unexpected line"),
              std::string::npos);
  }
}

TEST(ListSharedObjectsTest, ListsASystemProgram) {
  StatusOr<std::vector<SharedObject>> objects = ListSharedObjects("/bin/true");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  bool has_libc = false;
  bool has_loader = false;
  for (const SharedObject& object : *objects) {
    has_libc |= object.name == "libc.so.6";
    has_loader |= object.name == SystemLoaderPath();
    EXPECT_EQ(object.path.front(), '/') << object.path;
  }
  EXPECT_TRUE(has_libc);
  EXPECT_TRUE(has_loader);
}

TEST(ListSharedObjectsTest, TheLoaderRefusesATextFile) {
  testing::TempDir dir;
  testing::WriteBytes(dir.File("text"), "just text, long enough for ELF? no\n");
  StatusOr<std::vector<SharedObject>> objects =
      ListSharedObjects(dir.File("text"));
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(objects.status().message().find("the dynamic loader cannot load"),
            std::string::npos)
      << objects.status().ToString();
}

}  // namespace
}  // namespace coffer::las

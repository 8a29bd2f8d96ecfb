#include "las/executable_format.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "las/shared_objects.h"
#include "las/test_util.h"
#include "las/unique_fd.h"

namespace coffer::las {
namespace {

using testing::MakeElf;
using Type = ExecutableFormat::Type;

ReadAt Over(const Bytes& file) {
  return [&file](uint64_t offset, size_t length) -> StatusOr<Bytes> {
    if (offset >= file.size()) return Bytes();
    const size_t n = std::min<uint64_t>(length, file.size() - offset);
    return Bytes(file.begin() + static_cast<ptrdiff_t>(offset),
                 file.begin() + static_cast<ptrdiff_t>(offset + n));
  };
}

StatusOr<ExecutableFormat> Detect(const Bytes& file) {
  return DetectExecutableFormat(Over(file));
}
StatusOr<ExecutableFormat> Detect(std::string_view text) {
  return Detect(Bytes(text.begin(), text.end()));
}

TEST(ExecutableFormatTest, SystemProgramIsDynamicWithTheSystemLoader) {
  UniqueFd fd(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  StatusOr<ExecutableFormat> format = DetectExecutableFormatOfFd(fd.get());
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  EXPECT_EQ(format->type, Type::kDynamicElf);
  EXPECT_EQ(format->interpreter, SystemLoaderPath());
}

TEST(ExecutableFormatTest, SyntheticElfWithAndWithoutInterpreter) {
  StatusOr<ExecutableFormat> dynamic = Detect(MakeElf("/lib/ld.so"));
  ASSERT_TRUE(dynamic.ok()) << dynamic.status().ToString();
  EXPECT_EQ(dynamic->type, Type::kDynamicElf);
  EXPECT_EQ(dynamic->interpreter, "/lib/ld.so");
  StatusOr<ExecutableFormat> static_elf = Detect(MakeElf(std::nullopt));
  ASSERT_TRUE(static_elf.ok()) << static_elf.status().ToString();
  EXPECT_EQ(static_elf->type, Type::kStaticElf);
}

TEST(ExecutableFormatTest, EveryTruncationIsAClearError) {
  const Bytes elf = MakeElf("/lib/ld.so");
  for (size_t size = 0; size < elf.size(); ++size) {
    const Bytes prefix(elf.begin(), elf.begin() + static_cast<ptrdiff_t>(size));
    StatusOr<ExecutableFormat> format = Detect(prefix);
    ASSERT_FALSE(format.ok()) << "prefix of " << size << " bytes";
    EXPECT_EQ(format.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ExecutableFormatTest, MalformedElfIsRefused) {
  Bytes elf = MakeElf("/lib/ld.so");
  Bytes other_machine = elf;
  other_machine[18] = 3;  // EM_386
  other_machine[19] = 0;
  EXPECT_NE(Detect(other_machine).status().message().find("machine 3"),
            std::string::npos);

  Bytes no_headers = elf;
  no_headers[56] = 0;  // e_phnum
  EXPECT_NE(Detect(no_headers).status().message().find("program header table"),
            std::string::npos);

  Bytes far_headers = elf;
  for (int i = 32; i < 40; ++i) far_headers[i] = 0xff;  // e_phoff
  EXPECT_EQ(Detect(far_headers).status().code(), StatusCode::kInvalidArgument);

  Bytes unterminated = elf;
  unterminated.back() = 'x';
  EXPECT_NE(Detect(unterminated).status().message().find("NUL-terminated"),
            std::string::npos);

  Bytes huge_interp = elf;
  huge_interp[64 + 32 + 4] = 1;  // p_filesz of 4 GiB and more
  EXPECT_NE(Detect(huge_interp).status().message().find("PT_INTERP of"),
            std::string::npos);

  Bytes class32 = elf;
  class32[4] = 1;
  EXPECT_NE(Detect(class32).status().message().find("64-bit"),
            std::string::npos);
}

TEST(ExecutableFormatTest, ScriptsNameTheirInterpreter) {
  StatusOr<ExecutableFormat> plain = Detect("#!/bin/sh\necho hi\n");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->type, Type::kScript);
  EXPECT_EQ(plain->interpreter, "/bin/sh");
  StatusOr<ExecutableFormat> spaced = Detect("#! \t/usr/bin/perl -w\nprint 1");
  ASSERT_TRUE(spaced.ok()) << spaced.status().ToString();
  EXPECT_EQ(spaced->interpreter, "/usr/bin/perl");
  StatusOr<ExecutableFormat> no_newline = Detect("#!/bin/sh");
  ASSERT_TRUE(no_newline.ok()) << no_newline.status().ToString();
  EXPECT_EQ(no_newline->interpreter, "/bin/sh");
}

TEST(ExecutableFormatTest, BadScriptsAreRefused) {
  EXPECT_NE(Detect("#!sh\n").status().message().find("not an absolute path"),
            std::string::npos);
  EXPECT_NE(Detect("#!  \n").status().message().find("names no interpreter"),
            std::string::npos);
  EXPECT_NE(Detect("#!/bin/sh" + std::string(300, 'x'))
                .status()
                .message()
                .find("longer than 255 bytes"),
            std::string::npos);
  EXPECT_NE(
      Detect(std::string("#!/bin/s\0h\n", 11)).status().message().find("NUL"),
      std::string::npos);
}

TEST(ExecutableFormatTest, OtherFilesAreNotExecutables) {
  for (std::string_view text : {"", "#", "hello world\n",
                                "\x7f"
                                "EL"}) {
    StatusOr<ExecutableFormat> format = Detect(text);
    ASSERT_FALSE(format.ok()) << text;
    EXPECT_NE(format.status().message().find("not an executable"),
              std::string::npos)
        << format.status().ToString();
  }
}

}  // namespace
}  // namespace coffer::las

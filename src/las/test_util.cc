#include "las/test_util.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace coffer::las::testing {
namespace {

void PutLe(Bytes& out, size_t at, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) {
    out[at + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

}  // namespace

TempDir::TempDir() {
  char pattern[] = "/tmp/coffer-las-XXXXXX";
  EXPECT_NE(::mkdtemp(pattern), nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Tests may have made files unreadable; removal needs the directories
  // writable only, which they stay.
  std::filesystem::remove_all(path_, ec);
}

Bytes MakeElf(const std::optional<std::string>& interpreter) {
  constexpr size_t kHeader = 64;
  constexpr size_t kPhdr = 56;
  Bytes elf(kHeader + kPhdr, 0);
  elf[0] = 0x7f;
  elf[1] = 'E';
  elf[2] = 'L';
  elf[3] = 'F';
  elf[EI_CLASS] = ELFCLASS64;
  elf[EI_DATA] = ELFDATA2LSB;
  elf[EI_VERSION] = EV_CURRENT;
#if defined(__x86_64__)
  const uint16_t machine = EM_X86_64;
#else
  const uint16_t machine = EM_AARCH64;
#endif
  PutLe(elf, 16, ET_DYN, 2);
  PutLe(elf, 18, machine, 2);
  PutLe(elf, 20, EV_CURRENT, 4);
  PutLe(elf, 32, kHeader, 8);  // e_phoff
  PutLe(elf, 52, kHeader, 2);  // e_ehsize
  PutLe(elf, 54, kPhdr, 2);    // e_phentsize
  PutLe(elf, 56, 1, 2);        // e_phnum
  if (interpreter) {
    PutLe(elf, kHeader, PT_INTERP, 4);
    PutLe(elf, kHeader + 8, elf.size(), 8);                // p_offset
    PutLe(elf, kHeader + 32, interpreter->size() + 1, 8);  // p_filesz
    elf.insert(elf.end(), interpreter->begin(), interpreter->end());
    elf.push_back(0);
  } else {
    PutLe(elf, kHeader, PT_LOAD, 4);
  }
  return elf;
}

void WriteBytes(const std::string& path, std::string_view bytes, int mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  ASSERT_TRUE(out.good()) << path;
  ASSERT_EQ(::chmod(path.c_str(), static_cast<mode_t>(mode)), 0) << path;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void CopyFile(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to,
                             std::filesystem::copy_options::overwrite_existing);
}

void AppendByte(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.put('\0');
}

}  // namespace coffer::las::testing

// Helpers shared by the LAS tests: temporary directories and synthetic ELF
// files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/encoding.h"

namespace coffer::las::testing {

// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A minimal 64-bit ELF executable for this machine: a header and one
// program header, PT_INTERP naming `interpreter` if given, else PT_LOAD
// (a static program). Enough for format detection, not for running.
Bytes MakeElf(const std::optional<std::string>& interpreter);

void WriteBytes(const std::string& path, std::string_view bytes,
                int mode = 0755);
std::string ReadBytes(const std::string& path);
void CopyFile(const std::string& from, const std::string& to);
// Appends one byte: the file stays loadable, its hash changes.
void AppendByte(const std::string& path);

}  // namespace coffer::las::testing

// What the kernel will do with a file it is asked to execute.
//
// The measurement follows execve(2): an ELF program with a PT_INTERP
// segment is started by that dynamic loader, one without is static, and a
// file starting with "#!" is run by the interpreter its first line names.
// This file reads just enough of the format to tell which, from untrusted
// bytes: every offset and size is bounds-checked, and anything malformed is
// kInvalidArgument naming what is wrong. Only 64-bit little-endian ELF for
// this machine's architecture is accepted; other programs could not run
// under this build's loader anyway.
//
// Thread safety: pure functions; `read_at` is called on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/encoding.h"
#include "common/status.h"

namespace coffer::las {

struct ExecutableFormat {
  enum class Type {
    kStaticElf,   // no PT_INTERP: no shared objects are loaded
    kDynamicElf,  // `interpreter` is the PT_INTERP path
    kScript,      // `interpreter` is the absolute path after "#!"
  };
  Type type = Type::kStaticElf;
  std::string interpreter;
};

// Returns up to `length` bytes of the file from `offset`; fewer only at the
// end of the file.
using ReadAt = std::function<StatusOr<Bytes>(uint64_t offset, size_t length)>;

// The Linux kernel reads at most this much of a "#!" line (BINPRM_BUF_SIZE).
inline constexpr size_t kMaxShebangLine = 256;

// Failure: kInvalidArgument for a file that is neither (empty, text without
// "#!", a relative interpreter, a truncated or inconsistent ELF file, another
// architecture); errors of `read_at` are passed through.
StatusOr<ExecutableFormat> DetectExecutableFormat(const ReadAt& read_at);

// The same, reading the open file `fd` with pread (its offset is unchanged).
StatusOr<ExecutableFormat> DetectExecutableFormatOfFd(int fd);

}  // namespace coffer::las

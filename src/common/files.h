// Reading and writing whole files.
//
// WriteFileAtomic never leaves a half-written file: it writes a temporary
// file in the same directory, fsyncs it, renames it over the target and
// fsyncs the directory, so after a crash the file holds either the old or the
// new contents. Thread-safe as far as the file system is.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer {

// Reads the file at `path`. Refuses files larger than `max_bytes` with
// kResourceExhausted, so that a hostile input cannot exhaust memory.
StatusOr<std::string> ReadFile(const std::string& path,
                               size_t max_bytes = 64u << 20);

// Replaces `path` atomically with `data`, created with permission `mode`
// (0600 for anything secret; the umask is not applied).
Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                       mode_t mode = 0600);
inline Status WriteFileAtomic(const std::string& path, std::string_view data,
                              mode_t mode = 0600) {
  return WriteFileAtomic(
      path,
      std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
      mode);
}

// Creates `path` and its parents with `mode` where missing.
Status MakeDirectories(const std::string& path, mode_t mode = 0700);

// "open /x/y: No such file or directory" from errno.
Status ErrnoError(std::string_view what, const std::string& path, int err);

// The text of an errno value, like strerror but safe from any thread.
std::string ErrnoText(int err);

}  // namespace coffer

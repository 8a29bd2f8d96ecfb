#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace coffer {
namespace {

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

StatusCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT: return StatusCode::kNotFound;
    case EACCES:
    case EPERM: return StatusCode::kPermissionDenied;
    case EEXIST: return StatusCode::kAlreadyExists;
    case ENOSPC:
    case EDQUOT: return StatusCode::kResourceExhausted;
    default: return StatusCode::kUnavailable;
  }
}

}  // namespace

std::string ErrnoText(int err) {
  char buffer[256];
  // The GNU strerror_r returns the text, in `buffer` or in static storage.
  return strerror_r(err, buffer, sizeof buffer);
}

Status ErrnoError(std::string_view what, const std::string& path, int err) {
  std::string message(what);
  message += ' ';
  message += path;
  message += ": ";
  message += ErrnoText(err);
  return Status(CodeForErrno(err), std::move(message));
}

StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("open", path, errno);
  std::string out;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path, errno);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return ResourceExhaustedError("file " + path + " is larger than " +
                                    std::to_string(max_bytes) + " bytes");
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                       mode_t mode) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string name = ".";
  name += target.filename().string();
  name += ".XXXXXX";
  std::string temp = dir / name;
  Fd fd(::mkstemp(temp.data()));
  if (fd.get() < 0) return ErrnoError("create temporary file for", path, errno);
  auto fail = [&](std::string_view what) {
    Status status = ErrnoError(what, path, errno);
    ::unlink(temp.c_str());
    return status;
  };
  if (::fchmod(fd.get(), mode) != 0) return fail("chmod");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("fsync");
  if (::close(fd.release()) != 0) return fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename onto");
  // The rename is durable only once the directory entry is on disk.
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    return ErrnoError("fsync directory of", path, errno);
  }
  return OkStatus();
}

Status MakeDirectories(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::path p(path);
  std::filesystem::path built;
  for (const auto& part : p) {
    built /= part;
    if (std::filesystem::exists(built, ec)) continue;
    if (::mkdir(built.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoError("mkdir", built.string(), errno);
    }
  }
  return OkStatus();
}

}  // namespace coffer

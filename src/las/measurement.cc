#include "las/measurement.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>

#include "common/encoding.h"
#include "common/files.h"
#include "las/executable_format.h"
#include "las/shared_objects.h"
#include "las/unique_fd.h"

namespace coffer::las {
namespace {

using crypto::Sha256Digest;
using Role = MeasuredObject::Role;

void AppendU32(crypto::Sha256Hasher& hasher, uint32_t value) {
  const std::array<uint8_t, 4> bytes = {
      static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
      static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
  hasher.Update(bytes);
}

StatusOr<UniqueFd> OpenForReading(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open", path, errno);
  return fd;
}

// What the loader should be given to list the libraries of `fd`: the file's
// own path when it still names the same file (so that $ORIGIN in RUNPATH
// resolves as it will at exec), otherwise the descriptor through /proc. The
// program's contents are hashed from `fd` itself either way; the path only
// steers library resolution, and a program swapped at that path in between
// would change the libraries listed, never the program hashed.
std::string PathForLoader(int fd) {
  std::string fd_link =
      "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd);
  std::array<char, PATH_MAX> target{};
  const ssize_t n = ::readlink(fd_link.c_str(), target.data(), target.size());
  if (n <= 0 || static_cast<size_t>(n) >= target.size() || target[0] != '/') {
    return fd_link;
  }
  std::string path(target.data(), static_cast<size_t>(n));
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0 ||
      by_fd.st_dev != by_path.st_dev || by_fd.st_ino != by_path.st_ino) {
    return fd_link;
  }
  return path;
}

// True when `interpreter` is the very file of the system loader (the path
// may differ, e.g. through a symlink).
bool IsSystemLoader(const std::string& interpreter) {
  struct stat wanted {};
  struct stat actual {};
  return ::stat(std::string(SystemLoaderPath()).c_str(), &wanted) == 0 &&
         ::stat(interpreter.c_str(), &actual) == 0 &&
         wanted.st_dev == actual.st_dev && wanted.st_ino == actual.st_ino;
}

class Measurer {
 public:
  explicit Measurer(std::vector<MeasuredObject>& objects) : objects_(objects) {}

  // Adds the object open as `fd` and everything its execution loads.
  Status Add(int fd, Role role, const std::string& name,
             const std::string& path, int depth) {
    COFFER_ASSIGN_OR_RETURN(Sha256Digest hash, HashFileContents(fd));
    objects_.push_back({role, name, path, hash});
    StatusOr<ExecutableFormat> format = DetectExecutableFormatOfFd(fd);
    if (!format.ok()) return format.status().WithContext(path);
    switch (format->type) {
      case ExecutableFormat::Type::kStaticElf: return OkStatus();
      case ExecutableFormat::Type::kDynamicElf:
        return AddSharedObjects(fd, format->interpreter, path);
      case ExecutableFormat::Type::kScript:
        return AddInterpreter(format->interpreter, path, depth);
    }
    return InternalError("unknown executable format");
  }

 private:
  Status AddSharedObjects(int fd, const std::string& interpreter,
                          const std::string& path) {
    if (!IsSystemLoader(interpreter)) {
      return InvalidArgumentError(
          path + ": its dynamic loader " + interpreter +
          " is not the system loader " + std::string(SystemLoaderPath()) +
          "; Coffer measures only programs for the system loader");
    }
    StatusOr<std::vector<SharedObject>> libraries =
        ListSharedObjects(PathForLoader(fd));
    if (!libraries.ok()) return libraries.status().WithContext(path);
    for (const SharedObject& library : *libraries) {
      COFFER_ASSIGN_OR_RETURN(UniqueFd library_fd,
                              OpenForReading(library.path));
      COFFER_ASSIGN_OR_RETURN(Sha256Digest hash,
                              HashFileContents(library_fd.get()));
      objects_.push_back(
          {Role::kSharedObject, library.name, library.path, hash});
    }
    return OkStatus();
  }

  Status AddInterpreter(const std::string& interpreter, const std::string& path,
                        int depth) {
    if (depth >= kMaxInterpreterDepth) {
      return InvalidArgumentError(
          path + ": more than " + std::to_string(kMaxInterpreterDepth) +
          " nested #! interpreters; the kernel would refuse to run it");
    }
    StatusOr<UniqueFd> fd = OpenForReading(interpreter);
    if (!fd.ok()) {
      return fd.status().WithContext(path + ": its #! interpreter");
    }
    return Add(fd->get(), Role::kInterpreter, interpreter, interpreter,
               depth + 1);
  }

  std::vector<MeasuredObject>& objects_;
};

}  // namespace

std::string Measurement::Hex() const { return HexEncode(value); }

StatusOr<Sha256Digest> HashFileContents(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return InternalError("fstat: " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgumentError("not a regular file");
  }
  crypto::Sha256Hasher hasher;
  std::array<uint8_t, 1 << 16> buffer{};
  off_t offset = 0;
  while (true) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InternalError("read: " + ErrnoText(errno));
    if (n == 0) break;
    hasher.Update(std::span(buffer.data(), static_cast<size_t>(n)));
    offset += n;
  }
  return hasher.Finish();
}

StatusOr<Sha256Digest> HashFileAt(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(UniqueFd fd, OpenForReading(path));
  StatusOr<Sha256Digest> hash = HashFileContents(fd.get());
  if (!hash.ok()) return hash.status().WithContext(path);
  return hash;
}

StatusOr<Sha256Digest> SelfIdentity() { return HashFileAt("/proc/self/exe"); }

Sha256Digest CombineMeasurement(const Sha256Digest& runtime_identity,
                                std::span<const MeasuredObject> objects) {
  crypto::Sha256Hasher hasher;
  hasher.Update(AsBytes(kMeasurementDomain));
  const uint8_t separator = 0;
  hasher.Update(std::span(&separator, 1));
  hasher.Update(runtime_identity);
  AppendU32(hasher, static_cast<uint32_t>(objects.size()));
  for (const MeasuredObject& object : objects) {
    const auto role = static_cast<uint8_t>(object.role);
    hasher.Update(std::span(&role, 1));
    AppendU32(hasher, static_cast<uint32_t>(object.name.size()));
    hasher.Update(AsBytes(object.name));
    hasher.Update(object.content_hash);
  }
  return hasher.Finish();
}

StatusOr<Measurement> MeasureProgram(int fd,
                                     const Sha256Digest& runtime_identity) {
  Measurement measurement;
  measurement.runtime_identity = runtime_identity;
  Measurer measurer(measurement.objects);
  COFFER_RETURN_IF_ERROR(
      measurer.Add(fd, Role::kProgram, "", PathForLoader(fd), 0));
  measurement.value = CombineMeasurement(runtime_identity, measurement.objects);
  return measurement;
}

StatusOr<Measurement> MeasureProgramAt(const std::string& path,
                                       const Sha256Digest& runtime_identity) {
  COFFER_ASSIGN_OR_RETURN(UniqueFd fd, OpenForReading(path));
  return MeasureProgram(fd.get(), runtime_identity);
}

StatusOr<Measurement> MeasureSelf() {
  COFFER_ASSIGN_OR_RETURN(Sha256Digest identity, SelfIdentity());
  return MeasureProgramAt("/proc/self/exe", identity);
}

}  // namespace coffer::las

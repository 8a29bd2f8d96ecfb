#include "runtime/private_files.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/files.h"
#include "las/unique_fd.h"

namespace coffer::runtime {
namespace {

using las::UniqueFd;

// tmpfs is a limit, not an allocation: room for the files and what the
// service writes beside them (pid files, sockets).
constexpr char kTmpfsOptions[] = "mode=0755,size=64m";

Status KernelError(const std::string& what) {
  return InternalError(what + ": " + ErrnoText(errno));
}

Status WriteProcFile(const char* path, const std::string& text) {
  UniqueFd fd(open(path, O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || write(fd.get(), text.data(), text.size()) !=
                         static_cast<ssize_t>(text.size())) {
    return KernelError(std::string("cannot write ") + path +
                       " for the service's user namespace");
  }
  return OkStatus();
}

// "injection file \"PATH\": WHAT".
std::string AboutFile(std::string_view path, std::string_view what) {
  std::string text = "injection file \"";
  text.append(path).append("\": ").append(what);
  return text;
}

Status CheckPath(std::string_view path) {
  bool clean = path.size() > 1 && path.front() == '/' && path.back() != '/';
  for (size_t start = 1; clean && start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    clean = !part.empty() && part != "." && part != "..";
    start = end + 1;
  }
  if (!clean) {
    return InvalidArgumentError("injection file \"" + std::string(path) +
                                "\": the path must be absolute, without "
                                "empty, . or .. parts");
  }
  return OkStatus();
}

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool IsInside(const std::string& path, const std::string& directory) {
  return directory == "/" ||
         (path.size() > directory.size() && path.starts_with(directory) &&
          path[directory.size()] == '/');
}

// An overlay over `directory`: lower the host's directory, upper a tmpfs.
// The layers are named through /proc/self/fd because the tmpfs is mounted
// on `directory` itself first, which hides the host's directory by name.
Status MountOverlay(const std::string& directory) {
  UniqueFd lower(open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat host {};
  if (!lower.valid() || fstat(lower.get(), &host) != 0) {
    return KernelError("cannot open " + directory);
  }
  if (mount("coffer-files", directory.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            kTmpfsOptions) != 0) {
    return KernelError("cannot mount a tmpfs on " + directory);
  }
  const std::string upper_path = directory + "/upper";
  const std::string work_path = directory + "/work";
  if (mkdir(upper_path.c_str(), host.st_mode & 07777) != 0 ||
      chmod(upper_path.c_str(), host.st_mode & 07777) != 0 ||
      mkdir(work_path.c_str(), 0700) != 0) {
    return KernelError("cannot prepare the overlay of " + directory);
  }
  UniqueFd upper(open(upper_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  UniqueFd work(open(work_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!upper.valid() || !work.valid()) {
    return KernelError("cannot open the overlay layers of " + directory);
  }
  const std::string options =
      "lowerdir=/proc/self/fd/" + std::to_string(lower.get()) +
      ",upperdir=/proc/self/fd/" + std::to_string(upper.get()) +
      ",workdir=/proc/self/fd/" + std::to_string(work.get());
  if (mount("coffer-files", directory.c_str(), "overlay", MS_NOSUID | MS_NODEV,
            options.c_str()) != 0) {
    return KernelError("cannot mount the in-memory overlay on " + directory);
  }
  return OkStatus();
}

// Makes the directories between the overlay `point` and `path`. What
// exists there already must be a real directory: a link could lead out of
// the in-memory overlay.
Status MakeParents(const std::string& path, const std::string& point) {
  for (size_t slash = path.find('/', point.size() + 1);
       slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string directory = path.substr(0, slash);
    if (mkdir(directory.c_str(), 0755) == 0) continue;
    struct stat st {};
    if (errno != EEXIST || lstat(directory.c_str(), &st) != 0) {
      return KernelError(AboutFile(path, "cannot make " + directory));
    }
    if (!S_ISDIR(st.st_mode)) {
      return FailedPreconditionError(
          AboutFile(path, directory + " is not a directory"));
    }
  }
  return OkStatus();
}

Status WriteFile(const cas::ServiceFile& file, const std::string& point) {
  COFFER_RETURN_IF_ERROR(MakeParents(file.path, point));
  UniqueFd fd(open(file.path.c_str(),
                   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                   0600));
  if (!fd.valid()) {
    return KernelError("injection file \"" + file.path +
                       "\": cannot create it");
  }
  const std::span<const uint8_t> content = file.content.span();
  for (size_t done = 0; done < content.size();) {
    const ssize_t n =
        write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return KernelError("injection file \"" + file.path + "\": cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd.get(), file.mode & 07777) != 0) {
    return KernelError("injection file \"" + file.path + "\": cannot set mode");
  }
  return OkStatus();
}

}  // namespace

Status EnterPrivateMountNamespace() {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (geteuid() == 0) {
    if (unshare(CLONE_NEWNS) != 0) {
      return KernelError("cannot make a mount namespace for the service");
    }
  } else {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      return KernelError(
          "cannot make a user namespace for the service's files (is "
          "kernel.unprivileged_userns_clone or "
          "user.max_user_namespaces 0?)");
    }
    // The uid and gid map to themselves: the service stays who it was.
    COFFER_RETURN_IF_ERROR(WriteProcFile("/proc/self/setgroups", "deny"));
    COFFER_RETURN_IF_ERROR(
        WriteProcFile("/proc/self/uid_map",
                      std::to_string(uid) + " " + std::to_string(uid) + " 1"));
    COFFER_RETURN_IF_ERROR(
        WriteProcFile("/proc/self/gid_map",
                      std::to_string(gid) + " " + std::to_string(gid) + " 1"));
  }
  // Nothing mounted from here on may propagate to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return KernelError("cannot make the service's mounts private");
  }
  return OkStatus();
}

StatusOr<std::vector<std::string>> OverlayPoints(
    std::span<const std::string> paths) {
  std::vector<std::string> points;
  for (const std::string& path : paths) {
    COFFER_RETURN_IF_ERROR(CheckPath(path));
    std::string directory = Parent(path);
    struct stat st {};
    while (directory != "/" && stat(directory.c_str(), &st) != 0) {
      directory = Parent(directory);
    }
    if (directory == "/") {
      return InvalidArgumentError(
          "injection file \"" + path +
          "\": no directory above it exists except /; Coffer does not mount "
          "over / (use a path under an existing directory such as /run)");
    }
    if (!S_ISDIR(st.st_mode)) {
      return FailedPreconditionError(
          AboutFile(path, directory + " is not a directory"));
    }
    points.push_back(std::move(directory));
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::vector<std::string> outermost;
  for (const std::string& point : points) {
    const bool nested = std::any_of(
        outermost.begin(), outermost.end(),
        [&](const std::string& outer) { return IsInside(point, outer); });
    if (!nested) outermost.push_back(point);
  }
  return outermost;
}

Status WriteInjectedFiles(std::span<const cas::ServiceFile> files) {
  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const cas::ServiceFile& file : files) paths.push_back(file.path);
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> points,
                          OverlayPoints(paths));
  for (const std::string& point : points) {
    COFFER_RETURN_IF_ERROR(MountOverlay(point));
  }
  for (const cas::ServiceFile& file : files) {
    const auto point = std::find_if(
        points.begin(), points.end(),
        [&](const std::string& p) { return IsInside(file.path, p); });
    // OverlayPoints gave every path a point that holds it.
    if (point == points.end())
      return InternalError("no overlay for " + file.path);
    COFFER_RETURN_IF_ERROR(WriteFile(file, *point));
  }
  return OkStatus();
}

}  // namespace coffer::runtime

#include "las/peer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/files.h"

// Linux 6.5; older C libraries lack the constant, older kernels the option.
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

namespace coffer::las {
namespace {

UniqueFd PeerPidfd(int socket, pid_t pid) {
  int pidfd = -1;
  socklen_t size = sizeof pidfd;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &size) == 0 &&
      pidfd >= 0) {
    return UniqueFd(pidfd);
  }
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

}  // namespace

StatusOr<PeerProcess> PeerProcess::Of(int socket) {
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0 ||
      credentials.pid <= 0) {
    return UnavailableError("cannot identify the peer process (SO_PEERCRED): " +
                            ErrnoText(errno));
  }
  UniqueFd pidfd = PeerPidfd(socket, credentials.pid);
  if (!pidfd.valid()) {
    return UnavailableError("cannot hold on to the peer process " +
                            std::to_string(credentials.pid) + ": " +
                            ErrnoText(errno));
  }
  return PeerProcess(credentials.pid, credentials.uid, std::move(pidfd));
}

StatusOr<UniqueFd> PeerProcess::OpenExecutable() const {
  const std::string path = "/proc/" + std::to_string(pid_) + "/exe";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open", path, errno);
  return fd;
}

Status PeerProcess::CheckStillAlive() const {
  // A pidfd becomes readable when its process exits.
  pollfd entry{pidfd_.get(), POLLIN, 0};
  int n = 0;
  do {
    n = ::poll(&entry, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return OkStatus();
  return UnavailableError("the peer process " + std::to_string(pid_) +
                          " exited before it could be identified");
}

}  // namespace coffer::las

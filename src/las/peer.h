// The process at the other end of a LAS connection, and whether it is the
// Coffer runtime.
//
// The LAS gives quotes and seal keys only to the genuine runtime, which it
// recognizes by the SHA-256 of the peer's executable (/proc/PID/exe), the
// PID coming from SO_PEERCRED (recorded by the kernel at connect()).
//
// TOCTOU caveats, and what is done about them:
// - PID reuse: the peer may exit and its PID be given to another process
//   (the genuine runtime, say) before the LAS looks at /proc/PID/exe. The
//   LAS takes a pidfd of the peer at accept (SO_PEERPIDFD, or pidfd_open on
//   older kernels, which leaves a short window between the two calls) and
//   after hashing checks that this very process is still alive: then PID
//   and /proc/PID/exe belonged to the peer throughout.
// - Exec: the executable is looked at after the whole request has arrived,
//   not at connect(), so a runtime that exec'd another program is refused.
//   Not stopped: a process that connects, forks, and has the parent exec
//   the genuine coffer binary while the child keeps the socket and reads
//   the answer. Nothing short of an enclave can tell which process will read
//   a reply. The defense is who may connect at all: the socket lives in the
//   LAS's 0700 data directory by default, and has mode 0660 when placed
//   elsewhere, so only the LAS's user and group can ask. Whoever may
//   connect can therefore obtain quotes in simulation; the threat model
//   must count them with root among the adversaries simulation does not
//   stop.
//
// Thread safety: a PeerProcess is used by the one thread serving its
// connection.
#pragma once

#include <sys/types.h>

#include "common/status.h"
#include "crypto/hash.h"
#include "las/unique_fd.h"

namespace coffer::las {

class PeerProcess {
 public:
  // The peer of the connected Unix socket `socket`.
  // Failure: kUnavailable if the kernel does not say who it is.
  static StatusOr<PeerProcess> Of(int socket);

  pid_t pid() const { return pid_; }
  uid_t uid() const { return uid_; }

  // Opens the peer's executable (/proc/PID/exe) for reading.
  // Failure: kPermissionDenied when the LAS may not look (another user's
  // process and the LAS is not root); kNotFound when the peer is gone.
  StatusOr<UniqueFd> OpenExecutable() const;

  // OK if the process this object was made for has not exited. Call it
  // after reading /proc/PID/exe: PIDs are not reused while a process
  // lives. Failure: kUnavailable "the peer exited".
  Status CheckStillAlive() const;

 private:
  PeerProcess(pid_t pid, uid_t uid, UniqueFd pidfd)
      : pid_(pid), uid_(uid), pidfd_(std::move(pidfd)) {}

  pid_t pid_;
  uid_t uid_;
  UniqueFd pidfd_;
};

}  // namespace coffer::las

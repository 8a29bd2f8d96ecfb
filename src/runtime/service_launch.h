// Starting the service and standing by it until it ends.
//
//   COFFER_ASSIGN_OR_RETURN(ServiceEnd end, RunService(std::move(launch)));
//
// RunService forks. The child enters a private mount namespace, writes the
// injection files there in memory (private_files.h), changes to the
// working directory and executes the very file the LAS measured (execveat
// on its descriptor, so a file swapped on disk since is not what runs),
// with exactly the given arguments and environment: nothing of the host's
// environment is passed on. The parent stays to forward SIGTERM, SIGINT,
// SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH sent to it (a signal the
// terminal already sent to the whole process group is not sent twice), and
// returns the service's exit code, or 128 + N when signal N ended it, and
// whether it was asked to stop (SIGTERM, SIGINT or SIGQUIT reached the
// runtime, from the terminal or not) before it ended. A
// signal sent to the whole process group by other means than the terminal
// (kill -TERM -PGID) reaches the service twice. If the runtime itself is
// killed with SIGKILL, the service gets SIGTERM (PR_SET_PDEATHSIG).
//
// Failure, with the service not started: the child's reason, e.g.
// kInternal "cannot mount the in-memory overlay on /run: ...",
// kInvalidArgument for an injection path, kFailedPrecondition "program
// /usr/sbin/x cannot be executed: Exec format error", kInternal for fork.
//
// Secrets: arguments, environment values and file contents are wiped from
// this process's memory once the child has them.
// Thread safety: call from a single-threaded process (fork and namespaces).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cas/cas_client.h"
#include "common/status.h"
#include "crypto/secret.h"
#include "las/unique_fd.h"

namespace coffer::runtime {

struct ServiceLaunch {
  las::UniqueFd program;     // the measured file, open for reading
  std::string program_path;  // for messages
  std::vector<crypto::SecretBytes> arguments;  // argv, argv[0] first
  std::vector<std::pair<std::string, crypto::SecretBytes>> environment;
  std::string working_directory;
  std::vector<cas::ServiceFile> files;
};

struct ServiceEnd {
  int exit_code = 0;
  // False when the service ended on its own: for a daemon, a failure even
  // with exit code 0 (mariadbd shuts down cleanly when init.sql fails).
  bool asked_to_stop = false;
};

StatusOr<ServiceEnd> RunService(ServiceLaunch launch);

}  // namespace coffer::runtime

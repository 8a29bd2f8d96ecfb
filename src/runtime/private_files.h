// Injection files in memory that only the service can see.
//
// The runtime calls these in the child it is about to turn into the
// service, before exec:
//
//   COFFER_RETURN_IF_ERROR(EnterPrivateMountNamespace());
//   COFFER_RETURN_IF_ERROR(WriteInjectedFiles(files));
//
// EnterPrivateMountNamespace gives the process a mount namespace of its
// own whose mounts do not propagate back to the host. As root that is a
// plain new mount namespace; as an ordinary user it is a new user
// namespace too, mapping only the caller's own uid and gid to themselves,
// so the service keeps its identity and gains no privilege on the host
// (its capabilities there end at exec).
//
// WriteInjectedFiles lays each file over the host's tree without writing
// to any disk: the deepest existing directory above a file gets an overlay
// mount whose lower layer is that directory as the host has it (so nothing
// there is hidden) and whose upper layer is a fresh tmpfs (so everything
// written there, the files and whatever the service writes next to them,
// is in memory only). Missing directories are made (0755) inside the
// overlay, and each file is written with exactly its mode. Processes
// outside the namespace see none of it; only root, or the same user
// through /proc/PID/root, could look in (docs/threat-model.md).
//
// Failure: kInvalidArgument for a path that is not absolute and clean
// ("injection file \"run/x\": the path must be absolute, without empty,
// . or .. parts"), or whose only existing ancestor is "/"; kFailedPrecondition
// for a path through something that is not a directory; kInternal with errno
// text when the kernel refuses a namespace or mount ("cannot make a user
// namespace for the service's files: Operation not permitted").
//
// Thread safety: EnterPrivateMountNamespace needs a single-threaded
// process (the kernel's rule for new user namespaces): call it after fork.
#pragma once

#include <span>
#include <string>

#include "cas/cas_client.h"
#include "common/status.h"

namespace coffer::runtime {

Status EnterPrivateMountNamespace();

Status WriteInjectedFiles(std::span<const cas::ServiceFile> files);

// The directories WriteInjectedFiles would mount over for `paths`: for each
// path the deepest existing directory above it, without those inside
// another one of them. Exposed for tests; also checks the paths.
StatusOr<std::vector<std::string>> OverlayPoints(
    std::span<const std::string> paths);

}  // namespace coffer::runtime

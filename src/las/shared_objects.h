// The shared objects a dynamic program loads, as the system loader resolves
// them.
//
// Why run the loader instead of parsing ELF here: which file a DT_NEEDED
// name resolves to depends on RPATH/RUNPATH (with $ORIGIN), the ld.so.cache,
// glibc-hwcaps subdirectories, transitive dependencies and their order.
// Re-implementing that is where a measurement would silently diverge from
// what actually runs. The system loader in list mode (`ld.so --list FILE`)
// performs exactly the resolution it performs at exec, and it maps the
// objects without running any of their code (no constructors, no IFUNC
// resolvers, no main). It is run with an empty environment, so
// LD_LIBRARY_PATH or LD_PRELOAD of whoever asks cannot change the answer;
// the runtime must therefore exec programs without those variables too.
// Static programs must not be given to it: glibc's loader crashes on a
// non-PIE static executable, so callers check PT_INTERP first
// (executable_format.h).
//
// Thread safety: the functions may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coffer::las {

struct SharedObject {
  // The name the program asked for (its DT_NEEDED entry, e.g. "libc.so.6"),
  // or the path itself for objects named by path (the loader).
  std::string name;
  // Where the loader found it.
  std::string path;

  friend bool operator==(const SharedObject&, const SharedObject&) = default;
};

// The dynamic loader of this build's architecture, e.g.
// "/lib64/ld-linux-x86-64.so.2".
std::string_view SystemLoaderPath();

// Parses the output of `ld.so --list`, keeping the loader's order (a
// breadth-first order that also decides symbol interposition) and dropping
// the kernel's vDSO, which is not a file. Load addresses are dropped, since
// they change with every run.
// Failure: kNotFound naming every library the loader could not find;
// kInvalidArgument for a line in an unknown format (never guessed at).
StatusOr<std::vector<SharedObject>> ParseLoaderList(std::string_view output);

// Runs the system loader in list mode on `program_path` (a path or a
// /proc/PID/fd/N link) and parses what it prints.
// Failure: kNotFound for missing libraries; kInvalidArgument when the
// loader refuses the file (with its message); kDeadlineExceeded if it takes
// longer than 30 seconds.
StatusOr<std::vector<SharedObject>> ListSharedObjects(
    const std::string& program_path);

}  // namespace coffer::las

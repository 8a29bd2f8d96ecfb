// Measurements: Coffer's MRENCLAVE for programs run by its runtime.
//
// A measurement covers, in this order:
//   1. the runtime identity: SHA-256 of the coffer executable that will
//      start the program (a different runtime build is a different
//      enclave, as a different SCONE runtime would be);
//   2. the program file's contents (not its path: a copy elsewhere keeps
//      its measurement);
//   3. for a "#!" script, its interpreter (named by the path on the "#!"
//      line), recursively, as the kernel would run it;
//   4. for a dynamic ELF program (or interpreter), every shared object the
//      system loader maps for it, transitively, in the loader's order, each
//      named by the name the program asked for (shared_objects.h).
// value = SHA-256("coffer-measurement-v1" 0x00 || runtime identity ||
//   u32be object count || per object: u8 role || u32be name length ||
//   name || SHA-256(contents)).
// The lengths and the domain string keep two different object lists from
// ever producing the same byte stream. Identical files on two machines give
// identical measurements; changing any byte of any object changes it.
//
// What it does not cover (say so to users): files a program opens at run
// time (dlopen, configuration), `#!/usr/bin/env X` measures env, not X, and
// a library replaced between measurement and exec; the runtime executes the
// very descriptor it measured (fexecve), but libraries are opened again by
// path when the program starts.
//
// LAS and CLI compute measurements with these same functions, so `coffer
// measure PROGRAM` prints exactly what the LAS will put into a quote.
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/hash.h"

namespace coffer::las {

inline constexpr std::string_view kMeasurementDomain = "coffer-measurement-v1";

// A "#!" interpreter may itself be a script: at most this many
// interpreters in a chain, as execve allows (a sixth fails with ELOOP).
inline constexpr int kMaxInterpreterDepth = 5;

struct MeasuredObject {
  enum class Role : uint8_t {
    kProgram = 1,
    kInterpreter = 2,
    kSharedObject = 3,
  };
  Role role = Role::kProgram;
  // "" for the program, the "#!" path for an interpreter, the requested
  // name for a shared object. Hashed.
  std::string name;
  // Where the contents were read from; for diagnostics only, not hashed.
  std::string path;
  crypto::Sha256Digest content_hash{};
};

struct Measurement {
  crypto::Sha256Digest value{};
  crypto::Sha256Digest runtime_identity{};
  std::vector<MeasuredObject> objects;

  // The 64 lower-case hex digits users put into policies.
  std::string Hex() const;
};

// SHA-256 of the whole contents of the open file `fd`, read with pread (the
// file offset is unchanged). Failure: kInvalidArgument if `fd` is not a
// regular file (a pipe could block forever); read errors otherwise.
StatusOr<crypto::Sha256Digest> HashFileContents(int fd);
// The same for the file at `path`, opened read-only.
StatusOr<crypto::Sha256Digest> HashFileAt(const std::string& path);

// This process's runtime identity: SHA-256 of /proc/self/exe.
StatusOr<crypto::Sha256Digest> SelfIdentity();

// Measures the program open as `fd` (which is not closed and whose offset is
// unchanged) as started by the runtime whose identity is `runtime_identity`.
// Failure: kInvalidArgument for a file that cannot be executed (not ELF or
// "#!", another architecture, a foreign dynamic loader, a loader error);
// kNotFound for a missing interpreter or shared library, naming it; file
// errors with the path.
StatusOr<Measurement> MeasureProgram(
    int fd, const crypto::Sha256Digest& runtime_identity);
// Opens `path` and measures it.
StatusOr<Measurement> MeasureProgramAt(
    const std::string& path, const crypto::Sha256Digest& runtime_identity);

// `coffer measure --self`: this executable as the runtime would run it,
// i.e. /proc/self/exe measured with its own identity. This is how the CAS,
// which is the coffer binary itself, is measured.
StatusOr<Measurement> MeasureSelf();

// The final hash over `objects` (exposed so tests can check the encoding).
crypto::Sha256Digest CombineMeasurement(
    const crypto::Sha256Digest& runtime_identity,
    std::span<const MeasuredObject> objects);

}  // namespace coffer::las

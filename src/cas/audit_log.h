// The CAS's audit log: an append-only, hash-chained, signed record of
// session creates, reads and updates and of every attestation with its
// result and reason. The file format is in audit_verify.h; anyone can check
// a log with VerifyAuditLog or `coffer cas audit verify FILE`.
//
// Open creates the file (mode 0600, the umask not applied) with a
// "log.open" record carrying the signer's public key, or resumes an
// existing log: it checks that record 1 is a "log.open" for this key, that
// the last record is intact and signed by this key, and continues the chain
// after it with a "log.reopen" record. Open takes an exclusive flock, so a
// second writer (another process, or a second AuditLog on the same path) is
// refused instead of forking the chain.
//
// Torn tail: a crash can leave the last line without its "\n". Such a line
// was never acknowledged (Append returns only after the whole line is on
// disk), so Open truncates it, logs a warning with the path and the byte
// count, and records the discarded bytes' count and SHA-256 in the
// "log.reopen" fields ("discarded_torn_bytes", "discarded_torn_sha256"), so
// the repair is itself in the signed chain. VerifyAuditLog, which never
// repairs, reports such a line as a torn record. A tail longer than a record
// can be is not ours to cut: Open refuses it (kDataLoss).
//
// Durability: Append returns after its record is on disk (fdatasync).
// Appenders share syncs (group commit): records are sealed and written in
// seq order under a mutex, and while one thread runs fdatasync for
// everything written so far, the others write theirs and wait; the next
// sync covers them all. N concurrent appenders thus cost about two syncs,
// not N. Sealing (hash and signature, some tens of microseconds for P-256)
// is done under the mutex because each record's "prev" is the one before.
//
// After a failed fdatasync the state of the page cache is unknown, so the
// log refuses every later Append with the same error until it is reopened
// (which re-checks the tail). A failed write is undone with ftruncate; if
// that fails too, the log is likewise closed for writing.
//
// Secrets: fields are written verbatim into a file meant to be read by
// auditors. Callers must never pass secret values (keys, passwords, tokens,
// injected files); names, hashes, measurements and verdicts are fine.
//
// Thread safety: Append may be called from any number of threads at once.
// The AuditLog must outlive every Append call; destroying it closes the
// file and releases the lock.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cas/audit_chain.h"
#include "cas/audit_verify.h"
#include "common/status.h"
#include "crypto/keys.h"

namespace coffer::cas {

class AuditLog {
 public:
  // Supplies each record's "time"; tests inject a fixed one. Called under
  // the log's mutex, so it must be quick and must not call back in.
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Opens or creates the log at `path`, signing with `signing_key` (copied:
  // the caller keeps its own). A null `clock` means system_clock::now.
  // Failure: kFailedPrecondition "audit log /x/audit.jsonl was started by
  // key sha256:AB..., not by this key sha256:CD...; a new key needs a new
  // log file", or "... is already open for writing", or "... its last
  // record (seq 7) is not signed by this key"; kDataLoss "audit log
  // /x/audit.jsonl:1: broken record: bad JSON (...)" for a first or last
  // record that does not verify, or an over-long torn tail; file-system
  // errors as kNotFound / kPermissionDenied / kUnavailable naming the path.
  static StatusOr<std::unique_ptr<AuditLog>> Open(
      const std::string& path, const crypto::PrivateKey& signing_key,
      Clock clock = nullptr);

  // The log of a CAS whose members share one state (etcd): the records
  // live in `chain`, one chain for every member, each record signed by the
  // member that wrote it with the CAS's key (the same for all). Starts the
  // chain with "log.open", or continues it with "log.reopen". There is no
  // file, no torn tail and no group commit: an append is durable when the
  // chain's store has it. Failure: the chain's errors.
  static StatusOr<std::unique_ptr<AuditLog>> OpenShared(
      std::unique_ptr<SharedAuditChain> chain,
      const crypto::PrivateKey& signing_key, Clock clock = nullptr);

  // The whole log, one record a line (what `coffer cas audit verify`
  // reads): the file, or the shared chain.
  StatusOr<std::string> Export() const;

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one record of `type` with `fields` and returns once it is on
  // disk. `type` is 1 to 64 characters of [a-z0-9._-] and must not start
  // with "log." (reserved for the log's own records); field names are 1 to
  // 64 characters of [A-Za-z0-9._-], each at most once; values are any
  // UTF-8 text (never secrets, see above).
  // Failure: kInvalidArgument "audit record type \"Bad Type\": ..." or
  // "audit record \"attestation\": field \"x\" is given twice";
  // kResourceExhausted when the record would exceed kMaxAuditRecordBytes;
  // kUnavailable (or the errno's code) "write audit log /x/audit.jsonl:
  // ..." / "fdatasync audit log ...", after which see the class comment.
  Status Append(std::string_view type, AuditFields fields);

  // The file; empty for a shared log.
  const std::string& path() const { return path_; }
  // The seq of the last record written (durable or about to be); for a
  // shared log, the last this member wrote.
  uint64_t last_seq() const;

 private:
  AuditLog(std::string path, int fd, crypto::PrivateKey key, Clock clock);

  // Reads the existing file (if any), repairs a torn tail and writes the
  // "log.open" or "log.reopen" record.
  Status Resume();
  // Truncates a torn last line; adds its description to `notes`.
  Status DiscardTornTail(off_t& size, AuditFields& notes);
  // Checks the first and the last line of a non-empty log and takes the
  // chain's position from the last one.
  Status CheckExisting(off_t size);
  // Appends any record (including "log.*") after checking field names.
  Status Write(std::string_view type, AuditFields fields);
  // Group commit: returns once record `seq` is synced, or the sync error.
  Status WaitDurable(std::unique_lock<std::mutex>& lock, uint64_t seq);
  Status WriteAll(std::string_view data);
  // Write() for a shared log, under mu_: queues the record; the first
  // waiting appender appends everything queued in one batch.
  Status WriteShared(std::unique_lock<std::mutex>& lock, std::string_view type,
                     AuditFields fields);
  struct Pending {
    std::string type;
    AuditFields fields;
    bool done = false;
    Status status;
  };
  // Seals `batch` after the chain's head and appends it, again after a
  // newer head while other members win; sets each record's status and
  // returns the seq of the last record written (0 if none). Not under mu_.
  uint64_t AppendBatch(const std::vector<Pending*>& batch);

  const std::string path_;
  const int fd_;                             // -1 for a shared log
  std::unique_ptr<SharedAuditChain> chain_;  // null for a file
  std::vector<Pending*> queued_;             // guarded by mu_ (shared log)
  bool appending_ = false;                   // guarded by mu_ (shared log)
  const crypto::PrivateKey key_;
  const Clock clock_;

  mutable std::mutex mu_;
  std::condition_variable synced_;
  uint64_t next_seq_ = 1;                    // guarded by mu_
  std::string last_hash_ = kAuditFirstPrev;  // guarded by mu_
  off_t file_size_ = 0;                      // guarded by mu_
  uint64_t written_seq_ = 0;                 // guarded by mu_
  uint64_t synced_seq_ = 0;                  // guarded by mu_
  bool syncing_ = false;                     // guarded by mu_
  Status failed_;                            // guarded by mu_; sticky
};

}  // namespace coffer::cas

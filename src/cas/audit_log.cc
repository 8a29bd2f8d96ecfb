#include "cas/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/signature.h"

namespace coffer::cas {
namespace {

constexpr size_t kMaxNameSize = 64;

// RFC 3339 UTC with milliseconds: "2025-06-01T12:00:00.000Z".
std::string FormatTime(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds);
  const time_t t = std::chrono::system_clock::to_time_t(seconds);
  struct tm utc {};
  gmtime_r(&t, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, static_cast<int>(millis.count()));
  return text;
}

bool IsNameChar(char c, bool upper_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || (upper_allowed && c >= 'A' && c <= 'Z');
}

bool IsName(std::string_view name, bool upper_allowed) {
  return !name.empty() && name.size() <= kMaxNameSize &&
         std::all_of(name.begin(), name.end(),
                     [&](char c) { return IsNameChar(c, upper_allowed); });
}

Status CheckFieldNames(std::string_view type, const AuditFields& fields) {
  for (const auto& [name, value] : fields) {
    if (!IsName(name, /*upper_allowed=*/true)) {
      return InvalidArgumentError(
          "audit record \"" + std::string(type) + "\": field name \"" +
          name.substr(0, kMaxNameSize) +
          "\" is not 1 to 64 characters of [A-Za-z0-9._-]");
    }
  }
  return OkStatus();
}

std::string KeyId(const crypto::PublicKey& key) {
  return HexEncode(crypto::Sha256(key.ToDer()));
}

// `length` bytes at `offset`, or fewer at the end of the file.
StatusOr<std::string> ReadAt(int fd, const std::string& path, off_t offset,
                             size_t length) {
  std::string data(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, data.data() + done, length - done,
                              offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read audit log", path, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

Status SyncDirectoryOf(const std::string& path) {
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open directory", directory, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError("fsync directory", directory, err);
  return OkStatus();
}

// "audit log PATH:LINE: broken record: PROBLEM (DETAIL)".
Status BrokenRecord(const std::string& path, uint64_t line,
                    AuditFinding finding) {
  AuditVerification verification;
  verification.broken_line = line;
  verification.finding = std::move(finding);
  return DataLossError(DescribeAuditVerification(verification, path));
}

}  // namespace

AuditLog::AuditLog(std::string path, int fd, crypto::PrivateKey key,
                   Clock clock)
    : path_(std::move(path)),
      fd_(fd),
      key_(std::move(key)),
      clock_(std::move(clock)) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::OpenShared(
    std::unique_ptr<SharedAuditChain> chain,
    const crypto::PrivateKey& signing_key, Clock clock) {
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  const crypto::SecretBytes key_der = signing_key.ToDer();
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::FromDer(key_der.span()));
  std::unique_ptr<AuditLog> log(
      new AuditLog("", -1, std::move(key), std::move(clock)));
  log->chain_ = std::move(chain);
  const crypto::PublicKey public_key = log->key_.public_key();
  // "log.open" if the chain is empty; WriteShared turns it into
  // "log.reopen" if another member started it meanwhile.
  COFFER_RETURN_IF_ERROR(log->Write(
      kAuditOpenType, {{"format", kAuditFormat},
                       {kAuditPublicKeyField, public_key.ToPem()},
                       {"key_id", KeyId(public_key)},
                       {"algorithm", std::string(crypto::SignatureAlgorithmName(
                                         log->key_.type()))}}));
  return log;
}

StatusOr<std::string> AuditLog::Export() const {
  if (chain_ == nullptr) return ReadFile(path_);
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> lines, chain_->ReadAll());
  std::string text;
  for (const std::string& line : lines) {
    text += line;
    text += '\n';
  }
  return text;
}

Status AuditLog::WriteShared(std::unique_lock<std::mutex>& lock,
                             std::string_view type, AuditFields fields) {
  Pending mine{std::string(type), std::move(fields), false, OkStatus()};
  queued_.push_back(&mine);
  while (!mine.done) {
    if (appending_) {
      synced_.wait(lock);
      continue;
    }
    // This thread appends what is queued; later records wait for the next
    // batch. etcd takes at most 128 operations in one transaction.
    appending_ = true;
    constexpr size_t kMaxBatch = 100;
    const size_t count = std::min(queued_.size(), kMaxBatch);
    std::vector<Pending*> batch(queued_.begin(), queued_.begin() + count);
    queued_.erase(queued_.begin(), queued_.begin() + count);
    lock.unlock();
    const uint64_t last = AppendBatch(batch);
    lock.lock();
    if (last > 0) next_seq_ = last + 1;  // for last_seq()
    for (Pending* pending : batch) pending->done = true;
    appending_ = false;
    synced_.notify_all();
  }
  return mine.status;
}

uint64_t AuditLog::AppendBatch(const std::vector<Pending*>& batch) {
  // Other members append too: seal after the head as read, and again
  // after the new head if one of them was first.
  constexpr int kMaxAttempts = 100;
  Status failed = UnavailableError(
      "audit log: too many members appended at once; try again");
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    StatusOr<SharedAuditChain::Head> head = chain_->ReadHead();
    if (!head.ok()) {
      failed = head.status();
      break;
    }
    std::vector<std::string> lines;
    std::vector<Pending*> written;
    std::string prev =
        head->seq == 0 ? std::string(kAuditFirstPrev) : head->hash;
    for (Pending* pending : batch) {
      AuditRecord record;
      record.seq = head->seq + 1 + lines.size();
      record.time = FormatTime(clock_());
      record.type = pending->type;
      record.fields = pending->fields;
      if (record.type == kAuditOpenType && record.seq > 1) {
        record.type = kAuditReopenType;  // the chain has begun: continue it
        record.fields.clear();
      }
      record.prev = prev;
      StatusOr<AuditRecord> sealed = SealAuditRecord(std::move(record), key_);
      std::string line = sealed.ok() ? AuditRecordLine(*sealed) : "";
      if (sealed.ok() && line.size() > kMaxAuditRecordBytes) {
        sealed = ResourceExhaustedError(
            "audit record \"" + sealed->type + "\" would be " +
            std::to_string(line.size()) + " bytes, above the limit of " +
            std::to_string(kMaxAuditRecordBytes));
      }
      if (!sealed.ok()) {  // this record only; the others go on
        pending->status = sealed.status();
        continue;
      }
      prev = std::move(sealed->hash);
      lines.push_back(std::move(line));
      written.push_back(pending);
    }
    if (lines.empty()) return 0;
    StatusOr<bool> appended = chain_->Append(*head, head->seq + 1, lines, prev);
    if (!appended.ok()) {
      failed = appended.status();
      break;
    }
    if (*appended) {
      for (Pending* pending : written) pending->status = OkStatus();
      return head->seq + lines.size();
    }
  }
  for (Pending* pending : batch) {
    if (pending->status.ok()) pending->status = failed;
  }
  return 0;
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    const std::string& path, const crypto::PrivateKey& signing_key,
    Clock clock) {
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  const crypto::SecretBytes key_der = signing_key.ToDer();
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::FromDer(key_der.span()));
  bool created = true;
  int fd = ::open(path.c_str(),
                  O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  }
  if (fd < 0) return ErrnoError("open audit log", path, errno);
  // From here the AuditLog owns `fd`, also on the error paths.
  std::unique_ptr<AuditLog> log(
      new AuditLog(path, fd, std::move(key), std::move(clock)));
  if (created && ::fchmod(fd, 0600) != 0) {
    return ErrnoError("chmod audit log", path, errno);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return FailedPreconditionError(
          "audit log " + path +
          " is already open for writing (by this or another process)");
    }
    return ErrnoError("lock audit log", path, errno);
  }
  COFFER_RETURN_IF_ERROR(log->Resume());
  if (created) COFFER_RETURN_IF_ERROR(SyncDirectoryOf(path));
  return log;
}

Status AuditLog::Resume() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return ErrnoError("stat audit log", path_, errno);
  if (!S_ISREG(st.st_mode)) {
    return FailedPreconditionError("audit log " + path_ +
                                   " is not a regular file");
  }
  off_t size = st.st_size;
  AuditFields notes;
  if (size > 0) COFFER_RETURN_IF_ERROR(DiscardTornTail(size, notes));
  {
    std::lock_guard lock(mu_);
    file_size_ = size;
  }
  if (size == 0) {
    const crypto::PublicKey public_key = key_.public_key();
    AuditFields fields = {
        {"format", kAuditFormat},
        {kAuditPublicKeyField, public_key.ToPem()},
        {"key_id", KeyId(public_key)},
        {"algorithm", std::string(crypto::SignatureAlgorithmName(key_.type()))},
    };
    fields.insert(fields.end(), notes.begin(), notes.end());
    return Write(kAuditOpenType, std::move(fields));
  }
  COFFER_RETURN_IF_ERROR(CheckExisting(size));
  return Write(kAuditReopenType, std::move(notes));
}

Status AuditLog::DiscardTornTail(off_t& size, AuditFields& notes) {
  const size_t window =
      std::min(static_cast<size_t>(size), kMaxAuditRecordBytes + 1);
  COFFER_ASSIGN_OR_RETURN(
      std::string tail,
      ReadAt(fd_, path_, size - static_cast<off_t>(window), window));
  if (tail.size() != window) {
    return UnavailableError("audit log " + path_ + " shrank while opening");
  }
  if (tail.back() == '\n') return OkStatus();
  const size_t newline = tail.rfind('\n');
  const std::string_view torn = std::string_view(tail).substr(
      newline == std::string::npos ? 0 : newline + 1);
  if (torn.size() > kMaxAuditRecordBytes) {
    return DataLossError("audit log " + path_ + " ends in more than " +
                         std::to_string(kMaxAuditRecordBytes) +
                         " bytes without a newline, which no writer leaves; "
                         "check it with `coffer cas audit verify`");
  }
  const off_t kept = size - static_cast<off_t>(torn.size());
  if (::ftruncate(fd_, kept) != 0) {
    return ErrnoError("truncate audit log", path_, errno);
  }
  if (::fdatasync(fd_) != 0) {
    return ErrnoError("fdatasync audit log", path_, errno);
  }
  Log(LogLevel::kWarning,
      "audit log: discarded a torn last record left by a crash",
      {{"path", path_}, {"bytes", static_cast<uint64_t>(torn.size())}});
  notes.emplace_back("discarded_torn_bytes", std::to_string(torn.size()));
  notes.emplace_back("discarded_torn_sha256",
                     HexEncode(crypto::Sha256(AsBytes(torn))));
  size = kept;
  return OkStatus();
}

Status AuditLog::CheckExisting(off_t size) {
  // The file ends with "\n" (DiscardTornTail saw to it).
  const size_t window =
      std::min(static_cast<size_t>(size), kMaxAuditRecordBytes + 1);
  const AuditFinding too_long{
      AuditProblem::kTooLong,
      "longer than " + std::to_string(kMaxAuditRecordBytes) + " bytes"};

  COFFER_ASSIGN_OR_RETURN(std::string head, ReadAt(fd_, path_, 0, window));
  const size_t head_end = head.find('\n');
  if (head_end == std::string::npos) return BrokenRecord(path_, 1, too_long);
  AuditRecord first;
  AuditFinding finding =
      ParseAuditRecord(std::string_view(head).substr(0, head_end), first);
  if (finding.ok() && (first.seq != 1 || first.prev != kAuditFirstPrev)) {
    finding = {AuditProblem::kSeqGap, "the first record is not seq 1"};
  }
  if (!finding.ok()) return BrokenRecord(path_, 1, std::move(finding));
  StatusOr<crypto::PublicKey> log_key = AuditLogKey(first);
  if (!log_key.ok()) {
    return BrokenRecord(
        path_, 1, {AuditProblem::kBadFirstRecord, log_key.status().message()});
  }
  const crypto::PublicKey own_key = key_.public_key();
  if (log_key->ToDer() != own_key.ToDer()) {
    return FailedPreconditionError(
        "audit log " + path_ + " was started by key sha256:" + KeyId(*log_key) +
        ", not by this key sha256:" + KeyId(own_key) +
        "; a new key needs a new log file");
  }
  finding = CheckAuditSignature(first, own_key);
  if (!finding.ok()) return BrokenRecord(path_, 1, std::move(finding));

  // The last line: the bytes before the final "\n", back to the one before.
  const size_t body = static_cast<size_t>(size) - 1;
  const size_t back = std::min(body, kMaxAuditRecordBytes + 1);
  COFFER_ASSIGN_OR_RETURN(
      std::string tail,
      ReadAt(fd_, path_, static_cast<off_t>(body - back), back));
  const size_t newline = tail.rfind('\n');
  if (newline == std::string::npos && back < body) {
    return DataLossError("audit log " + path_ +
                         ": last record: " + too_long.ToString());
  }
  AuditRecord last;
  finding =
      ParseAuditRecord(std::string_view(tail).substr(
                           newline == std::string::npos ? 0 : newline + 1),
                       last);
  if (!finding.ok()) {
    return DataLossError("audit log " + path_ +
                         ": last record: " + finding.ToString() +
                         "; check it with `coffer cas audit verify`");
  }
  finding = CheckAuditSignature(last, own_key);
  if (!finding.ok()) {
    return FailedPreconditionError(
        "audit log " + path_ + ": its last record (seq " +
        std::to_string(last.seq) + ") is not signed by this key (" +
        finding.detail + ")");
  }
  std::lock_guard lock(mu_);
  next_seq_ = last.seq + 1;
  last_hash_ = std::move(last.hash);
  return OkStatus();
}

Status AuditLog::Append(std::string_view type, AuditFields fields) {
  if (!IsName(type, /*upper_allowed=*/false)) {
    return InvalidArgumentError("audit record type \"" +
                                std::string(type.substr(0, kMaxNameSize)) +
                                "\" is not 1 to 64 characters of [a-z0-9._-]");
  }
  if (type.starts_with("log.")) {
    return InvalidArgumentError("audit record type \"" + std::string(type) +
                                "\": \"log.\" types are the log's own");
  }
  return Write(type, std::move(fields));
}

uint64_t AuditLog::last_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

Status AuditLog::Write(std::string_view type, AuditFields fields) {
  COFFER_RETURN_IF_ERROR(CheckFieldNames(type, fields));
  std::unique_lock lock(mu_);
  if (!failed_.ok()) return failed_;
  if (chain_ != nullptr) return WriteShared(lock, type, std::move(fields));
  AuditRecord record;
  record.seq = next_seq_;
  record.time = FormatTime(clock_());
  record.type = std::string(type);
  record.fields = std::move(fields);
  record.prev = last_hash_;
  COFFER_ASSIGN_OR_RETURN(record, SealAuditRecord(std::move(record), key_));
  std::string line = AuditRecordLine(record);
  if (line.size() > kMaxAuditRecordBytes) {
    return ResourceExhaustedError("audit record \"" + record.type +
                                  "\" would be " + std::to_string(line.size()) +
                                  " bytes, above the limit of " +
                                  std::to_string(kMaxAuditRecordBytes));
  }
  line += '\n';
  Status written = WriteAll(line);
  if (!written.ok()) {
    // Undo a partial line so that the chain stays whole; if even that
    // fails, no later record may follow the fragment.
    if (::ftruncate(fd_, file_size_) != 0) {
      failed_ = written.WithContext("audit log closed for writing");
    }
    return written;
  }
  file_size_ += static_cast<off_t>(line.size());
  next_seq_ = record.seq + 1;
  last_hash_ = std::move(record.hash);
  written_seq_ = record.seq;
  return WaitDurable(lock, record.seq);
}

Status AuditLog::WaitDurable(std::unique_lock<std::mutex>& lock, uint64_t seq) {
  while (synced_seq_ < seq) {
    if (!failed_.ok()) return failed_;
    if (syncing_) {
      synced_.wait(lock);
      continue;
    }
    // This thread syncs for every record written so far; records written
    // while it syncs wait for the next round.
    syncing_ = true;
    const uint64_t target = written_seq_;
    lock.unlock();
    const int rc = ::fdatasync(fd_);
    const int err = errno;
    lock.lock();
    syncing_ = false;
    if (rc != 0) {
      failed_ = ErrnoError("fdatasync audit log", path_, err)
                    .WithContext("audit log closed for writing");
    } else {
      synced_seq_ = std::max(synced_seq_, target);
    }
    synced_.notify_all();
  }
  return OkStatus();
}

Status AuditLog::WriteAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write audit log", path_, errno);
    }
    if (n == 0) return ErrnoError("write audit log", path_, EIO);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

}  // namespace coffer::cas

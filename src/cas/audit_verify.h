// The audit log's file format, and checking a log file independently.
//
// An audit log (written by AuditLog, audit_log.h) is JSON Lines: one record
// per line, each line ending in "\n". A record is a JSON object with exactly
// these members:
//   "seq"     1, 2, 3, ...: the record's position; record N is on line N.
//   "time"    RFC 3339 UTC with milliseconds, "2025-06-01T12:00:00.000Z",
//             from the writer's injected clock (informative; never checked).
//   "type"    what happened: "log.open", "log.reopen", "session.create",
//             "session.read", "session.update", "attestation", ...
//   "fields"  an object whose values are all strings, given by the caller.
//   "prev"    the previous record's "hash"; 64 zeros ("0" * 64) for seq 1.
//   "hash"    lower-case hex SHA-256 of the record's CANONICAL CONTENT.
//   "sig"     lower-case hex of the signer's signature over the canonical
//             content: crypto::Sign (signature.h), so the algorithm follows
//             the key type. For the CAS's P-256 key that is ECDSA-SHA256 in
//             DER, i.e. an ECDSA signature whose digest is exactly "hash".
//
// CANONICAL CONTENT: the object {"fields", "prev", "seq", "time", "type"}
// (the record without "hash" and "sig") serialized with keys sorted by
// byte value at every level, no whitespace, integers in plain decimal, and
// every character outside printable ASCII (below 0x20 or from 0x7f on)
// escaped: \b \f \n \r \t, else \u00XX (lower-case hex), non-ASCII as
// \uXXXX (UTF-16 surrogate pairs above U+FFFF). This is nlohmann::json's
// dump(-1, ' ', /*ensure_ascii=*/true) and byte-identical to Python's
// json.dumps(content, sort_keys=True, separators=(",", ":"),
// ensure_ascii=True), so anyone can re-check a log without Coffer:
//   canonical = json.dumps({k: r[k] for k in ("fields", "prev", "seq",
//       "time", "type")}, sort_keys=True, separators=(",", ":"))
//   assert sha256(canonical).hexdigest() == r["hash"]
//   openssl dgst -sha256 -verify key.pem -signature SIG.der canonical
// The LINE itself is the whole record (with "hash" and "sig") serialized the
// same way, so any change to a line's bytes, even whitespace, is detected.
//
// The first record has type "log.open"; its fields hold the signer's public
// key ("public_key", SubjectPublicKeyInfo PEM), "key_id" (hex SHA-256 of its
// DER), "algorithm" and "format" ("coffer-audit-v1"). Every record of a log
// is signed by that one key, so a log verifies on its own; a verifier that
// knows the CAS key (pinned) also catches a log re-signed end to end with
// another key. A line longer than kMaxAuditRecordBytes is never written.
//
// What the chain does NOT show: records cut off at the end of the file (a
// chain cannot prove its own length; compare the last seq with one recorded
// elsewhere), nor a whole log replaced by another one of the same key.
//
// Thread safety: pure functions, callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "crypto/keys.h"

namespace coffer::cas {

// A record's "fields", as given by the caller. Values are stored verbatim
// and readable by anyone who can read the log: never pass secret values.
using AuditFields = std::vector<std::pair<std::string, std::string>>;

inline constexpr size_t kMaxAuditRecordBytes = 64 * 1024;  // a line, no "\n"
inline constexpr char kAuditFormat[] = "coffer-audit-v1";
inline constexpr char kAuditOpenType[] = "log.open";
inline constexpr char kAuditReopenType[] = "log.reopen";
inline constexpr char kAuditPublicKeyField[] = "public_key";
inline constexpr char kAuditFirstPrev[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// One record. Fields come back from ParseAuditRecord sorted by key (the
// canonical order); SealAuditRecord accepts them in any order.
struct AuditRecord {
  uint64_t seq = 0;
  std::string time;
  std::string type;
  AuditFields fields;
  std::string prev;  // hex
  std::string hash;  // hex; set by SealAuditRecord
  std::string sig;   // hex; set by SealAuditRecord
};

// What can be wrong with a record, in the order VerifyAuditLog checks.
enum class AuditProblem {
  kNone,
  kTooLong,         // longer than kMaxAuditRecordBytes
  kTorn,            // the file's last line has no "\n" (an unfinished write)
  kBadJson,         // not JSON at all
  kMalformed,       // JSON, but not a record (missing or wrong-typed member)
  kNotCanonical,    // a record, but not byte-for-byte its canonical line
  kHashMismatch,    // "hash" is not the SHA-256 of the canonical content
  kSeqGap,          // "seq" is not the line number
  kPrevMismatch,    // "prev" is not the previous record's "hash"
  kBadFirstRecord,  // record 1 is not a "log.open" with a usable key
  kKeyNotPinned,    // record 1's key is not the expected (pinned) key
  kBadSignature,    // "sig" does not verify with the log's key
};

// "hash mismatch", "seq gap", ...: for messages.
std::string_view AuditProblemName(AuditProblem problem);

// A problem and its particulars, e.g. {kSeqGap, "expected seq 5, found 7"}.
struct AuditFinding {
  AuditProblem problem = AuditProblem::kNone;
  std::string detail;
  bool ok() const { return problem == AuditProblem::kNone; }
  // "seq gap (expected seq 5, found 7)"; "ok" when there is no problem.
  std::string ToString() const;
};

// Computes "hash" and "sig" of `record` (seq, time, type, fields, prev set)
// with `key`. Failure: kInvalidArgument for a field name given twice or a
// string that is not valid UTF-8 (naming the field); kInternal if signing
// fails.
StatusOr<AuditRecord> SealAuditRecord(AuditRecord record,
                                      const crypto::PrivateKey& key);

// The line (without "\n") for a record from SealAuditRecord or
// ParseAuditRecord.
std::string AuditRecordLine(const AuditRecord& record);

// Parses one line (without "\n") of untrusted text into `record` and checks
// what the line shows alone: JSON, shape, canonical form and "hash". Not
// the signature and not the chain. Never crashes; reports in the finding.
AuditFinding ParseAuditRecord(std::string_view line, AuditRecord& record);

// Checks a parsed record's "sig" with `key` (kBadSignature if it fails).
AuditFinding CheckAuditSignature(const AuditRecord& record,
                                 const crypto::PublicKey& key);

// The signer's key from a "log.open" record (kBadFirstRecord if `record`
// is not one, or its key does not parse).
StatusOr<crypto::PublicKey> AuditLogKey(const AuditRecord& record);

// The result of VerifyAuditLog.
struct AuditVerification {
  // Records that verified, all before the first broken one.
  uint64_t good_records = 0;
  // The 1-based line of the first broken record; 0 when the log is intact.
  uint64_t broken_line = 0;
  AuditFinding finding;
  // Hex SHA-256 of the signer's public key DER (from record 1); empty if
  // record 1 is unusable.
  std::string key_id;
  bool intact() const { return finding.ok(); }
};

// Reads the log at `path` record by record (any size; memory stays within
// a few records) and checks each line, the chain and the signatures,
// stopping at the first broken record. With `expected_key`, record 1 must
// carry that key. A broken log is a successful verification whose result
// says where and what; the Status is for files that cannot be checked.
// Failure: kNotFound "open audit log /x/audit.jsonl: No such file or
// directory" (other open/read errors: kPermissionDenied, kUnavailable);
// kInvalidArgument "audit log /x/audit.jsonl is empty".
StatusOr<AuditVerification> VerifyAuditLog(
    const std::string& path, const crypto::PublicKey* expected_key);

// One line for `coffer cas audit verify`:
//   "audit log FILE: 1234 records, chain and signatures intact (key
//   sha256:HEX)" or
//   "audit log FILE:17: broken record: hash mismatch (...); the 16 records
//   before it verify".
std::string DescribeAuditVerification(const AuditVerification& verification,
                                      std::string_view path);

}  // namespace coffer::cas

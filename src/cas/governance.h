// Governance: who may change the CAS itself, and which programs may hold
// its state. Kept in the sealed state (an identity named "governance",
// JSON), so every member that holds the state has the same record.
//
//   owners      identities (`coffer cas whoami`: SHA-256 of a client key)
//               named with `coffer cas serve --owner` when the state is
//               made, and fixed from then on: the host that restarts a CAS
//               cannot add one. Only owners approve, revoke and list.
//   mrenclaves  CAS builds (measurements) approved to hold the state.
//   platforms   platforms approved to run a member.
//   members     each CAS that held the state: build, platform, address,
//               "serving" or "retired", since when, last seen.
// A new state approves its own build and platform. A member joins (a CAS
// upgrade, handover.h) only with an approved build on an approved
// platform. Every change is written to the audit log.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cas/audit_log.h"
#include "cas/sessions.h"
#include "cas/store.h"
#include "common/status.h"

namespace coffer::cas {

// A member as the record knows it. Times are Unix seconds.
struct MemberRecord {
  std::string measurement;  // hex
  std::string platform;     // platform ID, hex
  std::string address;      // HOST:PORT it served on
  std::string state;        // "serving" or "retired"
  int64_t since = 0;
  int64_t last_seen = 0;
};

class Governance {
 public:
  struct Self {
    std::string measurement;
    std::string platform;
    std::string address;
  };

  // Reads the record, or makes it for a new state (`owners` become the
  // owners; this build and platform the first approvals), and records this
  // member as serving. `owners` given for an existing state must be the
  // stored ones.
  // Failure: kInvalidArgument for an owner that is not 64 hex digits;
  // kFailedPrecondition "the CAS's owners are fixed when its state is
  // made ..." or "this CAS state was handed over to ...: it is retired";
  // the store's and the audit log's errors.
  static StatusOr<std::unique_ptr<Governance>> Load(
      Store& store, AuditLog& audit, Clock clock, const Self& self,
      std::vector<std::string> owners);

  bool IsOwner(std::string_view identity) const;

  // kind is "mrenclave" or "platform"; value hex. Owners only:
  // kPermissionDenied "only the CAS's owners may ..." otherwise.
  Status Approve(std::string_view caller, std::string_view kind,
                 std::string_view value);
  Status Revoke(std::string_view caller, std::string_view kind,
                std::string_view value);

  // {"owners", "approved": {"mrenclaves", "platforms"}, "members": [...]}
  // for an owner; kPermissionDenied for anyone else.
  StatusOr<std::string> Describe(std::string_view caller) const;

  // The whole audit log (AuditLog::Export) for an owner;
  // kPermissionDenied for anyone else.
  StatusOr<std::string> ExportAudit(std::string_view caller) const;

  // kPermissionDenied naming what is not approved.
  Status CheckApproved(std::string_view measurement,
                       std::string_view platform) const;

  // This member handed the state to `next`: it is retired, `next` serves.
  Status HandedOver(const Self& next);
  // This member joined from `source`, which retired (the record it handed
  // over still says it serves).
  Status Joined(const Self& source);
  // This member recovered the state from `officers`' shares: every other
  // member that served is lost.
  Status Recovered(const std::vector<std::string>& officers);

  // The address this member serves on, once it is bound.
  Status ServingAt(const std::string& address);

  // The build and platform of this member (a member is one build on one
  // platform: the same cannot join again).
  bool IsSelf(std::string_view measurement, std::string_view platform) const;

 private:
  struct Record {
    std::vector<std::string> owners;
    std::vector<std::string> mrenclaves;
    std::vector<std::string> platforms;
    std::vector<MemberRecord> members;
  };
  Governance(Store& store, AuditLog& audit, Clock clock, Self self,
             Record record)
      : store_(store),
        audit_(audit),
        clock_(std::move(clock)),
        self_(std::move(self)),
        record_(std::move(record)) {}

  static StatusOr<Record> Parse(std::string_view json);
  static std::string Serialize(const Record& record);
  // Applies `change` to the stored record (read again in a shared store)
  // and saves it atomically; then record_ is the saved one. On failure
  // record_ is as before, so memory never runs ahead of the store. Under
  // mu_.
  Status SaveChanged(const std::function<void(Record&)>& change);
  // The stored record, which record_ then caches. Not under mu_.
  StatusOr<Record> Latest() const;
  // The member entry for a build on a platform, made when missing.
  MemberRecord& Entry(Record& record, const Self& member) const;
  int64_t Now() const;
  Status Change(std::string_view caller, std::string_view kind,
                std::string_view value, bool approve);

  Store& store_;
  AuditLog& audit_;
  const Clock clock_;
  const Self self_;
  mutable std::mutex mu_;
  mutable Record record_;  // guarded by mu_; a cache of the stored one
};

}  // namespace coffer::cas

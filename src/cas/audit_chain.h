// SharedAuditChain: where the audit log of a CAS with several members lives
// (etcd_store.h implements it), so that their records form one chain: each
// member appends after the head it read, and only if the head is still
// there; otherwise it reads the new head and signs again. Appends made at
// once in one member go in one batch (a group commit). See audit_log.h
// (AuditLog::OpenShared).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coffer::cas {

class SharedAuditChain {
 public:
  struct Head {
    uint64_t seq = 0;     // 0: no record yet
    std::string hash;     // the last record's hash
    int64_t version = 0;  // the store's version of the head; 0 if none
  };
  virtual ~SharedAuditChain() = default;

  virtual StatusOr<Head> ReadHead() = 0;
  // Stores `lines` (without "\n") as records first_seq, first_seq + 1, ...
  // and moves the head to (the last seq, last_hash), all at once, if the
  // head is still `expected`; false if another member appended first
  // (nothing is written then).
  virtual StatusOr<bool> Append(const Head& expected, uint64_t first_seq,
                                const std::vector<std::string>& lines,
                                const std::string& last_hash) = 0;
  // Every record's line, in seq order.
  virtual StatusOr<std::vector<std::string>> ReadAll() = 0;
};

}  // namespace coffer::cas

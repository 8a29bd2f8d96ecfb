// SharedAuditChain: where the audit log of a CAS with several members lives
// (etcd_store.h implements it), so that their records form one chain: each
// member appends after the head it read, and only if the head is still
// there; otherwise it reads the new head and signs again. See audit_log.h
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
  // Stores record `seq` (its line, without "\n") and moves the head to
  // (seq, hash), if the head is still `expected`; false if another member
  // appended first (nothing is written then).
  virtual StatusOr<bool> Append(const Head& expected, uint64_t seq,
                                const std::string& hash,
                                std::string_view line) = 0;
  // Every record's line, in seq order.
  virtual StatusOr<std::vector<std::string>> ReadAll() = 0;
};

}  // namespace coffer::cas

// The joining side of a handover (handover.h, steps 1 to 4): `coffer cas
// serve --join ADDR` takes a running member's state into its own, empty,
// data directory. Thread safety: a PendingJoin is used by one thread.
#pragma once

#include <memory>
#include <string>

#include "cas/governance.h"
#include "cas/sessions.h"
#include "cas/store.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::cas {

struct JoinOptions {
  std::string source;    // HOST:PORT of a running member
  std::string data_dir;  // empty: no state there yet
  std::string las_socket;
  Clock clock;
};

class CasClient;

// The joining side between steps 3 and 4: `data_dir` holds the adopted
// state and audit log; the source refuses requests until Commit.
class PendingJoin {
 public:
  PendingJoin(std::unique_ptr<CasClient> source_client, Governance::Self source,
              std::string data_dir);
  ~PendingJoin();

  // Step 4, once this member serves at `address`; then the marker goes
  // from `store`. Retries while the source does not answer. Failure: the
  // source's refusal (kFailedPrecondition: it timed out and serves again;
  // Undo), or kUnavailable when it never answered (the outcome is unknown:
  // keep the state; a restart without --join asks again).
  Status Commit(const std::string& address, Store& store);
  // Removes the adopted state and audit log (a join that did not finish).
  void Undo();
  const Governance::Self& source() const { return source_; }

 private:
  std::unique_ptr<CasClient> client_;
  Governance::Self source_;
  std::string data_dir_;
};

// Steps 1 to 3 above; the adopted state holds a marker with the join's
// key until the commit. Failure: the source's refusal ("CAS 127.0.0.1:8081
// refused the join: measurement ... is not an approved CAS build");
// kFailedPrecondition when `data_dir` holds a state or an audit log.
StatusOr<std::unique_ptr<PendingJoin>> JoinAndAdopt(
    const JoinOptions& options, const crypto::SecretBytes& seal_key);

// A member joining a shared store (etcd_store.h): steps 1 to 3, and the
// answer is the state key only; the source serves on. Failure: as
// JoinAndAdopt's, and kFailedPrecondition when the source's state is not
// on a shared store.
StatusOr<crypto::SecretBytes> TakeSharedStateKey(const JoinOptions& options);

// For a state whose join did not finish (the marker is there): connects to
// its source with the join's key, ready to commit. Null without a marker.
StatusOr<std::unique_ptr<PendingJoin>> ResumeJoin(const JoinOptions& options,
                                                  Store& store);

// The marker's name among the state's identities.
inline constexpr char kJoinPendingIdentity[] = "join.pending";

}  // namespace coffer::cas

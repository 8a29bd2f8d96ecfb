// Handover: a running CAS member gives its state to a member that joins,
// so that a CAS can be upgraded (or moved to another machine) without new
// sessions: every session, secret and certificate stays as it was.
//
// The joining member (`coffer cas serve --join ADDR`, an empty data
// directory):
//  1. makes a fresh key and has the LAS quote its own executable with the
//     key's SHA-256 as report data;
//  2. connects to ADDR with that key, checks ADDR's evidence (a quote that
//     binds ADDR's TLS key), and posts its quote: POST /v1/cas/join;
//  3. receives the state key, every row of the state (sealed under that
//     key) and the audit log; seals the state key with its own seal key
//     (its build, its platform) and checks that every row opens;
//  4. POST /v1/cas/join/commit, then serves with the same TLS identity
//     (the key is in the state): clients' pinned certificates still hold.
// The running member, for POST /v1/cas/join, checks in order: the quote
// verifies; it binds the key of this connection; simulation only if this
// member is a simulation too (a hardware member also refuses debug
// enclaves); the build and the platform are approved (governance.h). Then
// it stops serving requests (503 "a handover is in progress"), after the
// requests under way have finished, and answers with the state. At commit
// it records the successor, retires for good (its state says so, so a
// restart refuses to serve) and answers every request with 503 naming the
// successor's address. Without a commit within 60 s it serves again. A
// commit repeated by the same key after the retirement succeeds again (the
// joining member may not have seen the first answer).
//
// So at most one member serves a SQLite state at a time, and the state
// key reaches only an approved program on an approved platform, over TLS
// that ends inside it. Limit: the joining member trusts any attested CAS
// as its source. A source that is not the real CAS hands it a state and a
// TLS key of its own, which the attacker behind it may know: owners see a
// different `identity` in `coffer cas attest` (runtimes do not pin it), so
// check it after an upgrade.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "attest/collateral.h"
#include "attest/quote_verifier.h"
#include "cas/audit_log.h"
#include "cas/governance.h"
#include "cas/identity.h"
#include "cas/store.h"
#include "crypto/secret.h"
#include "net/router.h"

namespace coffer::cas {

// The export's format, and the largest audit log a handover carries.
inline constexpr int kHandoverFormat = 1;
inline constexpr size_t kMaxHandoverAuditBytes = 256u << 20;

class Handover {
 public:
  // Everything borrowed must outlive this object. `collateral` may be null.
  Handover(Store& store, AuditLog& audit, Governance& governance,
           attest::QuoteVerifier& verifier,
           const attest::Collateral* collateral, const CasIdentity& self,
           Clock clock);

  // `handler`, refused with kUnavailable while a handover is in progress
  // or after this member retired.
  net::Handler Gated(net::Handler handler);

  // POST /v1/cas/join: the JSON the joining member adopts (secret).
  // Failure: kPermissionDenied naming the check that failed;
  // kFailedPrecondition when a handover is already in progress.
  StatusOr<std::string> Export(const std::string& peer_identity,
                               const Bytes& quote);

  // POST /v1/cas/join/commit, by the connection key that received the
  // state; `address` is where the new member serves. Failure:
  // kFailedPrecondition when no handover to that key is in progress.
  Status Commit(const std::string& peer_identity, const std::string& address);

  // A joining member refuses gated requests until its source committed.
  void StartJoining();
  void Joined();

 private:
  // kCommitting: the commit is being recorded; like kHandingOver, but it
  // does not expire.
  enum class State { kJoining, kServing, kHandingOver, kCommitting, kRetired };
  // Under mu_: a handover whose commit did not come in time is dropped.
  void ExpireLocked();

  Store& store_;
  AuditLog& audit_;
  Governance& governance_;
  attest::QuoteVerifier& verifier_;
  const attest::Collateral* collateral_;
  const CasIdentity& self_;
  const Clock clock_;
  // Shared by every gated request; exclusive while the state is copied, so
  // that no request is half done in it.
  std::shared_mutex gate_;
  std::mutex mu_;
  State state_ = State::kServing;                   // guarded by mu_
  std::string peer_;                                // guarded by mu_
  Governance::Self next_;                           // guarded by mu_
  std::chrono::system_clock::time_point deadline_;  // guarded by mu_
};

}  // namespace coffer::cas

// The CAS's sealed state: sessions and the CAS's own identity secrets.
// Store is what the CAS uses; two stores implement it: SqliteStore (below),
// one SQLite file DIR/cas-state.db, the embedded default for one machine,
// and EtcdStore (etcd_store.h), shared by several members on etcd.
// What follows describes SqliteStore; the sealing (state_sealing.h) is the
// same in both.
//
// Durability: WAL mode with synchronous=FULL, so a write that returned OK
// survives SIGKILL and power loss; a crash mid-write leaves the previous
// version. The directory is created 0700 and the file 0600 (SQLite gives
// its -wal and -shm files the same mode).
//
// Keys: the first Open draws a random 32-byte state key and stores it sealed
// (AES-256-GCM) under the seal key, which the LAS derives for this CAS's
// measurement on this platform. Another CAS build or another platform gets
// another seal key and cannot open the state.
//
// Schema (format version 1):
//   meta(id = 1, format_version, sealed_state_key)
//   sessions(name PRIMARY KEY, hash, creator, revision, policy, secrets)
//   identities(name PRIMARY KEY, value)
// name, hash, creator and revision are identifiers, stored in clear so that
// a session can be found and listed without decrypting. policy, secrets and
// value are AES-256-GCM under the state key (nonce || ciphertext || tag).
// Their associated data binds each to its place: table, column, name, and
// for sessions also revision, hash and creator. So a ciphertext copied to
// another row or column, or a changed hash, creator or revision, does not
// decrypt, and GetSession reports kDataLoss naming the session.
// ListSessionNames does not decrypt and therefore checks nothing.
//
// Known limit: rollback is NOT detected. Restoring a whole older copy of
// the database (or an older version of one row together with its revision,
// hash and creator) gives an older state that decrypts fine. Detecting it
// needs a monotonic counter outside this file, which the platform does not
// offer in simulation.
//
// Thread safety: every method may be called from any thread; one SQLite
// connection is shared under a mutex. Several processes may open the same
// directory: updates are compare-and-swap inside an IMMEDIATE transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cas/audit_chain.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::cas {

inline constexpr std::string_view kStateFileName = "cas-state.db";
inline constexpr int64_t kStateFormatVersion = 1;

struct SessionRecord {
  std::string name;     // session name, stored in clear (an identifier)
  std::string hash;     // 64 hex canonical hash, stored in clear
  std::string creator;  // 64 hex: SHA-256 of the creator's client SPKI
  // The session file as submitted and its variables, serialized by the
  // caller. Encrypted.
  std::string policy_text;
  // Generated secret values, serialized by the secrets engine. Encrypted.
  crypto::SecretBytes secrets;
  int64_t revision = 0;  // set by the store: 1 on create, +1 per update
};

// What a member hands to a member that joins (governance.h): the state
// key and every row as stored, sealed under that key. Secret as a whole.
struct StateSnapshot {
  struct Session {
    std::string name, hash, creator;
    int64_t revision = 0;
    Bytes policy, secrets;  // sealed
  };
  struct Identity {
    std::string name;
    Bytes value;  // sealed
  };
  crypto::SecretBytes state_key;
  std::vector<Session> sessions;
  std::vector<Identity> identities;
};

class Store {
 public:
  virtual ~Store() = default;

  // True when this Open made a new state.
  virtual bool created() const = 0;

  // Stores a new session with revision 1 and sets record.revision.
  // Failure: kAlreadyExists "session "N" already exists"; kInvalidArgument
  // for an empty name or a hash or creator that is not 64 hex digits.
  virtual Status CreateSession(SessionRecord& record) = 0;

  // Replaces session record.name atomically, only if its stored hash equals
  // `predecessor_hash`; sets record.revision to the stored one plus one.
  // Failure: kNotFound "no session "N""; kFailedPrecondition "session "N"
  // has hash H, not the given predecessor P (nothing changed)";
  // kInvalidArgument as for CreateSession.
  virtual Status UpdateSession(SessionRecord& record,
                               std::string_view predecessor_hash) = 0;

  // Failure: kNotFound "no session "N""; kDataLoss "session "N": its stored
  // policy_text does not decrypt ..." when the row was altered or moved.
  virtual StatusOr<SessionRecord> GetSession(std::string_view name) = 0;

  // All session names, sorted bytewise.
  virtual StatusOr<std::vector<std::string>> ListSessionNames() = 0;

  // Named secrets of the CAS itself (its TLS and identity keys), encrypted
  // like sessions. Put inserts or replaces; Get gives nullopt when absent
  // and kDataLoss "identity "N": its stored value does not decrypt ...".
  virtual Status PutIdentity(std::string_view name,
                             const crypto::SecretBytes& value) = 0;
  virtual StatusOr<std::optional<crypto::SecretBytes>> GetIdentity(
      std::string_view name) = 0;
  // Removes the identity `name` if present.
  virtual Status DeleteIdentity(std::string_view name) = 0;

  // Replaces identity `name` with change(its current value, or nullopt)
  // atomically: a concurrent change by another member in between makes
  // `change` run again on the new value. `change`'s error is returned and
  // nothing is written.
  using IdentityChange = std::function<StatusOr<crypto::SecretBytes>(
      const std::optional<crypto::SecretBytes>& current)>;
  virtual Status ChangeIdentity(std::string_view name,
                                const IdentityChange& change) = 0;

  // Every row and the state key, read in one transaction.
  virtual StatusOr<StateSnapshot> Snapshot() = 0;

  // A copy of the state key, for a member that joins a shared store.
  virtual crypto::SecretBytes StateKeyCopy() const = 0;

  // Where the audit log lives when members share the state: null for a
  // store of one member (the log is its file). The chain borrows the store,
  // which must outlive it.
  virtual std::unique_ptr<SharedAuditChain> AuditChain() { return nullptr; }

  // True when other members serve from the same state at once (etcd):
  // then a member joins by taking the state key only, and nobody retires.
  virtual bool shared() const = 0;
};

class SqliteStore final : public Store {
 public:
  // Opens DIR/cas-state.db, creating DIR and the file when missing, and a
  // new state key when the file is new (created() is then true).
  // Failure, always without changing or deleting existing state:
  // - kInvalidArgument: `seal_key` is not 32 bytes.
  // - kFailedPrecondition "cannot open the CAS state in DIR: it was sealed by
  //   another CAS build or on another platform (its state key does not
  //   decrypt with this CAS's seal key)", or for an unknown format version.
  // - kDataLoss "cannot open the CAS state in DIR: DIR/cas-state.db is not a
  //   CAS state (file is not a database)" for a corrupt or foreign file.
  // - kPermissionDenied, kUnavailable, kResourceExhausted from the file
  //   system or SQLite.
  static StatusOr<std::unique_ptr<Store>> Open(
      const std::string& dir, const crypto::SecretBytes& seal_key);

  // Makes DIR's state from a running member's snapshot: the same state key,
  // sealed under this CAS's `seal_key`, and the same rows. Every row is
  // checked to decrypt before it returns.
  // Failure: kFailedPrecondition "DIR holds a CAS state already" (a member
  // joins with an empty directory); kDataLoss when a row does not decrypt
  // (then DIR's new file is removed again); Open's errors.
  // A state whose sealed key does not open with `seal_key` (its member is
  // lost), recovered with `state_key` (recovery.h): checks that the key
  // opens the state's rows, seals it with `seal_key`, then opens the state.
  // Failure: kPermissionDenied "the recovered key does not open this
  // state"; Open's errors. Nothing changes before the key is checked.
  static StatusOr<std::unique_ptr<Store>> Recover(
      const std::string& dir, const crypto::SecretBytes& seal_key,
      const crypto::SecretBytes& state_key);

  static StatusOr<std::unique_ptr<Store>> Adopt(
      const std::string& dir, const crypto::SecretBytes& seal_key,
      const StateSnapshot& snapshot);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  bool created() const override { return created_; }
  Status CreateSession(SessionRecord& record) override;
  Status UpdateSession(SessionRecord& record,
                       std::string_view predecessor_hash) override;
  StatusOr<SessionRecord> GetSession(std::string_view name) override;
  StatusOr<std::vector<std::string>> ListSessionNames() override;
  Status PutIdentity(std::string_view name,
                     const crypto::SecretBytes& value) override;
  StatusOr<std::optional<crypto::SecretBytes>> GetIdentity(
      std::string_view name) override;
  Status DeleteIdentity(std::string_view name) override;
  Status ChangeIdentity(std::string_view name,
                        const IdentityChange& change) override;
  StatusOr<StateSnapshot> Snapshot() override;
  crypto::SecretBytes StateKeyCopy() const override {
    return crypto::SecretBytes(state_key_.span());
  }
  bool shared() const override { return false; }

 private:
  // Open, or with `adopt_key` the creation of a new state with that key.
  static StatusOr<std::unique_ptr<SqliteStore>> OpenWithKey(
      const std::string& dir, const crypto::SecretBytes& seal_key,
      const crypto::SecretBytes* adopt_key);
  struct Connection;  // the SQLite connection and its prepared statements

  SqliteStore(std::unique_ptr<Connection> connection,
              crypto::SecretBytes state_key, bool created);
  Status WriteSession(SessionRecord& record, bool create,
                      std::string_view predecessor_hash);

  std::mutex mu_;
  std::unique_ptr<Connection> connection_;  // guarded by mu_
  const crypto::SecretBytes state_key_;
  const bool created_;
};

}  // namespace coffer::cas

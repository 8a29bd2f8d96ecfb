// EtcdStore: the CAS's state on etcd, shared by every member at once.
//
// Keys (all under "coffer/"):
//   coffer/state            the state's check value, sealed under the
//                           state key: a member's key opens it or is not
//                           this state's
//   coffer/sessions/H       one session; H = HMAC-SHA-256 of its name under
//                           a key derived from the state key (hex), so etcd
//                           does not learn names
//   coffer/audit/...        the audit log, one chain for all members
//                           (AuditChain)
//   coffer/identities/H     one identity of the CAS (its TLS key, the
//                           governance record, ...), H as for sessions
// Every value is AES-256-GCM under the state key with the key's name as
// associated data: a value moved to another key does not decrypt. Inside,
// a session's policy and secrets are sealed as in SqliteStore
// (state_sealing.h), so snapshots are the same in both stores. etcd's
// operators learn the number of sessions and the sizes, nothing else.
//
// The state key itself is never in etcd. Each member keeps it in
// DIR/etcd-member.key, sealed under its own seal key (its build on its
// platform). The first member makes it; the next ones get it from a
// running member (`coffer cas serve --join`, handover.h) and seal it for
// themselves.
//
// Concurrency across members: a session update is a transaction that
// requires the session's etcd revision to be the one read, so of two
// members updating one session from the same predecessor exactly one wins;
// the other reads again and reports the predecessor error. An update whose
// answer was lost is read back: if etcd holds exactly what this member
// wrote, it succeeded.
//
// Rollback (an older copy of etcd's data restored) is not detected, as in
// SqliteStore.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "cas/etcd_client.h"
#include "cas/store.h"
#include "crypto/secret.h"

namespace coffer::cas {

inline constexpr std::string_view kEtcdMemberKeyFile = "etcd-member.key";

class EtcdStore final : public Store {
 public:
  // Opens the state on etcd for the member whose directory is `dir`.
  // - DIR/etcd-member.key exists: unseals it with `seal_key` and checks that
  //   it opens etcd's state. kFailedPrecondition "... sealed by another
  //   CAS build or on another platform" or "... does not open the state in
  //   etcd (another CAS's state?)"; kFailedPrecondition when etcd holds no
  //   state (it was wiped: restore etcd, or start with an empty directory
  //   to make a new state).
  // - no member key, no state in etcd: makes a new state (created()).
  // - no member key, a state in etcd: kFailedPrecondition "etcd holds a CAS
  //   state already; a new member joins it with --join ADDR".
  static StatusOr<std::unique_ptr<Store>> Open(
      std::unique_ptr<EtcdClient> etcd, const std::string& dir,
      const crypto::SecretBytes& seal_key);

  // A joining member with the state key a running member handed over:
  // checks that it opens etcd's state, then seals it for this member.
  // kFailedPrecondition when DIR holds a member key already.
  static StatusOr<std::unique_ptr<Store>> Join(
      std::unique_ptr<EtcdClient> etcd, const std::string& dir,
      const crypto::SecretBytes& seal_key,
      const crypto::SecretBytes& state_key);

  ~EtcdStore() override;
  EtcdStore(const EtcdStore&) = delete;
  EtcdStore& operator=(const EtcdStore&) = delete;

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
  // The audit chain in etcd: coffer/audit/head (the last seq and hash)
  // and coffer/audit/r/SEQ (each record's line), sealed like the rest.
  std::unique_ptr<SharedAuditChain> AuditChain() override;
  bool shared() const override { return true; }

 private:
  EtcdStore(std::unique_ptr<EtcdClient> etcd, crypto::SecretBytes state_key,
            crypto::SecretBytes name_key, bool created);
  static StatusOr<std::unique_ptr<EtcdStore>> WithKey(
      std::unique_ptr<EtcdClient> etcd, crypto::SecretBytes state_key,
      bool created);

  std::string SessionKey(std::string_view name) const;
  std::string IdentityKey(std::string_view name) const;
  // The outer seal of a value at etcd key `key`.
  StatusOr<Bytes> SealValue(std::string_view key,
                            std::span<const uint8_t> plain) const;
  StatusOr<crypto::SecretBytes> OpenValue(const EtcdClient::KeyValue& kv,
                                          const std::string& what) const;
  StatusOr<SessionRecord> OpenSessionValue(const EtcdClient::KeyValue& kv,
                                           std::string_view name) const;
  // An identity's value: {"name", "value": sealed as in SqliteStore},
  // sealed again under its etcd key.
  struct IdentityRow {
    std::string name;
    Bytes sealed;  // under IdentityAd(name)
  };
  StatusOr<Bytes> SealIdentityValue(std::string_view name,
                                    const crypto::SecretBytes& value) const;
  // `name` empty: any identity's row (for snapshots).
  StatusOr<IdentityRow> OpenIdentityRow(const EtcdClient::KeyValue& kv,
                                        std::string_view name) const;
  StatusOr<crypto::SecretBytes> OpenIdentityValue(
      const EtcdClient::KeyValue& kv, std::string_view name) const;
  StatusOr<Bytes> SealSessionValue(const std::string& key,
                                   const SessionRecord& record,
                                   int64_t revision) const;

  std::unique_ptr<EtcdClient> etcd_;
  const crypto::SecretBytes state_key_;
  const crypto::SecretBytes name_key_;
  const bool created_;
};

}  // namespace coffer::cas

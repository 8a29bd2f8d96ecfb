#include "cas/etcd_store.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "cas/state_sealing.h"
#include "common/files.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace coffer::cas {
namespace {

using crypto::SecretBytes;
using Json = nlohmann::json;

constexpr char kStateKey[] = "coffer/state";
constexpr char kSessionsPrefix[] = "coffer/sessions/";
constexpr char kIdentitiesPrefix[] = "coffer/identities/";
constexpr std::string_view kStateCheck = "coffer-etcd-state-v1";
// Concurrent changes of one identity by several members: each retry saw a
// newer value, so a few always suffice in practice.
constexpr int kMaxAttempts = 50;

Bytes EtcdAd(std::string_view key) { return AssociatedData({"etcd", key}); }

std::string MemberKeyPath(const std::string& dir) {
  return dir + "/" + std::string(kEtcdMemberKeyFile);
}

StatusOr<SecretBytes> NameKey(const SecretBytes& state_key) {
  constexpr std::string_view kInfo = "coffer etcd key names";
  return crypto::HkdfSha256({}, state_key, AsBytes(kInfo),
                            crypto::kAesGcmKeySize);
}

// Whether `state_key` opens etcd's check value; kFailedPrecondition when
// it does not or etcd holds no state.
Status CheckStateKey(EtcdClient& etcd, const SecretBytes& state_key) {
  COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> check,
                          etcd.Get(kStateKey));
  if (!check.has_value()) {
    return FailedPreconditionError(
        "etcd (" + etcd.endpoints() +
        ") holds no CAS state: it was wiped or is another cluster (restore "
        "etcd, or start this member with an empty data directory to make a "
        "new state)");
  }
  StatusOr<SecretBytes> opened =
      crypto::AesGcmOpen(state_key, check->value, EtcdAd(kStateKey));
  if (!opened.ok() || AsString(opened->span()) != kStateCheck) {
    return FailedPreconditionError(
        "this member's state key does not open the CAS state in etcd (" +
        etcd.endpoints() + "): etcd holds another CAS's state");
  }
  return OkStatus();
}

Status WriteMemberKey(const std::string& dir, const SecretBytes& seal_key,
                      const SecretBytes& state_key) {
  COFFER_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  COFFER_ASSIGN_OR_RETURN(
      Bytes sealed,
      crypto::AesGcmSeal(seal_key, state_key.span(), StateKeyAd()));
  return WriteFileAtomic(MemberKeyPath(dir), sealed, 0600);
}

}  // namespace

EtcdStore::EtcdStore(std::unique_ptr<EtcdClient> etcd, SecretBytes state_key,
                     SecretBytes name_key, bool created)
    : etcd_(std::move(etcd)),
      state_key_(std::move(state_key)),
      name_key_(std::move(name_key)),
      created_(created) {}

EtcdStore::~EtcdStore() = default;

StatusOr<std::unique_ptr<EtcdStore>> EtcdStore::WithKey(
    std::unique_ptr<EtcdClient> etcd, SecretBytes state_key, bool created) {
  COFFER_ASSIGN_OR_RETURN(SecretBytes name_key, NameKey(state_key));
  return std::unique_ptr<EtcdStore>(new EtcdStore(
      std::move(etcd), std::move(state_key), std::move(name_key), created));
}

StatusOr<std::unique_ptr<Store>> EtcdStore::Open(
    std::unique_ptr<EtcdClient> etcd, const std::string& dir,
    const SecretBytes& seal_key) {
  const std::string context = "cannot open the CAS state on etcd";
  const std::string path = MemberKeyPath(dir);
  if (access(path.c_str(), F_OK) == 0) {
    COFFER_ASSIGN_OR_RETURN(std::string sealed, ReadFile(path, 4096));
    StatusOr<SecretBytes> state_key =
        crypto::AesGcmOpen(seal_key, AsBytes(sealed), StateKeyAd());
    if (!state_key.ok()) {
      return FailedPreconditionError(
          context + ": " + path +
          " was sealed by another CAS build or on another platform (it does "
          "not decrypt with this CAS's seal key)");
    }
    COFFER_RETURN_IF_ERROR(
        CheckStateKey(*etcd, *state_key).WithContext(context));
    COFFER_ASSIGN_OR_RETURN(
        std::unique_ptr<EtcdStore> store,
        WithKey(std::move(etcd), *std::move(state_key), false));
    return std::unique_ptr<Store>(std::move(store));
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> existing,
                          etcd->Get(kStateKey));
  if (existing.has_value()) {
    return FailedPreconditionError(
        context + ": etcd (" + etcd->endpoints() +
        ") holds a CAS state already and " + dir +
        " has no member key; a new member joins it with --join ADDR of a "
        "running member");
  }
  // A new state. The member key is on disk before the state exists in
  // etcd, so that no state is ever made that no member can open.
  COFFER_ASSIGN_OR_RETURN(SecretBytes state_key,
                          crypto::RandomSecret(crypto::kAesGcmKeySize));
  COFFER_RETURN_IF_ERROR(
      WriteMemberKey(dir, seal_key, state_key).WithContext(context));
  StatusOr<Bytes> check =
      crypto::AesGcmSeal(state_key, AsBytes(kStateCheck), EtcdAd(kStateKey));
  StatusOr<bool> made =
      check.ok()
          ? etcd->Txn(
                {{kStateKey, EtcdClient::Compare::Target::kCreateRevision, 0}},
                {{kStateKey, *check}})
          : StatusOr<bool>(check.status());
  if (!made.ok() || !*made) {
    ::unlink(path.c_str());
    if (!made.ok()) return made.status().WithContext(context);
    return FailedPreconditionError(
        context +
        ": another member made the state in etcd at the same time; start "
        "this one with --join ADDR of that member");
  }
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<EtcdStore> store,
                          WithKey(std::move(etcd), std::move(state_key), true));
  return std::unique_ptr<Store>(std::move(store));
}

StatusOr<std::unique_ptr<Store>> EtcdStore::Join(
    std::unique_ptr<EtcdClient> etcd, const std::string& dir,
    const SecretBytes& seal_key, const SecretBytes& state_key) {
  const std::string context = "cannot join the CAS state on etcd";
  if (access(MemberKeyPath(dir).c_str(), F_OK) == 0) {
    return FailedPreconditionError(
        context + ": " + MemberKeyPath(dir) +
        " exists; this directory's member has joined already (start it "
        "without --join)");
  }
  COFFER_RETURN_IF_ERROR(CheckStateKey(*etcd, state_key).WithContext(context));
  COFFER_RETURN_IF_ERROR(
      WriteMemberKey(dir, seal_key, state_key).WithContext(context));
  COFFER_ASSIGN_OR_RETURN(
      std::unique_ptr<EtcdStore> store,
      WithKey(std::move(etcd), SecretBytes(state_key.span()), false));
  return std::unique_ptr<Store>(std::move(store));
}

std::string EtcdStore::SessionKey(std::string_view name) const {
  return kSessionsPrefix +
         HexEncode(crypto::HmacSha256(name_key_.span(), AsBytes(name)));
}

std::string EtcdStore::IdentityKey(std::string_view name) const {
  return kIdentitiesPrefix +
         HexEncode(crypto::HmacSha256(name_key_.span(), AsBytes(name)));
}

StatusOr<Bytes> EtcdStore::SealValue(std::string_view key,
                                     std::span<const uint8_t> plain) const {
  return crypto::AesGcmSeal(state_key_, plain, EtcdAd(key));
}

StatusOr<SecretBytes> EtcdStore::OpenValue(const EtcdClient::KeyValue& kv,
                                           const std::string& what) const {
  return Unseal(state_key_, kv.value, EtcdAd(kv.key), what);
}

StatusOr<Bytes> EtcdStore::SealSessionValue(const std::string& key,
                                            const SessionRecord& record,
                                            int64_t revision) const {
  COFFER_ASSIGN_OR_RETURN(SealedSession sealed,
                          SealSession(state_key_, record, revision));
  const Json row = {{"name", record.name},
                    {"hash", record.hash},
                    {"creator", record.creator},
                    {"revision", revision},
                    {"policy", Base64Encode(sealed.policy)},
                    {"secrets", Base64Encode(sealed.secrets)}};
  return SealValue(key, AsBytes(row.dump()));
}

StatusOr<SessionRecord> EtcdStore::OpenSessionValue(
    const EtcdClient::KeyValue& kv, std::string_view name) const {
  const std::string what = "session " + Quoted(name) + " in etcd";
  COFFER_ASSIGN_OR_RETURN(SecretBytes plain, OpenValue(kv, what));
  const Json row = Json::parse(AsString(plain.span()), nullptr, false);
  auto text = [&row](const char* field) -> std::optional<std::string> {
    if (!row.is_object() || !row.contains(field) || !row[field].is_string()) {
      return std::nullopt;
    }
    return row[field].get<std::string>();
  };
  const std::optional<std::string> row_name = text("name");
  const std::optional<std::string> hash = text("hash");
  const std::optional<std::string> creator = text("creator");
  const std::optional<std::string> policy = text("policy");
  const std::optional<std::string> secrets = text("secrets");
  if (!row_name || !hash || !creator || !policy || !secrets ||
      !row.contains("revision") || !row["revision"].is_number_integer()) {
    return DataLossError(what + " is not a session row");
  }
  // The name inside must be the one asked for (ListSessionNames passes
  // the inner name itself).
  if (!name.empty() && *row_name != name) {
    return DataLossError(what + " holds another session's row");
  }
  SessionRecord record;
  record.name = *row_name;
  record.hash = *hash;
  record.creator = *creator;
  record.revision = row["revision"].get<int64_t>();
  StatusOr<Bytes> sealed_policy = Base64Decode(*policy);
  StatusOr<Bytes> sealed_secrets = Base64Decode(*secrets);
  if (!sealed_policy.ok() || !sealed_secrets.ok()) {
    return DataLossError(what + " is not a session row");
  }
  COFFER_RETURN_IF_ERROR(
      OpenSession(state_key_, *sealed_policy, *sealed_secrets, record));
  return record;
}

StatusOr<Bytes> EtcdStore::SealIdentityValue(std::string_view name,
                                             const SecretBytes& value) const {
  COFFER_ASSIGN_OR_RETURN(
      Bytes inner,
      crypto::AesGcmSeal(state_key_, value.span(), IdentityAd(name)));
  const Json row = {{"name", name}, {"value", Base64Encode(inner)}};
  return SealValue(IdentityKey(name), AsBytes(row.dump()));
}

StatusOr<EtcdStore::IdentityRow> EtcdStore::OpenIdentityRow(
    const EtcdClient::KeyValue& kv, std::string_view name) const {
  const std::string what =
      "identity " + (name.empty() ? std::string("row") : Quoted(name));
  COFFER_ASSIGN_OR_RETURN(SecretBytes plain, OpenValue(kv, what + " in etcd"));
  const Json row = Json::parse(AsString(plain.span()), nullptr, false);
  if (!row.is_object() || !row.contains("name") || !row["name"].is_string() ||
      !row.contains("value") || !row["value"].is_string()) {
    return DataLossError(what + " in etcd is not an identity row");
  }
  IdentityRow out;
  out.name = row["name"].get<std::string>();
  StatusOr<Bytes> inner = Base64Decode(row["value"].get<std::string>());
  if (!inner.ok() || (!name.empty() && out.name != name) ||
      IdentityKey(out.name) != kv.key) {
    return DataLossError(what + " in etcd is not this identity's row");
  }
  out.sealed = *std::move(inner);
  return out;
}

StatusOr<SecretBytes> EtcdStore::OpenIdentityValue(
    const EtcdClient::KeyValue& kv, std::string_view name) const {
  COFFER_ASSIGN_OR_RETURN(IdentityRow row, OpenIdentityRow(kv, name));
  return Unseal(state_key_, row.sealed, IdentityAd(name),
                "identity " + Quoted(name) + ": its stored value");
}

Status EtcdStore::CreateSession(SessionRecord& record) {
  COFFER_RETURN_IF_ERROR(CheckSessionRecord(record));
  const std::string key = SessionKey(record.name);
  COFFER_ASSIGN_OR_RETURN(Bytes value, SealSessionValue(key, record, 1));
  StatusOr<bool> made = etcd_->Txn(
      {{key, EtcdClient::Compare::Target::kCreateRevision, 0}}, {{key, value}});
  if (!made.ok()) {
    // The answer may have been lost after etcd applied it.
    StatusOr<std::optional<EtcdClient::KeyValue>> now = etcd_->Get(key);
    if (now.ok() && now->has_value() && (*now)->value == value) {
      record.revision = 1;
      return OkStatus();
    }
    return made.status().WithContext("create session " + Quoted(record.name));
  }
  if (!*made) {
    return AlreadyExistsError("session " + Quoted(record.name) +
                              " already exists");
  }
  record.revision = 1;
  return OkStatus();
}

Status EtcdStore::UpdateSession(SessionRecord& record,
                                std::string_view predecessor_hash) {
  COFFER_RETURN_IF_ERROR(CheckSessionRecord(record));
  const std::string session = "session " + Quoted(record.name);
  const std::string key = SessionKey(record.name);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> current,
                            etcd_->Get(key));
    if (!current.has_value()) return NotFoundError("no " + session);
    COFFER_ASSIGN_OR_RETURN(SessionRecord stored,
                            OpenSessionValue(*current, record.name));
    if (stored.hash != predecessor_hash) {
      return FailedPreconditionError(session + " has hash " + stored.hash +
                                     ", not the given predecessor " +
                                     std::string(predecessor_hash) +
                                     " (nothing changed)");
    }
    if (stored.revision < 1 ||
        stored.revision == std::numeric_limits<int64_t>::max()) {
      return DataLossError(session + " has an invalid stored revision " +
                           std::to_string(stored.revision));
    }
    const int64_t revision = stored.revision + 1;
    COFFER_ASSIGN_OR_RETURN(Bytes value,
                            SealSessionValue(key, record, revision));
    StatusOr<bool> written =
        etcd_->Txn({{key, EtcdClient::Compare::Target::kModRevision,
                     current->mod_revision}},
                   {{key, value}});
    if (!written.ok()) {
      StatusOr<std::optional<EtcdClient::KeyValue>> now = etcd_->Get(key);
      if (now.ok() && now->has_value() && (*now)->value == value) {
        record.revision = revision;
        return OkStatus();
      }
      return written.status().WithContext("update " + session);
    }
    if (*written) {
      record.revision = revision;
      return OkStatus();
    }
    // Another member wrote in between: read again; its hash decides.
  }
  return UnavailableError("update " + session +
                          ": too many concurrent updates; try again");
}

StatusOr<SessionRecord> EtcdStore::GetSession(std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> kv,
                          etcd_->Get(SessionKey(name)));
  if (!kv.has_value()) return NotFoundError("no session " + Quoted(name));
  return OpenSessionValue(*kv, name);
}

StatusOr<std::vector<std::string>> EtcdStore::ListSessionNames() {
  COFFER_ASSIGN_OR_RETURN(std::vector<EtcdClient::KeyValue> rows,
                          etcd_->GetPrefix(kSessionsPrefix));
  std::vector<std::string> names;
  for (const EtcdClient::KeyValue& kv : rows) {
    COFFER_ASSIGN_OR_RETURN(SessionRecord record, OpenSessionValue(kv, ""));
    if (SessionKey(record.name) != kv.key) {
      return DataLossError("session " + Quoted(record.name) +
                           " in etcd is under another session's key");
    }
    names.push_back(std::move(record.name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status EtcdStore::PutIdentity(std::string_view name, const SecretBytes& value) {
  if (name.empty()) {
    return InvalidArgumentError("an identity name must not be empty");
  }
  COFFER_ASSIGN_OR_RETURN(Bytes sealed, SealIdentityValue(name, value));
  return etcd_->PutValue(IdentityKey(name), sealed)
      .WithContext("store identity " + Quoted(name));
}

StatusOr<std::optional<SecretBytes>> EtcdStore::GetIdentity(
    std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> kv,
                          etcd_->Get(IdentityKey(name)));
  if (!kv.has_value()) return std::optional<SecretBytes>();
  COFFER_ASSIGN_OR_RETURN(SecretBytes value, OpenIdentityValue(*kv, name));
  return std::optional<SecretBytes>(std::move(value));
}

Status EtcdStore::DeleteIdentity(std::string_view name) {
  return etcd_->Delete(IdentityKey(name))
      .WithContext("delete identity " + Quoted(name));
}

Status EtcdStore::ChangeIdentity(std::string_view name,
                                 const IdentityChange& change) {
  if (name.empty()) {
    return InvalidArgumentError("an identity name must not be empty");
  }
  const std::string identity = "identity " + Quoted(name);
  const std::string key = IdentityKey(name);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> kv,
                            etcd_->Get(key));
    std::optional<SecretBytes> current;
    EtcdClient::Compare compare{
        key, EtcdClient::Compare::Target::kCreateRevision, 0};
    if (kv.has_value()) {
      COFFER_ASSIGN_OR_RETURN(current, OpenIdentityValue(*kv, name));
      compare = {key, EtcdClient::Compare::Target::kModRevision,
                 kv->mod_revision};
    }
    COFFER_ASSIGN_OR_RETURN(SecretBytes next, change(current));
    COFFER_ASSIGN_OR_RETURN(Bytes sealed, SealIdentityValue(name, next));
    StatusOr<bool> written = etcd_->Txn({compare}, {{key, sealed}});
    if (!written.ok()) {
      StatusOr<std::optional<EtcdClient::KeyValue>> now = etcd_->Get(key);
      if (now.ok() && now->has_value() && (*now)->value == sealed) {
        return OkStatus();
      }
      return written.status().WithContext("change " + identity);
    }
    if (*written) return OkStatus();
  }
  return UnavailableError("change " + identity +
                          ": too many concurrent changes; try again");
}

StatusOr<StateSnapshot> EtcdStore::Snapshot() {
  StateSnapshot snapshot;
  snapshot.state_key = SecretBytes(state_key_.span());
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> names, ListSessionNames());
  for (const std::string& name : names) {
    COFFER_ASSIGN_OR_RETURN(SessionRecord record, GetSession(name));
    COFFER_ASSIGN_OR_RETURN(SealedSession sealed,
                            SealSession(state_key_, record, record.revision));
    snapshot.sessions.push_back({record.name, record.hash, record.creator,
                                 record.revision, std::move(sealed.policy),
                                 std::move(sealed.secrets)});
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<EtcdClient::KeyValue> identities,
                          etcd_->GetPrefix(kIdentitiesPrefix));
  for (const EtcdClient::KeyValue& kv : identities) {
    COFFER_ASSIGN_OR_RETURN(IdentityRow row, OpenIdentityRow(kv, ""));
    snapshot.identities.push_back({std::move(row.name), std::move(row.sealed)});
  }
  return snapshot;
}

namespace {

constexpr char kAuditHeadKey[] = "coffer/audit/head";
constexpr char kAuditRecordPrefix[] = "coffer/audit/r/";

std::string AuditRecordKey(uint64_t seq) {
  std::string digits = std::to_string(seq);
  // Zero-padded, so that etcd's key order is seq order.
  return kAuditRecordPrefix + std::string(20 - digits.size(), '0') + digits;
}

class EtcdAuditChain final : public SharedAuditChain {
 public:
  EtcdAuditChain(EtcdClient& etcd, const SecretBytes& state_key)
      : etcd_(etcd), state_key_(state_key) {}

  StatusOr<Head> ReadHead() override {
    COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> kv,
                            etcd_.Get(kAuditHeadKey));
    Head head;
    if (!kv.has_value()) return head;
    COFFER_ASSIGN_OR_RETURN(SecretBytes plain,
                            Unseal(state_key_, kv->value, EtcdAd(kAuditHeadKey),
                                   "the audit log's head in etcd"));
    const Json json = Json::parse(AsString(plain.span()), nullptr, false);
    if (!json.is_object() || !json.contains("seq") ||
        !json["seq"].is_number_unsigned() || !json.contains("hash") ||
        !json["hash"].is_string()) {
      return DataLossError("the audit log's head in etcd is not readable");
    }
    head.seq = json["seq"].get<uint64_t>();
    head.hash = json["hash"].get<std::string>();
    head.version = kv->mod_revision;
    return head;
  }

  StatusOr<bool> Append(const Head& expected, uint64_t first_seq,
                        const std::vector<std::string>& lines,
                        const std::string& last_hash) override {
    const Json head = {{"seq", first_seq + lines.size() - 1},
                       {"hash", last_hash}};
    COFFER_ASSIGN_OR_RETURN(Bytes sealed_head,
                            crypto::AesGcmSeal(state_key_, AsBytes(head.dump()),
                                               EtcdAd(kAuditHeadKey)));
    std::vector<EtcdClient::Put> puts = {{kAuditHeadKey, sealed_head}};
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string key = AuditRecordKey(first_seq + i);
      COFFER_ASSIGN_OR_RETURN(
          Bytes sealed,
          crypto::AesGcmSeal(state_key_, AsBytes(lines[i]), EtcdAd(key)));
      puts.push_back({key, std::move(sealed)});
    }
    const EtcdClient::Compare compare =
        expected.version == 0
            ? EtcdClient::Compare{kAuditHeadKey,
                                  EtcdClient::Compare::Target::kCreateRevision,
                                  0}
            : EtcdClient::Compare{kAuditHeadKey,
                                  EtcdClient::Compare::Target::kModRevision,
                                  expected.version};
    StatusOr<bool> appended = etcd_.Txn({compare}, puts);
    if (!appended.ok()) {
      // The answer may have been lost after etcd applied it.
      StatusOr<std::optional<EtcdClient::KeyValue>> now =
          etcd_.Get(puts.back().key);
      if (now.ok() && now->has_value() && (*now)->value == puts.back().value) {
        return true;
      }
      return appended.status().WithContext("append to the audit log");
    }
    return appended;
  }

  StatusOr<std::vector<std::string>> ReadAll() override {
    COFFER_ASSIGN_OR_RETURN(std::vector<EtcdClient::KeyValue> rows,
                            etcd_.GetPrefix(kAuditRecordPrefix));
    std::vector<std::string> lines;
    lines.reserve(rows.size());
    for (const EtcdClient::KeyValue& kv : rows) {
      COFFER_ASSIGN_OR_RETURN(
          SecretBytes line,
          Unseal(state_key_, kv.value, EtcdAd(kv.key),
                 "audit record " +
                     kv.key.substr(sizeof kAuditRecordPrefix - 1) +
                     " in etcd"));
      lines.emplace_back(AsString(line.span()));
    }
    return lines;
  }

 private:
  EtcdClient& etcd_;
  const SecretBytes& state_key_;
};

}  // namespace

std::unique_ptr<SharedAuditChain> EtcdStore::AuditChain() {
  return std::make_unique<EtcdAuditChain>(*etcd_, state_key_);
}

}  // namespace coffer::cas

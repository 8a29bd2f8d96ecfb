#include "cas/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>
#include <limits>
#include <utility>

#include "cas/sqlite_handle.h"
#include "cas/state_sealing.h"
#include "common/encoding.h"
#include "common/files.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace coffer::cas {
namespace {

using crypto::SecretBytes;
using sqlite::Statement;

constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  format_version INTEGER NOT NULL,
  sealed_state_key BLOB NOT NULL);
CREATE TABLE sessions(
  name TEXT PRIMARY KEY NOT NULL,
  hash TEXT NOT NULL,
  creator TEXT NOT NULL,
  revision INTEGER NOT NULL,
  policy BLOB NOT NULL,
  secrets BLOB NOT NULL);
CREATE TABLE identities(
  name TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL);
)sql";

// Rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // IMMEDIATE takes the write lock at once, so the read that decides a
  // write cannot go stale before it.
  Status Begin(std::string_view what) {
    COFFER_RETURN_IF_ERROR(sqlite::Exec(db_, "BEGIN IMMEDIATE", what));
    open_ = true;
    return OkStatus();
  }
  Status Commit(std::string_view what) {
    COFFER_RETURN_IF_ERROR(sqlite::Exec(db_, "COMMIT", what));
    open_ = false;
    return OkStatus();
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

// Creates an empty file (an empty SQLite database) with mode 0600, so that
// SQLite, which gives its -wal and -shm files the database's mode, never
// makes anything more open. The entry is synced into the directory.
Status CreateFileIfMissing(const std::string& dir, const std::string& path) {
  int fd = ::open(path.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return errno == EEXIST ? OkStatus() : ErrnoError("create", path, errno);
  }
  bool ok = ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return ErrnoError("create", path, err);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok = dir_fd >= 0 && ::fsync(dir_fd) == 0;
  err = errno;
  if (dir_fd >= 0) ::close(dir_fd);
  return ok ? OkStatus() : ErrnoError("fsync directory", dir, err);
}

Status NotAState(const std::string& path, std::string_view why) {
  return DataLossError(path + " is not a CAS state (" + std::string(why) + ")");
}

// Reads the sealed state key inside the open transaction; nullopt for an
// empty database (a new state).
StatusOr<std::optional<Bytes>> ReadSealedStateKey(sqlite3* db,
                                                  const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(
      auto tables,
      Statement::Prepare(db,
                         "SELECT count(*), coalesce(sum(type = 'table' AND "
                         "name = 'meta'), 0) FROM sqlite_master"));
  auto use_tables = tables->Use();
  COFFER_ASSIGN_OR_RETURN(bool row, tables->Step("read " + path));
  if (!row) return InternalError("read " + path + ": no row from count(*)");
  if (tables->ColumnInt(0) == 0) return std::nullopt;  // an empty database
  if (tables->ColumnInt(1) != 1) return NotAState(path, "it has no meta table");
  COFFER_ASSIGN_OR_RETURN(
      auto meta,
      Statement::Prepare(db,
                         "SELECT format_version, sealed_state_key FROM meta "
                         "WHERE id = 1"));
  auto use_meta = meta->Use();
  COFFER_ASSIGN_OR_RETURN(row, meta->Step("read " + path));
  if (!row) return NotAState(path, "its meta table has no state key");
  int64_t version = meta->ColumnInt(0);
  if (version != kStateFormatVersion) {
    return FailedPreconditionError(
        "its format version " + std::to_string(version) +
        " is not supported (this CAS reads version " +
        std::to_string(kStateFormatVersion) + ")");
  }
  std::span<const uint8_t> sealed = meta->ColumnBlob(1);
  return Bytes(sealed.begin(), sealed.end());
}

}  // namespace

struct SqliteStore::Connection {
  sqlite::DbPtr db;  // declared first: closed after the statements
  std::unique_ptr<Statement> session_head;
  std::unique_ptr<Statement> insert_session;
  std::unique_ptr<Statement> update_session;
  std::unique_ptr<Statement> select_session;
  std::unique_ptr<Statement> list_names;
  std::unique_ptr<Statement> put_identity;
  std::unique_ptr<Statement> get_identity;

  Status PrepareAll() {
    sqlite3* d = db.get();
    COFFER_ASSIGN_OR_RETURN(
        session_head,
        Statement::Prepare(d,
                           "SELECT hash, revision FROM sessions WHERE name = "
                           "?1"));
    // insert and update take the same parameters, in the same order.
    COFFER_ASSIGN_OR_RETURN(
        insert_session,
        Statement::Prepare(d,
                           "INSERT INTO sessions(name, hash, creator, "
                           "revision, policy, secrets) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    COFFER_ASSIGN_OR_RETURN(
        update_session,
        Statement::Prepare(d,
                           "UPDATE sessions SET hash = ?2, creator = ?3, "
                           "revision = ?4, policy = ?5, secrets = ?6 "
                           "WHERE name = ?1"));
    COFFER_ASSIGN_OR_RETURN(
        select_session,
        Statement::Prepare(d,
                           "SELECT hash, creator, revision, policy, secrets "
                           "FROM sessions WHERE name = ?1"));
    COFFER_ASSIGN_OR_RETURN(
        list_names,
        Statement::Prepare(d, "SELECT name FROM sessions ORDER BY name"));
    COFFER_ASSIGN_OR_RETURN(
        put_identity,
        Statement::Prepare(d,
                           "INSERT INTO identities(name, value) "
                           "VALUES(?1, ?2) ON CONFLICT(name) "
                           "DO UPDATE SET value = excluded.value"));
    COFFER_ASSIGN_OR_RETURN(
        get_identity,
        Statement::Prepare(d, "SELECT value FROM identities WHERE name = ?1"));
    return OkStatus();
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Connection> connection,
                         SecretBytes state_key, bool created)
    : connection_(std::move(connection)),
      state_key_(std::move(state_key)),
      created_(created) {}

SqliteStore::~SqliteStore() = default;

StatusOr<std::unique_ptr<Store>> SqliteStore::Open(
    const std::string& dir, const SecretBytes& seal_key) {
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                          OpenWithKey(dir, seal_key, nullptr));
  return std::unique_ptr<Store>(std::move(store));
}

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::OpenWithKey(
    const std::string& dir, const SecretBytes& seal_key,
    const SecretBytes* adopt_key) {
  const std::string context = "cannot open the CAS state in " + dir;
  if (seal_key.size() != crypto::kAesGcmKeySize) {
    return InvalidArgumentError(context + ": the seal key must be " +
                                std::to_string(crypto::kAesGcmKeySize) +
                                " bytes, got " +
                                std::to_string(seal_key.size()));
  }
  const std::string path = dir + "/" + std::string(kStateFileName);
  COFFER_RETURN_IF_ERROR(MakeDirectories(dir, 0700).WithContext(context));
  COFFER_RETURN_IF_ERROR(CreateFileIfMissing(dir, path).WithContext(context));
  // SQLite reads a file shorter than a page as an empty database; only a
  // truly empty file may become a new state.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoError("stat", path, errno).WithContext(context);
  }
  const bool empty_file = st.st_size == 0;

  auto connection = std::make_unique<Connection>();
  sqlite3* raw = nullptr;
  // No SQLITE_OPEN_CREATE: the file was made above with its mode.
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  connection->db.reset(raw);
  sqlite3* db = raw;
  if (rc != SQLITE_OK) {
    return sqlite::Error(db, rc, "open " + path).WithContext(context);
  }
  if (sqlite3_db_readonly(db, "main") == 1) {
    return PermissionDeniedError(context + ": " + path + " is not writable");
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // A corrupt or foreign file shows at the first statement that reads it.
  auto first_read = [&](Status status) {
    if (status.code() == StatusCode::kDataLoss) {
      status = NotAState(path, sqlite3_errmsg(db));
    }
    return status.WithContext(context);
  };
  // Per-connection settings; none of them writes to the file.
  COFFER_RETURN_IF_ERROR(first_read(sqlite::Exec(db,
                                                 "PRAGMA synchronous = FULL;"
                                                 "PRAGMA foreign_keys = ON;"
                                                 "PRAGMA trusted_schema = OFF;",
                                                 "configure " + path)));

  // Read (or, for a new file, write) the state key before anything that
  // could change the file, so that a foreign or wrongly keyed file is left
  // exactly as it was.
  SecretBytes state_key;
  bool created = false;
  {
    Transaction txn(db);
    COFFER_RETURN_IF_ERROR(first_read(txn.Begin("read " + path)));
    StatusOr<std::optional<Bytes>> sealed = ReadSealedStateKey(db, path);
    COFFER_RETURN_IF_ERROR(sealed.status().WithContext(context));
    if (sealed->has_value() && adopt_key != nullptr) {
      return FailedPreconditionError(
          context +
          ": it holds a CAS state already; a member joins with an "
          "empty data directory");
    }
    if (sealed->has_value()) {
      StatusOr<SecretBytes> key =
          crypto::AesGcmOpen(seal_key, **sealed, StateKeyAd());
      if (!key.ok()) {
        return FailedPreconditionError(
            context +
            ": it was sealed by another CAS build or on another platform (its "
            "state key does not decrypt with this CAS's seal key)");
      }
      state_key = *std::move(key);
    } else {
      if (!empty_file) {
        return NotAState(path, "it is not empty, yet holds no tables")
            .WithContext(context);
      }
      created = true;
      if (adopt_key != nullptr) {
        state_key = SecretBytes(adopt_key->span());
      } else {
        COFFER_ASSIGN_OR_RETURN(state_key,
                                crypto::RandomSecret(crypto::kAesGcmKeySize));
      }
      COFFER_ASSIGN_OR_RETURN(
          Bytes sealed_key,
          crypto::AesGcmSeal(seal_key, state_key.span(), StateKeyAd()));
      COFFER_RETURN_IF_ERROR(
          sqlite::Exec(db, kSchema, "create tables in " + path)
              .WithContext(context));
      COFFER_ASSIGN_OR_RETURN(
          auto insert,
          Statement::Prepare(db,
                             "INSERT INTO meta(id, format_version, "
                             "sealed_state_key) VALUES(1, ?1, ?2)"));
      auto use = insert->Use();
      insert->BindInt(1, kStateFormatVersion);
      insert->BindBlob(2, sealed_key);
      COFFER_RETURN_IF_ERROR(
          insert->Step("write the state key").status().WithContext(context));
    }
    COFFER_RETURN_IF_ERROR(txn.Commit("commit " + path).WithContext(context));
  }
  if (state_key.size() != crypto::kAesGcmKeySize) {
    return DataLossError(context + ": its state key has " +
                         std::to_string(state_key.size()) + " bytes, not " +
                         std::to_string(crypto::kAesGcmKeySize));
  }

  // WAL with synchronous=FULL: each commit is fsynced before it returns.
  COFFER_ASSIGN_OR_RETURN(auto wal,
                          Statement::Prepare(db, "PRAGMA journal_mode = WAL"));
  {
    auto use = wal->Use();
    COFFER_ASSIGN_OR_RETURN(bool row, wal->Step("switch " + path + " to WAL"));
    if (!row || wal->ColumnText(0) != "wal") {
      return InternalError(context + ": SQLite refused WAL mode for " + path);
    }
  }
  COFFER_RETURN_IF_ERROR(connection->PrepareAll().WithContext(context));
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(connection), std::move(state_key), created));
}

Status SqliteStore::CreateSession(SessionRecord& record) {
  return WriteSession(record, /*create=*/true, {});
}

Status SqliteStore::UpdateSession(SessionRecord& record,
                                  std::string_view predecessor_hash) {
  return WriteSession(record, /*create=*/false, predecessor_hash);
}

Status SqliteStore::WriteSession(SessionRecord& record, bool create,
                                 std::string_view predecessor_hash) {
  COFFER_RETURN_IF_ERROR(CheckSessionRecord(record));
  const std::string session = "session " + Quoted(record.name);
  const std::string what = (create ? "create " : "update ") + session;
  std::lock_guard<std::mutex> lock(mu_);
  Connection& c = *connection_;
  Transaction txn(c.db.get());
  COFFER_RETURN_IF_ERROR(txn.Begin(what));
  int64_t revision = 1;
  {
    auto use = c.session_head->Use();
    c.session_head->BindText(1, record.name);
    COFFER_ASSIGN_OR_RETURN(bool found, c.session_head->Step(what));
    if (create && found) return AlreadyExistsError(session + " already exists");
    if (!create) {
      if (!found) return NotFoundError("no " + session);
      std::string stored_hash = c.session_head->ColumnText(0);
      if (stored_hash != predecessor_hash) {
        return FailedPreconditionError(session + " has hash " + stored_hash +
                                       ", not the given " + "predecessor " +
                                       std::string(predecessor_hash) +
                                       " (nothing changed)");
      }
      int64_t stored = c.session_head->ColumnInt(1);
      if (stored < 1 || stored == std::numeric_limits<int64_t>::max()) {
        return DataLossError(session + " has an invalid stored revision " +
                             std::to_string(stored));
      }
      revision = stored + 1;
    }
  }
  COFFER_ASSIGN_OR_RETURN(SealedSession sealed,
                          SealSession(state_key_, record, revision));
  Statement& write = create ? *c.insert_session : *c.update_session;
  {
    auto use = write.Use();
    write.BindText(1, record.name);
    write.BindText(2, record.hash);
    write.BindText(3, record.creator);
    write.BindInt(4, revision);
    write.BindBlob(5, sealed.policy);
    write.BindBlob(6, sealed.secrets);
    COFFER_RETURN_IF_ERROR(write.Step(what).status());
  }
  COFFER_RETURN_IF_ERROR(txn.Commit(what));
  record.revision = revision;
  return OkStatus();
}

StatusOr<SessionRecord> SqliteStore::GetSession(std::string_view name) {
  const std::string session = "session " + Quoted(name);
  std::lock_guard<std::mutex> lock(mu_);
  Statement& select = *connection_->select_session;
  auto use = select.Use();
  select.BindText(1, name);
  COFFER_ASSIGN_OR_RETURN(bool found, select.Step("read " + session));
  if (!found) return NotFoundError("no " + session);
  SessionRecord record;
  record.name = std::string(name);
  record.hash = select.ColumnText(0);
  record.creator = select.ColumnText(1);
  record.revision = select.ColumnInt(2);
  COFFER_RETURN_IF_ERROR(OpenSession(state_key_, select.ColumnBlob(3),
                                     select.ColumnBlob(4), record));
  return record;
}

StatusOr<std::vector<std::string>> SqliteStore::ListSessionNames() {
  std::lock_guard<std::mutex> lock(mu_);
  Statement& list = *connection_->list_names;
  auto use = list.Use();
  std::vector<std::string> names;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool row, list.Step("list sessions"));
    if (!row) break;
    names.push_back(list.ColumnText(0));
  }
  return names;
}

Status SqliteStore::PutIdentity(std::string_view name,
                                const SecretBytes& value) {
  if (name.empty()) {
    return InvalidArgumentError("an identity name must not be empty");
  }
  COFFER_ASSIGN_OR_RETURN(
      Bytes sealed,
      crypto::AesGcmSeal(state_key_, value.span(), IdentityAd(name)));
  std::lock_guard<std::mutex> lock(mu_);
  Statement& put = *connection_->put_identity;
  auto use = put.Use();
  put.BindText(1, name);
  put.BindBlob(2, sealed);
  return put.Step("store identity " + Quoted(name)).status();
}

StatusOr<std::optional<SecretBytes>> SqliteStore::GetIdentity(
    std::string_view name) {
  const std::string identity = "identity " + Quoted(name);
  std::lock_guard<std::mutex> lock(mu_);
  Statement& get = *connection_->get_identity;
  auto use = get.Use();
  get.BindText(1, name);
  COFFER_ASSIGN_OR_RETURN(bool found, get.Step("read " + identity));
  if (!found) return std::optional<SecretBytes>();
  COFFER_ASSIGN_OR_RETURN(
      SecretBytes value, Unseal(state_key_, get.ColumnBlob(0), IdentityAd(name),
                                identity + ": its stored value"));
  return std::optional<SecretBytes>(std::move(value));
}

Status SqliteStore::ChangeIdentity(std::string_view name,
                                   const IdentityChange& change) {
  if (name.empty()) {
    return InvalidArgumentError("an identity name must not be empty");
  }
  const std::string identity = "identity " + Quoted(name);
  std::lock_guard<std::mutex> lock(mu_);
  Connection& c = *connection_;
  // Other processes on the same file: the IMMEDIATE transaction holds
  // them off between the read and the write.
  Transaction txn(c.db.get());
  COFFER_RETURN_IF_ERROR(txn.Begin("change " + identity));
  std::optional<SecretBytes> current;
  {
    auto use = c.get_identity->Use();
    c.get_identity->BindText(1, name);
    COFFER_ASSIGN_OR_RETURN(bool found,
                            c.get_identity->Step("read " + identity));
    if (found) {
      COFFER_ASSIGN_OR_RETURN(
          current, Unseal(state_key_, c.get_identity->ColumnBlob(0),
                          IdentityAd(name), identity + ": its stored value"));
    }
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes next, change(current));
  COFFER_ASSIGN_OR_RETURN(
      Bytes sealed,
      crypto::AesGcmSeal(state_key_, next.span(), IdentityAd(name)));
  {
    auto use = c.put_identity->Use();
    c.put_identity->BindText(1, name);
    c.put_identity->BindBlob(2, sealed);
    COFFER_RETURN_IF_ERROR(c.put_identity->Step("store " + identity).status());
  }
  return txn.Commit("change " + identity);
}

StatusOr<std::unique_ptr<Store>> SqliteStore::Recover(
    const std::string& dir, const SecretBytes& seal_key,
    const SecretBytes& state_key) {
  const std::string path = dir + "/" + std::string(kStateFileName);
  const std::string context = "cannot recover the CAS state in " + dir;
  if (seal_key.size() != crypto::kAesGcmKeySize ||
      state_key.size() != crypto::kAesGcmKeySize) {
    return InvalidArgumentError(context + ": keys must be 32 bytes");
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  sqlite::DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return sqlite::Error(raw, rc, "open " + path).WithContext(context);
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  {
    Transaction txn(raw);
    COFFER_RETURN_IF_ERROR(txn.Begin("recover " + path).WithContext(context));
    // Some row must open with the key: every state has its identities.
    COFFER_ASSIGN_OR_RETURN(
        auto rows,
        Statement::Prepare(raw, "SELECT name, value FROM identities"));
    bool opened = false;
    {
      auto use = rows->Use();
      COFFER_ASSIGN_OR_RETURN(bool row, rows->Step("read " + path));
      if (row) {
        opened = crypto::AesGcmOpen(state_key, rows->ColumnBlob(1),
                                    IdentityAd(rows->ColumnText(0)))
                     .ok();
      }
    }
    if (!opened) {
      return PermissionDeniedError(
          context +
          ": the recovered key does not open this state (a wrong share, or "
          "shares of another state)");
    }
    COFFER_ASSIGN_OR_RETURN(
        Bytes sealed,
        crypto::AesGcmSeal(seal_key, state_key.span(), StateKeyAd()));
    COFFER_ASSIGN_OR_RETURN(
        auto update,
        Statement::Prepare(raw,
                           "UPDATE meta SET sealed_state_key = ?1 WHERE id = "
                           "1"));
    {
      auto use = update->Use();
      update->BindBlob(1, sealed);
      COFFER_RETURN_IF_ERROR(
          update->Step("seal the recovered key").status().WithContext(context));
    }
    COFFER_RETURN_IF_ERROR(txn.Commit("recover " + path).WithContext(context));
  }
  db.reset();
  return Open(dir, seal_key);
}

Status SqliteStore::DeleteIdentity(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  COFFER_ASSIGN_OR_RETURN(
      auto remove,
      Statement::Prepare(connection_->db.get(),
                         "DELETE FROM identities WHERE name = ?1"));
  auto use = remove->Use();
  remove->BindText(1, name);
  return remove->Step("delete identity " + Quoted(name)).status();
}

StatusOr<StateSnapshot> SqliteStore::Snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3* db = connection_->db.get();
  Transaction txn(db);
  COFFER_RETURN_IF_ERROR(txn.Begin("snapshot the state"));
  StateSnapshot snapshot;
  snapshot.state_key = SecretBytes(state_key_.span());
  COFFER_ASSIGN_OR_RETURN(
      auto sessions,
      Statement::Prepare(db,
                         "SELECT name, hash, creator, revision, policy, "
                         "secrets FROM sessions ORDER BY name"));
  {
    auto use = sessions->Use();
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, sessions->Step("snapshot sessions"));
      if (!row) break;
      StateSnapshot::Session session;
      session.name = sessions->ColumnText(0);
      session.hash = sessions->ColumnText(1);
      session.creator = sessions->ColumnText(2);
      session.revision = sessions->ColumnInt(3);
      const auto policy = sessions->ColumnBlob(4);
      const auto secrets = sessions->ColumnBlob(5);
      session.policy.assign(policy.begin(), policy.end());
      session.secrets.assign(secrets.begin(), secrets.end());
      snapshot.sessions.push_back(std::move(session));
    }
  }
  COFFER_ASSIGN_OR_RETURN(
      auto identities,
      Statement::Prepare(db,
                         "SELECT name, value FROM identities ORDER BY name"));
  {
    auto use = identities->Use();
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row,
                              identities->Step("snapshot identities"));
      if (!row) break;
      const auto value = identities->ColumnBlob(1);
      snapshot.identities.push_back(
          {identities->ColumnText(0), Bytes(value.begin(), value.end())});
    }
  }
  COFFER_RETURN_IF_ERROR(txn.Commit("snapshot the state"));
  return snapshot;
}

StatusOr<std::unique_ptr<Store>> SqliteStore::Adopt(
    const std::string& dir, const SecretBytes& seal_key,
    const StateSnapshot& snapshot) {
  if (snapshot.state_key.size() != crypto::kAesGcmKeySize) {
    return InvalidArgumentError("the handed-over state key has " +
                                std::to_string(snapshot.state_key.size()) +
                                " bytes, not " +
                                std::to_string(crypto::kAesGcmKeySize));
  }
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                          OpenWithKey(dir, seal_key, &snapshot.state_key));
  const std::string path = dir + "/" + std::string(kStateFileName);
  Status filled = [&]() -> Status {
    std::lock_guard<std::mutex> lock(store->mu_);
    Connection& c = *store->connection_;
    Transaction txn(c.db.get());
    COFFER_RETURN_IF_ERROR(txn.Begin("adopt the state"));
    for (const StateSnapshot::Session& session : snapshot.sessions) {
      auto use = c.insert_session->Use();
      c.insert_session->BindText(1, session.name);
      c.insert_session->BindText(2, session.hash);
      c.insert_session->BindText(3, session.creator);
      c.insert_session->BindInt(4, session.revision);
      c.insert_session->BindBlob(5, session.policy);
      c.insert_session->BindBlob(6, session.secrets);
      COFFER_RETURN_IF_ERROR(
          c.insert_session->Step("adopt session " + Quoted(session.name))
              .status());
    }
    for (const StateSnapshot::Identity& identity : snapshot.identities) {
      auto use = c.put_identity->Use();
      c.put_identity->BindText(1, identity.name);
      c.put_identity->BindBlob(2, identity.value);
      COFFER_RETURN_IF_ERROR(
          c.put_identity->Step("adopt identity " + Quoted(identity.name))
              .status());
    }
    return txn.Commit("adopt the state");
  }();
  // Every row must open with the adopted key before this state serves.
  for (const StateSnapshot::Session& session : snapshot.sessions) {
    if (!filled.ok()) break;
    filled = store->GetSession(session.name).status();
  }
  for (const StateSnapshot::Identity& identity : snapshot.identities) {
    if (!filled.ok()) break;
    filled = store->GetIdentity(identity.name).status();
  }
  if (!filled.ok()) {
    store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      ::unlink((path + suffix).c_str());
    }
    return filled.WithContext("cannot adopt the handed-over state in " + dir);
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace coffer::cas

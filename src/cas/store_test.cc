#include "cas/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <thread>

#include "common/encoding.h"

namespace coffer {
// Readable failure messages for Status comparisons.
inline void PrintTo(const Status& status, std::ostream* out) {
  *out << status.ToString();
}
}  // namespace coffer

namespace coffer::cas {
namespace {

using crypto::SecretBytes;

// A fresh directory under $TMPDIR (or /tmp), removed at the end.
class TempDir {
 public:
  TempDir() {
    // Read before any thread starts.
    const char* tmp = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
        "/coffer-store-XXXXXX";
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

SecretBytes Key(uint8_t fill) {
  SecretBytes key(32);
  for (uint8_t& b : key.mutable_span()) b = fill;
  return key;
}

SecretBytes Secret(std::string_view text) { return SecretBytes(AsBytes(text)); }

// A 64-hex hash that encodes `n`, so tests can chain predecessors.
std::string Hash(int64_t n) {
  char text[65];
  std::snprintf(text, sizeof text, "%064llx", static_cast<long long>(n));
  return text;
}

SessionRecord Record(const std::string& name, int64_t n) {
  SessionRecord r;
  r.name = name;
  r.hash = Hash(n);
  r.creator = std::string(64, 'c');
  r.policy_text = "name: " + name + "\nrevision-text: " + std::to_string(n);
  r.secrets = Secret("secret-of-" + name + "-" + std::to_string(n));
  return r;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class StoreTest : public ::testing::Test {
 protected:
  std::string StateDir() const { return tmp_.path() + "/state"; }
  std::string DbPath() const { return StateDir() + "/cas-state.db"; }

  std::unique_ptr<Store> OpenStore(uint8_t key_fill = 1) {
    StatusOr<std::unique_ptr<Store>> store =
        SqliteStore::Open(StateDir(), Key(key_fill));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Runs SQL on the state file directly, as an attacker with the disk would.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(DbPath().c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  // Stores session "a" (revision 1) unless it exists, runs `sql` on the
  // file, then `more`, and returns the code of reading "a" after a reopen.
  StatusCode CodeAfterTampering(
      const std::string& sql, const std::function<void()>& more = [] {}) {
    {
      auto store = OpenStore();
      SessionRecord a = Record("a", 1);
      Status created = store->CreateSession(a);
      EXPECT_TRUE(created.ok() || created.code() == StatusCode::kAlreadyExists);
    }
    RawSql(sql);
    more();
    auto store = OpenStore();
    return store->GetSession("a").status().code();
  }

  TempDir tmp_;
};

TEST_F(StoreTest, CreateGetUpdateList) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->created());

  SessionRecord b = Record("b", 1);
  ASSERT_TRUE(store->CreateSession(b).ok());
  EXPECT_EQ(b.revision, 1);
  SessionRecord a = Record("a", 1);
  ASSERT_TRUE(store->CreateSession(a).ok());

  StatusOr<SessionRecord> got = store->GetSession("b");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "b");
  EXPECT_EQ(got->hash, Hash(1));
  EXPECT_EQ(got->creator, std::string(64, 'c'));
  EXPECT_EQ(got->policy_text, "name: b\nrevision-text: 1");
  EXPECT_EQ(AsString(got->secrets.span()), "secret-of-b-1");
  EXPECT_EQ(got->revision, 1);

  for (int64_t n = 2; n <= 4; ++n) {
    SessionRecord next = Record("b", n);
    ASSERT_TRUE(store->UpdateSession(next, Hash(n - 1)).ok());
    EXPECT_EQ(next.revision, n);
  }
  got = store->GetSession("b");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->revision, 4);
  EXPECT_EQ(got->hash, Hash(4));
  EXPECT_EQ(got->policy_text, "name: b\nrevision-text: 4");
  EXPECT_EQ(AsString(got->secrets.span()), "secret-of-b-4");

  StatusOr<std::vector<std::string>> names = store->ListSessionNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
}

TEST_F(StoreTest, EmptySecretsAndPolicyRoundTrip) {
  auto store = OpenStore();
  SessionRecord r = Record("empty", 1);
  r.policy_text.clear();
  r.secrets = SecretBytes();
  ASSERT_TRUE(store->CreateSession(r).ok());
  StatusOr<SessionRecord> got = store->GetSession("empty");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->policy_text, "");
  EXPECT_TRUE(got->secrets.empty());
}

TEST_F(StoreTest, ErrorsNameTheSession) {
  auto store = OpenStore();
  SessionRecord a = Record("a", 1);
  ASSERT_TRUE(store->CreateSession(a).ok());

  SessionRecord again = Record("a", 7);
  Status dup = store->CreateSession(again);
  EXPECT_EQ(dup, AlreadyExistsError("session \"a\" already exists"));

  SessionRecord missing = Record("nope", 2);
  EXPECT_EQ(store->UpdateSession(missing, Hash(1)),
            NotFoundError("no session \"nope\""));
  EXPECT_EQ(store->GetSession("nope").status(),
            NotFoundError("no session \"nope\""));

  SessionRecord bad = Record("x", 1);
  bad.hash = "not hex";
  EXPECT_EQ(store->CreateSession(bad),
            InvalidArgumentError(
                "session \"x\": its hash and creator must be 64 hex digits"));
  bad = Record("", 1);
  EXPECT_EQ(store->CreateSession(bad),
            InvalidArgumentError("a session name must not be empty"));
}

TEST_F(StoreTest, StalePredecessorChangesNothing) {
  auto store = OpenStore();
  SessionRecord a = Record("a", 1);
  ASSERT_TRUE(store->CreateSession(a).ok());
  SessionRecord second = Record("a", 2);
  ASSERT_TRUE(store->UpdateSession(second, Hash(1)).ok());

  SessionRecord stale = Record("a", 3);
  Status s = store->UpdateSession(stale, Hash(1));
  EXPECT_EQ(s, FailedPreconditionError("session \"a\" has hash " + Hash(2) +
                                       ", not the given predecessor " +
                                       Hash(1) + " (nothing changed)"));
  EXPECT_EQ(stale.revision, 0);
  StatusOr<SessionRecord> got = store->GetSession("a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->revision, 2);
  EXPECT_EQ(got->hash, Hash(2));
  EXPECT_EQ(got->policy_text, "name: a\nrevision-text: 2");
}

TEST_F(StoreTest, ReopenFindsEverything) {
  {
    auto store = OpenStore();
    SessionRecord a = Record("a", 1);
    ASSERT_TRUE(store->CreateSession(a).ok());
    SessionRecord a2 = Record("a", 2);
    ASSERT_TRUE(store->UpdateSession(a2, Hash(1)).ok());
    ASSERT_TRUE(store->PutIdentity("tls", Secret("first key")).ok());
    ASSERT_TRUE(store->PutIdentity("tls", Secret("second key")).ok());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->created());
  StatusOr<SessionRecord> got = store->GetSession("a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->revision, 2);
  EXPECT_EQ(AsString(got->secrets.span()), "secret-of-a-2");
  StatusOr<std::optional<SecretBytes>> tls = store->GetIdentity("tls");
  ASSERT_TRUE(tls.ok());
  ASSERT_TRUE(tls->has_value());
  EXPECT_EQ(AsString((*tls)->span()), "second key");
  StatusOr<std::optional<SecretBytes>> none = store->GetIdentity("other");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(StoreTest, FileAndDirectoryModes) {
  auto store = OpenStore();
  SessionRecord a = Record("a", 1);
  ASSERT_TRUE(store->CreateSession(a).ok());
  EXPECT_EQ(Mode(StateDir()), 0700u);
  EXPECT_EQ(Mode(DbPath()), 0600u);
  EXPECT_EQ(Mode(DbPath() + "-wal"), 0600u);
  EXPECT_EQ(Mode(DbPath() + "-shm"), 0600u);
}

TEST_F(StoreTest, NoPlaintextInTheFiles) {
  const std::string marker = "MARKER-7f3a9c";
  auto check_files = [&] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::string path = DbPath() + suffix;
      if (!std::filesystem::exists(path)) continue;
      EXPECT_EQ(ReadAll(path).find(marker), std::string::npos) << path;
    }
  };
  {
    auto store = OpenStore();
    SessionRecord r = Record("s", 1);
    r.policy_text = "policy " + marker;
    r.secrets = Secret("secret " + marker);
    ASSERT_TRUE(store->CreateSession(r).ok());
    ASSERT_TRUE(store->PutIdentity("tls", Secret("identity " + marker)).ok());
    ASSERT_FALSE(ReadAll(DbPath() + "-wal").empty());
    check_files();
  }
  check_files();  // after the checkpoint on close
  // The test would notice plain text: the name is stored in clear.
  EXPECT_NE(ReadAll(DbPath()).find("tls"), std::string::npos);
}

TEST_F(StoreTest, WrongSealKeyIsRefusedAndChangesNothing) {
  {
    auto store = OpenStore(1);
    SessionRecord a = Record("a", 1);
    ASSERT_TRUE(store->CreateSession(a).ok());
  }
  std::string before = ReadAll(DbPath());
  ASSERT_FALSE(before.empty());
  StatusOr<std::unique_ptr<Store>> other =
      SqliteStore::Open(StateDir(), Key(2));
  EXPECT_EQ(other.status(),
            FailedPreconditionError(
                "cannot open the CAS state in " + StateDir() +
                ": it was sealed by another CAS build or on another platform "
                "(its state key does not decrypt with this CAS's seal key)"));
  EXPECT_EQ(ReadAll(DbPath()), before);
  // The right key still works.
  auto store = OpenStore(1);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetSession("a").ok());
}

// A handover: another build (another seal key) adopts the snapshot and
// reads every session and identity; the old seal key cannot open its copy.
TEST_F(StoreTest, SnapshotAdoptedUnderAnotherSealKey) {
  StateSnapshot snapshot;
  {
    auto store = OpenStore(1);
    SessionRecord a = Record("a", 1);
    ASSERT_TRUE(store->CreateSession(a).ok());
    SessionRecord next = Record("a", 2);
    ASSERT_TRUE(store->UpdateSession(next, Hash(1)).ok());
    ASSERT_TRUE(
        store->PutIdentity("tls", crypto::SecretBytes(AsBytes("key"))).ok());
    StatusOr<StateSnapshot> taken = store->Snapshot();
    ASSERT_TRUE(taken.ok()) << taken.status().ToString();
    snapshot = *std::move(taken);
  }
  const std::string next_dir = tmp_.path() + "/next";
  StatusOr<std::unique_ptr<Store>> adopted =
      SqliteStore::Adopt(next_dir, Key(2), snapshot);
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  StatusOr<SessionRecord> a = (*adopted)->GetSession("a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->revision, 2);
  EXPECT_EQ(AsString(a->secrets.span()), "secret-of-a-2");
  auto tls = (*adopted)->GetIdentity("tls");
  ASSERT_TRUE(tls.ok() && tls->has_value());
  EXPECT_EQ(AsString((*tls)->span()), "key");
  adopted->reset();
  EXPECT_EQ(SqliteStore::Open(next_dir, Key(1)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(SqliteStore::Open(next_dir, Key(2)).ok());
  // A directory that holds a state already is never overwritten.
  EXPECT_EQ(SqliteStore::Adopt(next_dir, Key(2), snapshot).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, AdoptingRowsThatDoNotOpenLeavesNothing) {
  StateSnapshot snapshot;
  {
    auto store = OpenStore(1);
    SessionRecord a = Record("a", 1);
    ASSERT_TRUE(store->CreateSession(a).ok());
    StatusOr<StateSnapshot> taken = store->Snapshot();
    ASSERT_TRUE(taken.ok());
    snapshot = *std::move(taken);
  }
  snapshot.sessions[0].secrets.back() ^= 1;
  const std::string next_dir = tmp_.path() + "/next";
  EXPECT_EQ(SqliteStore::Adopt(next_dir, Key(2), snapshot).status().code(),
            StatusCode::kDataLoss);
  struct stat st {};
  EXPECT_NE(::stat((next_dir + "/cas-state.db").c_str(), &st), 0);
}

// Recovery (recovery.h): the state key, recovered elsewhere, reseals a
// state for another seal key; a wrong key changes nothing.
TEST_F(StoreTest, RecoverReSealsWithTheRightStateKeyOnly) {
  SecretBytes state_key;
  {
    auto store = OpenStore(1);
    SessionRecord a = Record("a", 1);
    ASSERT_TRUE(store->CreateSession(a).ok());
    ASSERT_TRUE(
        store->PutIdentity("tls", crypto::SecretBytes(AsBytes("key"))).ok());
    state_key = std::move(store->Snapshot().value().state_key);
  }
  const std::string before = ReadAll(DbPath());
  EXPECT_EQ(SqliteStore::Recover(StateDir(), Key(2), Key(9)).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ReadAll(DbPath()), before);
  StatusOr<std::unique_ptr<Store>> recovered =
      SqliteStore::Recover(StateDir(), Key(2), state_key);
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_TRUE((*recovered)->GetSession("a").ok());
  recovered->reset();
  EXPECT_TRUE(SqliteStore::Open(StateDir(), Key(2)).ok());
  EXPECT_EQ(SqliteStore::Open(StateDir(), Key(1)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, ShortSealKeyIsInvalid) {
  StatusOr<std::unique_ptr<Store>> store =
      SqliteStore::Open(StateDir(), SecretBytes(16));
  EXPECT_EQ(store.status(),
            InvalidArgumentError("cannot open the CAS state in " + StateDir() +
                                 ": the seal key must be 32 bytes, got 16"));
}

TEST_F(StoreTest, GarbageFileIsDataLossAndKept) {
  std::filesystem::create_directories(StateDir());
  // SQLite reads a file shorter than a page as an empty database.
  const std::pair<std::string, std::string> cases[] = {
      {std::string(8192, 'g'), "file is not a database"},
      {"x", "it is not empty, yet holds no tables"},
  };
  for (const auto& [garbage, why] : cases) {
    { std::ofstream(DbPath(), std::ios::binary) << garbage; }
    StatusOr<std::unique_ptr<Store>> store =
        SqliteStore::Open(StateDir(), Key(1));
    EXPECT_EQ(
        store.status(),
        DataLossError("cannot open the CAS state in " + StateDir() + ": " +
                      DbPath() + " is not a CAS state (" + why + ")"));
    EXPECT_EQ(ReadAll(DbPath()), garbage);
  }
}

TEST_F(StoreTest, ForeignSqliteFileIsDataLossAndKept) {
  std::filesystem::create_directories(StateDir());
  RawSql("CREATE TABLE other(x); INSERT INTO other VALUES (1);");
  std::string before = ReadAll(DbPath());
  StatusOr<std::unique_ptr<Store>> store =
      SqliteStore::Open(StateDir(), Key(1));
  EXPECT_EQ(
      store.status(),
      DataLossError("cannot open the CAS state in " + StateDir() + ": " +
                    DbPath() + " is not a CAS state (it has no meta table)"));
  EXPECT_EQ(ReadAll(DbPath()), before);
}

TEST_F(StoreTest, MovedCiphertextIsDetected) {
  {
    auto store = OpenStore();
    SessionRecord a = Record("a", 1);
    SessionRecord b = Record("b", 1);
    ASSERT_TRUE(store->CreateSession(a).ok());
    ASSERT_TRUE(store->CreateSession(b).ok());
    ASSERT_TRUE(store->PutIdentity("one", Secret("1")).ok());
    ASSERT_TRUE(store->PutIdentity("two", Secret("2")).ok());
  }
  // Swap the policy blobs of a and b, and the identity values.
  RawSql(
      "CREATE TEMP TABLE p AS SELECT name, policy FROM sessions;"
      "UPDATE sessions SET policy = (SELECT policy FROM p "
      "WHERE p.name <> sessions.name);"
      "CREATE TEMP TABLE v AS SELECT name, value FROM identities;"
      "UPDATE identities SET value = (SELECT value FROM v "
      "WHERE v.name <> identities.name);");
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetSession("a").status(),
            DataLossError("session \"a\": its stored policy_text does not "
                          "decrypt with the state key (the row was altered, "
                          "or copied from another row or revision)"));
  EXPECT_EQ(store->GetSession("b").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store->GetIdentity("one").status(),
            DataLossError("identity \"one\": its stored value does not "
                          "decrypt with the state key (the row was altered, "
                          "or copied from another row or revision)"));
}

TEST_F(StoreTest, SecretsCopiedIntoThePolicyColumnAreDetected) {
  EXPECT_EQ(CodeAfterTampering("UPDATE sessions SET policy = secrets;"),
            StatusCode::kDataLoss);
}

TEST_F(StoreTest, OlderRevisionPastedBackIsDetected) {
  // The revision 1 ciphertexts pasted under revision 2's number and hash.
  EXPECT_EQ(CodeAfterTampering(
                "CREATE TABLE saved AS SELECT policy, secrets FROM sessions;",
                [this] {
                  auto store = OpenStore();
                  SessionRecord a2 = Record("a", 2);
                  ASSERT_TRUE(store->UpdateSession(a2, Hash(1)).ok());
                  store.reset();
                  RawSql(
                      "UPDATE sessions SET policy = (SELECT policy FROM "
                      "saved), secrets = (SELECT secrets FROM saved);");
                }),
            StatusCode::kDataLoss);
}

TEST_F(StoreTest, ChangedClearColumnsAreDetected) {
  // Someone claims the session by writing their own key hash as creator.
  EXPECT_EQ(CodeAfterTampering("UPDATE sessions SET creator = '" +
                               std::string(64, 'e') + "';"),
            StatusCode::kDataLoss);
  EXPECT_EQ(CodeAfterTampering("UPDATE sessions SET revision = 7, creator = '" +
                               std::string(64, 'c') + "';"),
            StatusCode::kDataLoss);
}

TEST_F(StoreTest, ConcurrentUpdatesAndReads) {
  auto store = OpenStore();
  constexpr int kThreads = 4;
  constexpr int kUpdates = 40;
  for (int t = 0; t < kThreads; ++t) {
    SessionRecord r = Record("s" + std::to_string(t), 1);
    ASSERT_TRUE(store->CreateSession(r).ok());
  }
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string name = "s" + std::to_string(t);
      std::string other = "s" + std::to_string((t + 1) % kThreads);
      for (int n = 2; n <= kUpdates; ++n) {
        SessionRecord r = Record(name, n);
        if (!store->UpdateSession(r, Hash(n - 1)).ok() || r.revision != n) {
          ++failures;
        }
        if (!store->GetSession(other).ok()) ++failures;
        if (!store->ListSessionNames().ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    StatusOr<SessionRecord> got = store->GetSession("s" + std::to_string(t));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->revision, kUpdates);
    EXPECT_EQ(got->hash, Hash(kUpdates));
  }
}

// Reads whole int64 values from `fd` until end of file.
std::vector<int64_t> ReadRevisions(int fd, std::string& pending) {
  std::vector<int64_t> out;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
  }
  size_t whole = pending.size() / sizeof(int64_t);
  out.resize(whole);
  std::memcpy(out.data(), pending.data(), whole * sizeof(int64_t));
  return out;
}

// A child updates one session as fast as it can and reports each revision
// the store acknowledged; it is SIGKILLed at a random moment. Every
// acknowledged revision must survive, and the record must decrypt.
TEST_F(StoreTest, AcknowledgedWritesSurviveSigkill) {
  {
    auto store = OpenStore();
    SessionRecord r = Record("crash", 1);
    ASSERT_TRUE(store->CreateSession(r).ok());
  }
  std::mt19937 random(std::random_device{}());
  int64_t last_acknowledged = 1;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      StatusOr<std::unique_ptr<Store>> store =
          SqliteStore::Open(StateDir(), Key(1));
      if (!store.ok()) ::_exit(2);
      StatusOr<SessionRecord> current = (*store)->GetSession("crash");
      if (!current.ok()) ::_exit(3);
      for (int64_t n = current->revision + 1;; ++n) {
        SessionRecord r = Record("crash", n);
        if (!(*store)->UpdateSession(r, Hash(n - 1)).ok()) ::_exit(4);
        if (::write(fds[1], &n, sizeof n) != sizeof n) ::_exit(5);
      }
    }
    ::close(fds[1]);
    // Wait for a random number of acknowledgements, then a random delay.
    int wanted = std::uniform_int_distribution<int>(3, 30)(random);
    std::string pending;
    while (static_cast<int>(pending.size() / sizeof(int64_t)) < wanted) {
      char buffer[8];
      ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      ASSERT_GT(n, 0) << "the child stopped early";
      pending.append(buffer, static_cast<size_t>(n));
    }
    ::usleep(std::uniform_int_distribution<int>(0, 20000)(random));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exit status " << status;
    std::vector<int64_t> acknowledged = ReadRevisions(fds[0], pending);
    ::close(fds[0]);
    ASSERT_FALSE(acknowledged.empty());
    last_acknowledged = acknowledged.back();

    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    StatusOr<SessionRecord> got = store->GetSession("crash");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_GE(got->revision, last_acknowledged);
    // At most the one write in flight at the kill may be there unreported.
    EXPECT_LE(got->revision, last_acknowledged + 1);
    // Not torn: every field is that of one and the same revision.
    EXPECT_EQ(got->hash, Hash(got->revision));
    EXPECT_EQ(got->policy_text,
              "name: crash\nrevision-text: " + std::to_string(got->revision));
    EXPECT_EQ(AsString(got->secrets.span()),
              "secret-of-crash-" + std::to_string(got->revision));
  }
}

}  // namespace
}  // namespace coffer::cas

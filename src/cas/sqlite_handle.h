// Small RAII owners for SQLite connections and prepared statements, and the
// mapping of SQLite result codes to coffer::Status.
//
// Error mapping (the most specific code that fits): a corrupt or non-SQLite
// file is kDataLoss, a full disk kResourceExhausted, a locked database or an
// I/O error kUnavailable, a read-only file kPermissionDenied, anything else
// kInternal. Messages are "WHAT: SQLITE MESSAGE".
//
// Thread safety: none; the owner (cas::Store) serializes every use of a
// connection and its statements with one mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer::cas::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// The Status for result code `rc` of a call on `db` (which may be null).
Status Error(sqlite3* db, int rc, std::string_view what);

// Runs `sql` (one or more statements without results).
Status Exec(sqlite3* db, const char* sql, std::string_view what);

// A statement prepared once and reused. Bind values, Step, read columns,
// then let the Use() guard reset it: the reset also drops the bound values,
// whose copies SQLite owns (SQLITE_TRANSIENT).
class Statement {
 public:
  // Failure: the mapped SQLite error, e.g. kInternal for a syntax error.
  static StatusOr<std::unique_ptr<Statement>> Prepare(sqlite3* db,
                                                      std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets the statement when the returned guard goes out of scope.
  class Guard {
   public:
    explicit Guard(Statement& s) : s_(s) {}
    ~Guard() { s_.Reset(); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    Statement& s_;
  };
  [[nodiscard]] Guard Use() { return Guard(*this); }

  // 1-based parameter indexes. A binding error is reported by Step.
  void BindText(int index, std::string_view text);
  void BindBlob(int index, std::span<const uint8_t> blob);
  void BindInt(int index, int64_t value);

  // True for a row, false when done.
  StatusOr<bool> Step(std::string_view what);

  // 0-based column indexes; valid until the next Step or reset.
  std::string ColumnText(int column);
  std::span<const uint8_t> ColumnBlob(int column);
  int64_t ColumnInt(int column);

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void Reset();

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace coffer::cas::sqlite

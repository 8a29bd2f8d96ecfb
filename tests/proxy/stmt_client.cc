// A Connector/C (libmariadb) client for the proxy's tests: what the stock
// `mariadb` client cannot do, namely the binary protocol (prepared
// statements), server-side cursors (COM_STMT_FETCH), COM_CHANGE_USER and
// a query larger than one 16 MiB packet.
//
//   stmt_client HOST PORT USER CA CERT KEY MODE SQL [PARAM...]
//   MODE: text | binary | cursor | change_user | big | direct (execute
//   direct, statement id 0xFFFFFFFF) | last_id_cursor (SQL and a second
//   SQL as PARAM: see RunLastIdCursor) | reprepare_cursor (SQL, then the
//   statement and a second SQL as PARAMs: see RunReprepareCursor) |
//   cursor_then (SQL with a cursor, then a text SQL as PARAM before the
//   first FETCH)
//
// Prints each row tab-separated ("NULL" for NULL), then exits 0; on an
// error prints "ERROR CODE (SQLSTATE): MESSAGE" on stdout and exits 1.
#include <mysql.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int Fail(MYSQL* mysql) {
  std::printf("ERROR %u (%s): %s\n", mysql_errno(mysql), mysql_sqlstate(mysql),
              mysql_error(mysql));
  return 1;
}

int FailStmt(MYSQL_STMT* stmt) {
  std::printf("ERROR %u (%s): %s\n", mysql_stmt_errno(stmt),
              mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt));
  mysql_stmt_close(stmt);
  return 1;
}

int RunText(MYSQL* mysql, const std::string& sql) {
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) return Fail(mysql);
  do {
    MYSQL_RES* result = mysql_store_result(mysql);
    if (result != nullptr) {
      const unsigned columns = mysql_num_fields(result);
      while (MYSQL_ROW row = mysql_fetch_row(result)) {
        unsigned long* lengths = mysql_fetch_lengths(result);
        for (unsigned i = 0; i < columns; ++i) {
          if (i > 0) std::printf("\t");
          if (row[i] == nullptr) {
            std::printf("NULL");
          } else {
            std::fwrite(row[i], 1, lengths[i], stdout);
          }
        }
        std::printf("\n");
      }
      mysql_free_result(result);
    } else if (mysql_field_count(mysql) != 0) {
      return Fail(mysql);
    }
  } while (mysql_next_result(mysql) == 0);
  if (mysql_errno(mysql) != 0) return Fail(mysql);
  return 0;
}

void AskForCursor(MYSQL_STMT* stmt) {
  unsigned long type = CURSOR_TYPE_READ_ONLY;
  unsigned long prefetch = 1;  // one COM_STMT_FETCH per row
  mysql_stmt_attr_set(stmt, STMT_ATTR_CURSOR_TYPE, &type);
  mysql_stmt_attr_set(stmt, STMT_ATTR_PREFETCH_ROWS, &prefetch);
}

int PrintRowsAndClose(MYSQL_STMT* stmt);

int RunStatement(MYSQL* mysql, const std::string& sql,
                 const std::vector<std::string>& params, bool cursor) {
  MYSQL_STMT* stmt = mysql_stmt_init(mysql);
  if (stmt == nullptr) return Fail(mysql);
  if (cursor) AskForCursor(stmt);
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    return FailStmt(stmt);
  }
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> param_lengths(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    std::memset(&binds[i], 0, sizeof(MYSQL_BIND));
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = const_cast<char*>(params[i].data());
    param_lengths[i] = params[i].size();
    binds[i].length = &param_lengths[i];
  }
  if (!params.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) {
    return FailStmt(stmt);
  }
  if (mysql_stmt_execute(stmt) != 0) return FailStmt(stmt);
  return PrintRowsAndClose(stmt);
}

// MariaDB's statement id 0xFFFFFFFF ("the last prepared statement"):
// mariadb_stmt_execute_direct sends PREPARE and EXECUTE of it together.
int RunDirect(MYSQL* mysql, const std::string& sql) {
  MYSQL_STMT* stmt = mysql_stmt_init(mysql);
  if (stmt == nullptr) return Fail(mysql);
  if (mariadb_stmt_execute_direct(stmt, sql.data(), sql.size()) != 0) {
    return FailStmt(stmt);
  }
  return PrintRowsAndClose(stmt);
}

// An attack on the masking filter's cursors: statement `first` executed
// with a cursor as id 0xFFFFFFFF, then `second` prepared and executed with
// a cursor, then a FETCH of 0xFFFFFFFF, which the server answers from
// `second`'s cursor, with `first`'s column list in the client's hands.
int RunLastIdCursor(MYSQL* mysql, const std::string& first,
                    const std::string& second) {
  MYSQL_STMT* a = mysql_stmt_init(mysql);
  MYSQL_STMT* b = mysql_stmt_init(mysql);
  if (a == nullptr || b == nullptr) return Fail(mysql);
  AskForCursor(a);
  AskForCursor(b);
  if (mysql_stmt_prepare(a, first.data(), first.size()) != 0) {
    return FailStmt(a);
  }
  a->stmt_id = 0xFFFFFFFF;  // what execute_direct sends
  if (mysql_stmt_execute(a) != 0) return FailStmt(a);
  if (mysql_stmt_prepare(b, second.data(), second.size()) != 0 ||
      mysql_stmt_execute(b) != 0) {
    return FailStmt(b);
  }
  const int result = PrintRowsAndClose(a);
  mysql_stmt_close(b);
  return result;
}

// An attack on the masking filter's cursors: `setup` (text), then
// `statement` prepared, then `between` (text: DDL on temporary tables, so
// that the server prepares the statement again and its names stand for
// other tables' columns), then `statement` executed with a cursor.
int RunReprepareCursor(MYSQL* mysql, const std::string& setup,
                       const std::string& statement,
                       const std::string& between) {
  if (RunText(mysql, setup) != 0) return 1;
  MYSQL_STMT* stmt = mysql_stmt_init(mysql);
  if (stmt == nullptr) return Fail(mysql);
  AskForCursor(stmt);
  if (mysql_stmt_prepare(stmt, statement.data(), statement.size()) != 0) {
    return FailStmt(stmt);
  }
  if (RunText(mysql, between) != 0) {
    mysql_stmt_close(stmt);
    return 1;
  }
  if (mysql_stmt_execute(stmt) != 0) return FailStmt(stmt);
  return PrintRowsAndClose(stmt);
}

// An attack on the masking filter's cursors: `statement` executed with a
// cursor, then `between` (text, e.g. a change of character_set_results),
// then the rows fetched.
int RunCursorThen(MYSQL* mysql, const std::string& statement,
                  const std::string& between) {
  MYSQL_STMT* stmt = mysql_stmt_init(mysql);
  if (stmt == nullptr) return Fail(mysql);
  AskForCursor(stmt);
  if (mysql_stmt_prepare(stmt, statement.data(), statement.size()) != 0 ||
      mysql_stmt_execute(stmt) != 0) {
    return FailStmt(stmt);
  }
  if (RunText(mysql, between) != 0) {
    mysql_stmt_close(stmt);
    return 1;
  }
  return PrintRowsAndClose(stmt);
}

int PrintRowsAndClose(MYSQL_STMT* stmt) {
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  if (meta == nullptr) {
    mysql_stmt_close(stmt);
    return 0;
  }
  const unsigned columns = mysql_num_fields(meta);
  std::vector<MYSQL_BIND> results(columns);
  std::vector<std::vector<char>> buffers(columns, std::vector<char>(4096));
  std::vector<unsigned long> lengths(columns);
  std::vector<my_bool> nulls(columns);
  for (unsigned i = 0; i < columns; ++i) {
    std::memset(&results[i], 0, sizeof(MYSQL_BIND));
    results[i].buffer_type = MYSQL_TYPE_STRING;
    results[i].buffer = buffers[i].data();
    results[i].buffer_length = buffers[i].size();
    results[i].length = &lengths[i];
    results[i].is_null = &nulls[i];
  }
  if (mysql_stmt_bind_result(stmt, results.data()) != 0) {
    mysql_free_result(meta);
    return FailStmt(stmt);
  }
  for (;;) {
    const int fetched = mysql_stmt_fetch(stmt);
    if (fetched == MYSQL_NO_DATA) break;
    if (fetched == 1) {
      mysql_free_result(meta);
      return FailStmt(stmt);
    }
    for (unsigned i = 0; i < columns; ++i) {
      if (i > 0) std::printf("\t");
      if (nulls[i]) {
        std::printf("NULL");
      } else {
        std::fwrite(buffers[i].data(), 1, lengths[i], stdout);
      }
    }
    std::printf("\n");
  }
  mysql_free_result(meta);
  mysql_stmt_close(stmt);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 9) {
    std::fprintf(stderr,
                 "usage: stmt_client HOST PORT USER CA CERT KEY MODE SQL "
                 "[PARAM...]\n");
    return 2;
  }
  const std::string mode = argv[7];
  std::string sql = argv[8];
  std::vector<std::string> params(argv + 9, argv + argc);
  MYSQL* mysql = mysql_init(nullptr);
  my_bool verify = 1;
  mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  mysql_ssl_set(mysql, argv[6], argv[5], argv[4], nullptr, nullptr);
  unsigned long max_packet = 64ul << 20;
  mysql_optionsv(mysql, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
  if (mysql_real_connect(mysql, argv[1], argv[3], "", "app",
                         static_cast<unsigned>(std::atoi(argv[2])), nullptr,
                         CLIENT_MULTI_STATEMENTS) == nullptr) {
    return Fail(mysql);
  }
  int result = 0;
  if (mode == "text") {
    result = RunText(mysql, sql);
  } else if (mode == "binary" || mode == "cursor") {
    result = RunStatement(mysql, sql, params, mode == "cursor");
  } else if (mode == "direct") {
    result = RunDirect(mysql, sql);
  } else if (mode == "last_id_cursor" && params.size() == 1) {
    result = RunLastIdCursor(mysql, sql, params[0]);
  } else if (mode == "cursor_then" && params.size() == 1) {
    result = RunCursorThen(mysql, sql, params[0]);
  } else if (mode == "reprepare_cursor" && params.size() == 2) {
    result = RunReprepareCursor(mysql, sql, params[0], params[1]);
  } else if (mode == "change_user") {
    // A new session for the same account, then the query.
    if (mysql_change_user(mysql, argv[3], "", "app") != 0) {
      result = Fail(mysql);
    } else {
      result = RunText(mysql, sql);
    }
  } else if (mode == "big") {
    // SQL is a prefix; a 17 MiB string literal makes the query span two
    // physical packets.
    std::string query = sql + "'" + std::string(17u << 20, 'a') + "')";
    result = RunText(mysql, query);
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    result = 2;
  }
  mysql_close(mysql);
  return result;
}

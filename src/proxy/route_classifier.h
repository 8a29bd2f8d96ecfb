// The statement classifier of read/write splitting: where one COM_QUERY text
// may run, after MaxScale's readwritesplit rules (queryclassifier.cc's
// get_route_target), decided from the parse in src/sql.
//
// Only a read goes to a replica: exactly one statement, parsed in full, that
// is a query (SELECT, parenthesised, UNION/INTERSECT/EXCEPT, WITH) and has no
// locking clause, no INTO, no user variable (only the primary has them all:
// `SELECT @v := 1` and triggers set them there alone), no SQL_CALC_FOUND_ROWS,
// no call of anything but a built-in known to read only its arguments (see
// IsReadOnlyBuiltin; `s.nextval` and `s.currval` count as calls, since
// under sql_mode=ORACLE they are), and no reference to a system variable that
// reports this session's earlier statements (@@last_insert_id, @@identity,
// @@insert_id, @@last_gtid, @@warning_count, @@error_count,
// @@in_transaction). Session commands (SET of session and user variables,
// SET NAMES, SET CHARACTER SET, SET [SESSION] TRANSACTION, SET ROLE, USE) go
// to every backend of the session when their values are side-effect free.
// Everything else, and everything in doubt (a parse error, several
// statements, an executable comment with a version), goes to the primary.
//
// What this does not know, the router must: whether a transaction is open
// (then every statement goes to the primary), autocommit=0, temporary tables
// already created, and routing hints.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "sql/lexer.h"

namespace coffer::proxy {

enum class Route { kPrimary, kReplica, kAll };

// "primary", "replica", "all": for logs and metric labels.
std::string_view RouteName(Route route);

struct RouteDecision {
  Route route = Route::kPrimary;
  // Why, as a short static text from a fixed set (bounded, so fit for a
  // metric label): "read", "session command", "global variable", "write",
  // "ddl", "temporary table", "transaction", "locking read", "select into",
  // "user variable assignment", "user variable", "function", "last insert id",
  // "session state", "found rows", "set statement", "prepared statement",
  // "call", "do", "show", "explain", "lock tables", "multi-statement",
  // "unparsable".
  std::string_view reason;
  // CREATE TEMPORARY TABLE, anywhere in the text (also in a multi-statement
  // text, and by a token-level look in a text that does not parse): the
  // session must then keep every statement on the primary.
  bool creates_temporary_table = false;
  // BEGIN, START TRANSACTION or XA START/BEGIN, anywhere in the text
  // (informational: the router should track transactions from the server's
  // status flags).
  bool starts_transaction = false;
};

// Classifies `sql`, one COM_QUERY (or COM_STMT_PREPARE) text, read under
// `mode`, the session's sql_mode flags. Never fails and never throws: a
// text it cannot read in full goes to the primary with reason "unparsable".
RouteDecision ClassifyQuery(std::string_view sql, sql::LexMode mode) noexcept;

// True for a MariaDB built-in function (upper-case name, unqualified) that
// may run on a replica: it reads only its arguments, the clock, or
// per-backend constants, and changes nothing. False for everything else:
// LAST_INSERT_ID, FOUND_ROWS, ROW_COUNT, CONNECTION_ID, the lock functions
// (GET_LOCK, RELEASE_LOCK, ...), SLEEP, BENCHMARK, sequences (NEXTVAL,
// SETVAL, LASTVAL), MASTER_GTID_WAIT, MASTER_POS_WAIT, BINLOG_GTID_POS,
// LOAD_FILE, UUID_SHORT, and any name that is not a built-in of
// sql::IsBuiltinFunction (stored functions, UDFs). A built-in added to that
// list later runs on replicas unless it is added to the primary-only list
// in route_classifier.cc too.
bool IsReadOnlyBuiltin(std::string_view upper);

// Whether a text may create a temporary table, read loosely (CREATE and
// TEMPORARY anywhere in it): for texts the parser does not read, and for
// prepared texts, which run later by name or id.
bool TextMayCreateTemporaryTable(std::string_view text);

}  // namespace coffer::proxy

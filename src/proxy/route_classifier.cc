#include "proxy/route_classifier.h"

#include <set>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/ast_walk.h"
#include "sql/keywords.h"
#include "sql/parser.h"

namespace coffer::proxy {
namespace {

using sql::Expr;
using sql::ExprKind;
using sql::Statement;
using sql::StatementKind;
using sql::Token;
using sql::TokenKind;

// The reasons (RouteDecision::reason).
constexpr std::string_view kRead = "read";
constexpr std::string_view kSessionCommand = "session command";
constexpr std::string_view kGlobalVariable = "global variable";
constexpr std::string_view kWrite = "write";
constexpr std::string_view kDdl = "ddl";
constexpr std::string_view kTemporaryTable = "temporary table";
constexpr std::string_view kTransaction = "transaction";
constexpr std::string_view kLockingRead = "locking read";
constexpr std::string_view kSelectInto = "select into";
constexpr std::string_view kUserVariableAssignment = "user variable assignment";
constexpr std::string_view kUserVariable = "user variable";
constexpr std::string_view kFunction = "function";
constexpr std::string_view kLastInsertId = "last insert id";
constexpr std::string_view kSessionState = "session state";
constexpr std::string_view kFoundRows = "found rows";
constexpr std::string_view kSetStatement = "set statement";
constexpr std::string_view kPreparedStatement = "prepared statement";
constexpr std::string_view kCall = "call";
constexpr std::string_view kDo = "do";
constexpr std::string_view kShow = "show";
constexpr std::string_view kExplain = "explain";
constexpr std::string_view kLockTables = "lock tables";
constexpr std::string_view kMultiStatement = "multi-statement";
constexpr std::string_view kUnparsable = "unparsable";

// The built-ins that must run on the primary: they change state, wait, or
// answer from this session's earlier statements or the primary's own state
// (LOAD_FILE is not a built-in of sql/keywords.cc, so it is refused anyway).
// CONNECTION_ID too: a replica's id is useless to the client, KILL <id>
// goes to the primary. Every other built-in of sql::IsBuiltinFunction may
// run on a replica; stored functions and UDFs never do.
constexpr std::string_view kPrimaryOnlyBuiltins = R"(
BENCHMARK BINLOG_GTID_POS CONNECTION_ID FOUND_ROWS GET_LOCK IS_FREE_LOCK
IS_USED_LOCK LASTVAL LAST_INSERT_ID MASTER_GTID_WAIT MASTER_POS_WAIT NEXTVAL
RELEASE_ALL_LOCKS RELEASE_LOCK ROW_COUNT SETVAL SLEEP UUID_SHORT
)";

bool EqualsNoCase(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

// System variables that report this session's earlier statements, which
// ran on the primary.
bool IsSessionResultVariable(std::string_view text, std::string_view* reason) {
  size_t dot = text.rfind('.');
  std::string_view name =
      dot == std::string_view::npos ? text : text.substr(dot + 1);
  for (std::string_view v : {"LAST_INSERT_ID", "IDENTITY", "INSERT_ID"}) {
    if (EqualsNoCase(name, v)) {
      *reason = kLastInsertId;
      return true;
    }
  }
  for (std::string_view v :
       {"LAST_GTID", "WARNING_COUNT", "ERROR_COUNT", "IN_TRANSACTION"}) {
    if (EqualsNoCase(name, v)) {
      *reason = kSessionState;
      return true;
    }
  }
  return false;
}

// Finds the first thing below a node that keeps it on the primary; `reason`
// then says what.
class PrimaryFinder : public sql::AstVisitor {
 public:
  // `allow_assignment`: `@v := x` is what a SET does anyway, and a SET may
  // read user variables too, since a replica's are never read.
  PrimaryFinder(std::string_view sql, bool allow_assignment)
      : sql_(sql), allow_assignment_(allow_assignment) {}

  bool OnExpr(const Expr& e) override {
    switch (e.kind) {
      case ExprKind::kFunction:
        if (e.text == "LAST_INSERT_ID") return Found(kLastInsertId);
        if (!IsReadOnlyCall(e)) return Found(kFunction);
        return false;
      case ExprKind::kColumn:
        // Under sql_mode=ORACLE, which the proxy does not track, s.nextval
        // and s.currval are sequence calls.
        if (e.names.size() >= 2 && (EqualsNoCase(e.text, "NEXTVAL") ||
                                    EqualsNoCase(e.text, "CURRVAL"))) {
          return Found(kFunction);
        }
        return false;
      case ExprKind::kSysVar: {
        std::string_view why;
        if (IsSessionResultVariable(e.text, &why)) return Found(why);
        return false;
      }
      case ExprKind::kUserVar:
        // Only the primary holds every user variable: statements that
        // assign one as a side effect (`SELECT @v := ...`, INTO @v, a
        // trigger or a procedure's SET) run there alone. MaxScale's
        // use_sql_variables_in=master.
        if (!allow_assignment_) return Found(kUserVariable);
        return false;
      case ExprKind::kOperator:
        if (e.text == ":=" && !allow_assignment_) {
          return Found(kUserVariableAssignment);
        }
        return false;
      default: return false;
    }
  }
  bool OnQuery(const sql::QueryExpr& q) override {
    return !q.locking.empty() && Found(kLockingRead);
  }
  bool OnSelect(const sql::SelectCore& core) override {
    // FOUND_ROWS() goes to the primary, so the query it counts must too.
    for (const std::string& option : core.options) {
      if (option == "SQL_CALC_FOUND_ROWS") return Found(kFoundRows);
    }
    return false;
  }
  bool OnInto(const sql::IntoClause&) override { return Found(kSelectInto); }

  std::string_view reason;

 private:
  bool Found(std::string_view why) {
    reason = why;
    return true;
  }

  // An unqualified, unquoted built-in name. A quoted name (`left`(x)) is
  // read by the server as a stored function when the unquoted one is a
  // keyword, so it is not trusted as a built-in.
  bool IsReadOnlyCall(const Expr& e) const {
    if (e.names.size() != 1) return false;
    if (e.offset < sql_.size() &&
        (sql_[e.offset] == '`' || sql_[e.offset] == '"')) {
      return false;
    }
    return IsReadOnlyBuiltin(e.text);
  }

  std::string_view sql_;
  bool allow_assignment_;
};

RouteDecision To(Route route, std::string_view reason) {
  RouteDecision d;
  d.route = route;
  d.reason = reason;
  return d;
}

RouteDecision Primary(std::string_view reason) {
  return To(Route::kPrimary, reason);
}

bool HasOption(const Statement& s, std::string_view option) {
  for (const std::string& o : s.options) {
    if (o == option) return true;
  }
  return false;
}

bool ContainsNoCase(std::string_view text, std::string_view upper) {
  for (size_t i = 0; i + upper.size() <= text.size(); ++i) {
    if (EqualsNoCase(text.substr(i, upper.size()), upper)) return true;
  }
  return false;
}

// Whether running `s` may create a temporary table. A prepared text is
// read loosely (CREATE and TEMPORARY anywhere in it), and a text only known
// at run time (PREPARE ... FROM @v) may: the session then stays on the
// primary rather than miss the table on a replica.
bool MayCreateTemporaryTable(const Statement& s) {
  if (s.kind == StatementKind::kCreateTable) return HasOption(s, "TEMPORARY");
  if (s.kind != StatementKind::kPrepare) return false;
  return !s.has_text_source || TextMayCreateTemporaryTable(s.text_source);
}

// The flags, for a statement and the one it wraps (SET STATEMENT ... FOR).
void AddFlags(const Statement& s, RouteDecision& d) {
  for (const Statement* p = &s; p != nullptr; p = p->inner.get()) {
    if (MayCreateTemporaryTable(*p)) d.creates_temporary_table = true;
    if (p->kind == StatementKind::kBegin) d.starts_transaction = true;
  }
}

// SET of variables: every backend keeps the session's variables, unless a
// variable is global (the server's, once) or a value has a side effect.
RouteDecision ClassifySet(const Statement& s, std::string_view sql) {
  for (const sql::VariableAssignment& va : s.variables) {
    // A scope also applies to the variables after it, but any GLOBAL is
    // enough to send the whole statement to the primary.
    if (va.scope == "GLOBAL") return Primary(kGlobalVariable);
  }
  PrimaryFinder finder(sql, /*allow_assignment=*/true);
  if (sql::Walk(s, finder)) return Primary(finder.reason);
  return To(Route::kAll, kSessionCommand);
}

RouteDecision ClassifyStatement(const Statement& s, std::string_view sql) {
  switch (s.kind) {
    case StatementKind::kSelect: {
      PrimaryFinder finder(sql, /*allow_assignment=*/false);
      if (sql::Walk(s, finder)) return Primary(finder.reason);
      return To(Route::kReplica, kRead);
    }
    case StatementKind::kInsert:
    case StatementKind::kReplace:
    case StatementKind::kUpdate:
    case StatementKind::kDelete: return Primary(kWrite);
    case StatementKind::kSet: return ClassifySet(s, sql);
    case StatementKind::kSetNames:
    case StatementKind::kSetCharset:
    case StatementKind::kUse: return To(Route::kAll, kSessionCommand);
    case StatementKind::kSetTransaction:
      if (HasOption(s, "GLOBAL")) return Primary(kGlobalVariable);
      return To(Route::kAll, kSessionCommand);
    case StatementKind::kSetStatement: {
      // The variables hold for one statement, which may be read under
      // another sql_mode than the session's: the primary runs it.
      RouteDecision d = Primary(kSetStatement);
      AddFlags(s, d);
      return d;
    }
    case StatementKind::kBegin: {
      RouteDecision d = Primary(kTransaction);
      d.starts_transaction = true;
      return d;
    }
    case StatementKind::kCommit:
    case StatementKind::kRollback:
    case StatementKind::kSavepoint:
    case StatementKind::kRollbackToSavepoint:
    case StatementKind::kReleaseSavepoint: return Primary(kTransaction);
    case StatementKind::kPrepare: {
      RouteDecision d = Primary(kPreparedStatement);
      AddFlags(s, d);
      return d;
    }
    case StatementKind::kExecute:
    case StatementKind::kDeallocatePrepare:
    case StatementKind::kExecuteImmediate: return Primary(kPreparedStatement);
    case StatementKind::kDo: return Primary(kDo);
    case StatementKind::kCall: return Primary(kCall);
    case StatementKind::kShow: return Primary(kShow);
    case StatementKind::kDescribeTable:
    case StatementKind::kExplain:
    case StatementKind::kAnalyze: return Primary(kExplain);
    case StatementKind::kCreateTable:
      if (HasOption(s, "TEMPORARY")) {
        RouteDecision d = Primary(kTemporaryTable);
        d.creates_temporary_table = true;
        return d;
      }
      return Primary(kDdl);
    case StatementKind::kAnalyzeTable:
    case StatementKind::kDropTable:
    case StatementKind::kTruncate: return Primary(kDdl);
    case StatementKind::kLockTables:
    case StatementKind::kUnlockTables: return Primary(kLockTables);
  }
  return Primary(kUnparsable);
}

bool IsWord(const Token& t, std::string_view upper) {
  return t.kind == TokenKind::kWord && t.upper == upper;
}

// A text the parser refused goes to the primary. The tokens still tell the
// few statements the parser does not model that matter to the router:
// SET ROLE (a session command), XA START/BEGIN, and CREATE TEMPORARY
// anywhere (also in a versioned comment, as mysqldump writes
// `CREATE /*!32302 TEMPORARY */ TABLE`), so that the session stays on the
// primary rather than miss its temporary table.
RouteDecision ClassifyUnparsed(std::string_view sql, sql::LexMode mode) {
  RouteDecision d = Primary(kUnparsable);
  auto tokens = sql::Tokenize(sql, mode);
  if (!tokens.ok()) {
    d.creates_temporary_table = TextMayCreateTemporaryTable(sql);
    return d;
  }
  const std::vector<Token>& t = *tokens;
  for (size_t i = 0; i < t.size() && !d.creates_temporary_table; ++i) {
    if (t[i].kind == TokenKind::kVersionedComment) {
      d.creates_temporary_table = TextMayCreateTemporaryTable(t[i].text);
      continue;
    }
    if (!IsWord(t[i], "CREATE")) continue;
    size_t k = i + 1;
    if (k + 1 < t.size() && IsWord(t[k], "OR") && IsWord(t[k + 1], "REPLACE")) {
      k += 2;
    }
    d.creates_temporary_table =
        k < t.size() && (IsWord(t[k], "TEMPORARY") ||
                         (t[k].kind == TokenKind::kVersionedComment &&
                          ContainsNoCase(t[k].text, "TEMPORARY")));
  }
  // One statement: the last token is kEnd, with at most one ';' before it.
  size_t n = t.size() - 1;
  if (n > 0 && t[n - 1].kind == TokenKind::kOperator && t[n - 1].text == ";") {
    --n;
  }
  for (size_t i = 0; i < n; ++i) {
    if (t[i].kind == TokenKind::kOperator && t[i].text == ";") return d;
    if (t[i].kind == TokenKind::kVersionedComment) return d;
  }
  if (n >= 2 && IsWord(t[0], "XA")) {
    d.reason = kTransaction;
    d.starts_transaction = IsWord(t[1], "START") || IsWord(t[1], "BEGIN");
    return d;
  }
  // SET ROLE name | NONE: which roles the session's privileges come from.
  if (n == 3 && IsWord(t[0], "SET") && IsWord(t[1], "ROLE") &&
      (t[2].kind == TokenKind::kWord || t[2].kind == TokenKind::kQuotedIdent ||
       t[2].kind == TokenKind::kString)) {
    return To(Route::kAll, kSessionCommand);
  }
  return d;
}

RouteDecision Classify(std::string_view sql, sql::LexMode mode) {
  auto parsed = sql::Parse(sql, mode);
  if (!parsed.ok()) return ClassifyUnparsed(sql, mode);
  if (parsed->size() != 1) {
    // Several results, and MaxScale cannot split them either.
    RouteDecision d = Primary(kMultiStatement);
    for (const Statement& s : *parsed) AddFlags(s, d);
    return d;
  }
  return ClassifyStatement(parsed->front(), sql);
}

}  // namespace

std::string_view RouteName(Route route) {
  switch (route) {
    case Route::kPrimary: return "primary";
    case Route::kReplica: return "replica";
    case Route::kAll: return "all";
  }
  return "primary";
}

bool TextMayCreateTemporaryTable(std::string_view text) {
  return ContainsNoCase(text, "CREATE") && ContainsNoCase(text, "TEMPORARY");
}

bool IsReadOnlyBuiltin(std::string_view upper) {
  static const sql::WordSet* primary_only =
      new sql::WordSet(sql::SplitWords(kPrimaryOnlyBuiltins));
  return sql::IsBuiltinFunction(upper) && !primary_only->contains(upper);
}

RouteDecision ClassifyQuery(std::string_view sql, sql::LexMode mode) noexcept {
  try {
    return Classify(sql, mode);
  } catch (...) {
    // Only allocation can throw here; the primary is always safe.
    return Primary(kUnparsable);
  }
}

}  // namespace coffer::proxy

// Statement dispatch and the DML, SET, transaction, prepared-statement,
// SHOW and EXPLAIN families. DDL is in parse_ddl.cc.
#include <utility>

#include "sql/keywords.h"
#include "sql/parser_internal.h"

namespace coffer::sql {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

StatusOr<Statement> Parser::ParseStatement() {
  DepthGuard guard(*this);
  COFFER_RETURN_IF_ERROR(CheckDepth());
  const Token& t = Peek();
  size_t offset = t.offset;
  if (IsOp("(") || StartsQuery()) {
    Statement stmt;
    stmt.kind = StatementKind::kSelect;
    stmt.offset = offset;
    COFFER_ASSIGN_OR_RETURN(stmt.query, ParseQuery());
    return stmt;
  }
  if (t.kind != TokenKind::kWord)
    return Unexpected("at the start of a statement");
  const std::string& u = t.upper;
  StatusOr<Statement> result = Unsupported("statement " + u);
  if (u == "INSERT" || u == "REPLACE") {
    result = ParseInsert(u == "REPLACE");
  } else if (u == "UPDATE") {
    result = ParseUpdate();
  } else if (u == "DELETE") {
    result = ParseDelete();
  } else if (u == "SET") {
    result = ParseSet();
  } else if (u == "BEGIN" || u == "START") {
    result = ParseTransaction();
  } else if (u == "COMMIT" || u == "ROLLBACK") {
    result = ParseCommitOrRollback();
  } else if (u == "PREPARE") {
    result = ParsePrepare();
  } else if (u == "EXECUTE") {
    result = ParseExecute();
  } else if (u == "SHOW") {
    result = ParseShow();
  } else if (u == "EXPLAIN" || u == "DESCRIBE" || u == "DESC") {
    result = ParseExplain(false);
  } else if (u == "ANALYZE") {
    result = ParseExplain(true);
  } else if (u == "CREATE") {
    result = ParseCreate();
  } else if (u == "DROP") {
    result = ParseDrop();
  } else if (u == "TRUNCATE") {
    result = ParseTruncate();
  } else if (u == "LOCK" || u == "UNLOCK") {
    result = ParseLockTables();
  } else {
    Statement stmt;
    stmt.offset = offset;
    if (u == "USE") {
      Advance();
      stmt.kind = StatementKind::kUse;
      COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after USE"));
      return stmt;
    }
    if (u == "SAVEPOINT") {
      Advance();
      stmt.kind = StatementKind::kSavepoint;
      COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after SAVEPOINT"));
      return stmt;
    }
    if (u == "RELEASE" && IsWord("SAVEPOINT", 1)) {
      pos_ += 2;
      stmt.kind = StatementKind::kReleaseSavepoint;
      COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after SAVEPOINT"));
      return stmt;
    }
    if (u == "DEALLOCATE" && IsWord("PREPARE", 1)) {
      pos_ += 2;
      stmt.kind = StatementKind::kDeallocatePrepare;
      COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after PREPARE"));
      return stmt;
    }
    if (u == "DO") {
      Advance();
      stmt.kind = StatementKind::kDo;
      do {
        COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        stmt.exprs.push_back(std::move(e));
      } while (AcceptOp(","));
      return stmt;
    }
    if (u == "CALL") {
      Advance();
      stmt.kind = StatementKind::kCall;
      COFFER_ASSIGN_OR_RETURN(stmt.target,
                              ParseQualifiedName("(expected a procedure)", 2));
      if (IsOp("(")) {
        Advance();
        if (!AcceptOp(")")) {
          do {
            COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
            stmt.exprs.push_back(std::move(e));
          } while (AcceptOp(","));
          COFFER_RETURN_IF_ERROR(ExpectOp(")", "after CALL arguments"));
        }
      }
      return stmt;
    }
  }
  if (result.ok()) result->offset = offset;
  return result;
}

Status Parser::ParseAssignments(std::vector<Assignment>& out) {
  do {
    Assignment a;
    COFFER_ASSIGN_OR_RETURN(a.target,
                            ParseQualifiedName("(expected a column)", 3));
    if (!AcceptOp("=") && !AcceptOp(":=")) {
      return Unexpected("(expected '=') in an assignment");
    }
    COFFER_ASSIGN_OR_RETURN(a.value, ParseExpr());
    out.push_back(std::move(a));
  } while (AcceptOp(","));
  return OkStatus();
}

StatusOr<Statement> Parser::ParseInsert(bool replace) {
  Advance();
  Statement stmt;
  stmt.kind = replace ? StatementKind::kReplace : StatementKind::kInsert;
  while (IsWord("LOW_PRIORITY") || IsWord("DELAYED") ||
         IsWord("HIGH_PRIORITY") || IsWord("IGNORE")) {
    stmt.options.push_back(Advance().upper);
  }
  AcceptWord("INTO");
  COFFER_ASSIGN_OR_RETURN(stmt.target,
                          ParseQualifiedName("(expected a table)", 2));
  if (AcceptWord("PARTITION")) {
    COFFER_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                            ParseIdentifierList("in PARTITION"));
  }
  if (IsOp("(") && !StartsQuery(1) && !IsOp("(", 1)) {
    Advance();
    if (!IsOp(")")) {
      do {
        COFFER_ASSIGN_OR_RETURN(std::vector<std::string> col,
                                ParseQualifiedName("in the column list", 3));
        stmt.columns.push_back(col.back());
      } while (AcceptOp(","));
    }
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after the column list"));
  }
  if (AcceptWord("VALUES") || AcceptWord("VALUE")) {
    do {
      COFFER_RETURN_IF_ERROR(ExpectOp("(", "in VALUES"));
      std::vector<ExprPtr> row;
      if (!IsOp(")")) {
        do {
          COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
          row.push_back(std::move(e));
        } while (AcceptOp(","));
      }
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a VALUES row"));
      stmt.rows.push_back(std::move(row));
    } while (AcceptOp(","));
  } else if (AcceptWord("SET")) {
    COFFER_RETURN_IF_ERROR(ParseAssignments(stmt.assignments));
  } else if (StartsQuery() || IsOp("(")) {
    COFFER_ASSIGN_OR_RETURN(stmt.query, ParseQuery());
  } else {
    return Unexpected("(expected VALUES, SET or SELECT) in INSERT");
  }
  if (!replace && IsWord("ON") && IsWord("DUPLICATE", 1)) {
    pos_ += 2;
    COFFER_RETURN_IF_ERROR(ExpectWord("KEY", "in ON DUPLICATE KEY UPDATE"));
    COFFER_RETURN_IF_ERROR(ExpectWord("UPDATE", "in ON DUPLICATE KEY UPDATE"));
    COFFER_RETURN_IF_ERROR(ParseAssignments(stmt.on_duplicate));
  }
  if (AcceptWord("RETURNING")) {
    COFFER_ASSIGN_OR_RETURN(stmt.returning, ParseReturning());
  }
  return stmt;
}

StatusOr<Statement> Parser::ParseUpdate() {
  Advance();
  Statement stmt;
  stmt.kind = StatementKind::kUpdate;
  while (IsWord("LOW_PRIORITY") || IsWord("IGNORE")) {
    stmt.options.push_back(Advance().upper);
  }
  COFFER_ASSIGN_OR_RETURN(stmt.tables, ParseTableList());
  COFFER_RETURN_IF_ERROR(ExpectWord("SET", "in UPDATE"));
  COFFER_RETURN_IF_ERROR(ParseAssignments(stmt.assignments));
  if (AcceptWord("WHERE")) {
    COFFER_ASSIGN_OR_RETURN(stmt.where, ParseExpr());
  }
  if (AcceptWord("ORDER")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after ORDER"));
    COFFER_ASSIGN_OR_RETURN(stmt.order_by, ParseOrderList());
  }
  if (IsWord("LIMIT")) COFFER_RETURN_IF_ERROR(ParseLimit(stmt.limit));
  return stmt;
}

StatusOr<Statement> Parser::ParseDelete() {
  Advance();
  Statement stmt;
  stmt.kind = StatementKind::kDelete;
  while (IsWord("LOW_PRIORITY") || IsWord("QUICK") || IsWord("IGNORE")) {
    stmt.options.push_back(Advance().upper);
  }
  bool from_first = AcceptWord("FROM");
  do {
    std::vector<std::string> name;
    COFFER_ASSIGN_OR_RETURN(std::string first,
                            ParseIdentifier("(expected a table)"));
    name.push_back(std::move(first));
    if (IsOp(".") && !IsOp("*", 1)) {
      Advance();
      COFFER_ASSIGN_OR_RETURN(std::string second,
                              ParseIdentifier("(expected a table)"));
      name.push_back(std::move(second));
    }
    if (IsOp(".") && IsOp("*", 1)) pos_ += 2;
    stmt.table_names.push_back(std::move(name));
  } while (AcceptOp(","));
  if (from_first && AcceptWord("USING")) {
    COFFER_ASSIGN_OR_RETURN(stmt.tables, ParseTableList());
  } else if (!from_first) {
    COFFER_RETURN_IF_ERROR(ExpectWord("FROM", "in DELETE"));
    COFFER_ASSIGN_OR_RETURN(stmt.tables, ParseTableList());
  } else if (stmt.table_names.size() != 1) {
    return Unexpected("(expected USING) in DELETE");
  } else {
    stmt.target = stmt.table_names[0];
    if (AcceptWord("PARTITION")) {
      COFFER_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                              ParseIdentifierList("in PARTITION"));
    }
  }
  if (AcceptWord("WHERE")) {
    COFFER_ASSIGN_OR_RETURN(stmt.where, ParseExpr());
  }
  if (!stmt.target.empty()) {
    if (AcceptWord("ORDER")) {
      COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after ORDER"));
      COFFER_ASSIGN_OR_RETURN(stmt.order_by, ParseOrderList());
    }
    if (IsWord("LIMIT")) COFFER_RETURN_IF_ERROR(ParseLimit(stmt.limit));
    if (AcceptWord("RETURNING")) {
      COFFER_ASSIGN_OR_RETURN(stmt.returning, ParseReturning());
    }
  }
  return stmt;
}

StatusOr<Statement> Parser::ParseSet() {
  Advance();  // SET
  Statement stmt;
  if (AcceptWord("STATEMENT")) {
    stmt.kind = StatementKind::kSetStatement;
    COFFER_RETURN_IF_ERROR(ParseVariableAssignments(stmt, true));
    COFFER_RETURN_IF_ERROR(ExpectWord("FOR", "in SET STATEMENT"));
    COFFER_ASSIGN_OR_RETURN(Statement inner, ParseStatement());
    stmt.inner = std::make_unique<Statement>(std::move(inner));
    return stmt;
  }
  if (AcceptWord("NAMES")) {
    stmt.kind = StatementKind::kSetNames;
    COFFER_ASSIGN_OR_RETURN(stmt.charset, ParseNameOrString("after NAMES"));
    if (AcceptWord("COLLATE")) {
      COFFER_ASSIGN_OR_RETURN(stmt.collation,
                              ParseNameOrString("after COLLATE"));
    }
    return stmt;
  }
  if ((IsWord("CHARACTER") && IsWord("SET", 1)) || IsWord("CHARSET")) {
    pos_ += IsWord("CHARSET") ? 1 : 2;
    stmt.kind = StatementKind::kSetCharset;
    COFFER_ASSIGN_OR_RETURN(stmt.charset, ParseNameOrString("after SET"));
    return stmt;
  }
  size_t k = (IsWord("GLOBAL") || IsWord("SESSION") || IsWord("LOCAL")) ? 1 : 0;
  if (IsWord("TRANSACTION", k)) {
    stmt.kind = StatementKind::kSetTransaction;
    // The scope decides who is affected: SET GLOBAL TRANSACTION changes the
    // server's default, the others this session's next transactions.
    if (k == 1) stmt.options.push_back(Peek().upper);
    pos_ += k + 1;
    do {
      if (AcceptWord("ISOLATION")) {
        COFFER_RETURN_IF_ERROR(ExpectWord("LEVEL", "after ISOLATION"));
        if (AcceptWord("READ")) {
          if (!AcceptWord("COMMITTED") && !AcceptWord("UNCOMMITTED")) {
            return Unexpected("after READ");
          }
        } else if (AcceptWord("REPEATABLE")) {
          COFFER_RETURN_IF_ERROR(ExpectWord("READ", "after REPEATABLE"));
        } else {
          COFFER_RETURN_IF_ERROR(ExpectWord("SERIALIZABLE", "in SET"));
        }
      } else {
        COFFER_RETURN_IF_ERROR(ExpectWord("READ", "in SET TRANSACTION"));
        if (!AcceptWord("ONLY") && !AcceptWord("WRITE")) {
          return Unexpected("after READ");
        }
      }
    } while (AcceptOp(","));
    return stmt;
  }
  if (IsWord("PASSWORD") || IsWord("ROLE") ||
      (IsWord("DEFAULT") && IsWord("ROLE", 1))) {
    return Unsupported("SET " + Peek().upper);
  }
  stmt.kind = StatementKind::kSet;
  COFFER_RETURN_IF_ERROR(ParseVariableAssignments(stmt, false));
  return stmt;
}

Status Parser::ParseVariableAssignments(Statement& stmt, bool for_statement) {
  do {
    VariableAssignment va;
    if ((IsWord("GLOBAL") || IsWord("SESSION") || IsWord("LOCAL")) &&
        !IsOp("=", 1) && !IsOp(":=", 1)) {
      va.scope = Advance().upper;
    }
    const Token& t = Peek();
    if (t.kind == TokenKind::kUserVar && va.scope.empty()) {
      va.kind = VariableAssignment::Kind::kUser;
      va.name = Advance().text;
    } else if (t.kind == TokenKind::kSysVar && va.scope.empty()) {
      va.kind = VariableAssignment::Kind::kSystem;
      std::string name = Lower(Advance().text);
      for (std::string_view scope : {"global.", "session.", "local."}) {
        if (name.rfind(scope, 0) == 0) {
          va.scope = Lower(std::string(scope.substr(0, scope.size() - 1)));
          for (char& c : va.scope) c = static_cast<char>(c - 'a' + 'A');
          name = name.substr(scope.size());
          break;
        }
      }
      va.name = std::move(name);
    } else {
      va.kind = VariableAssignment::Kind::kSystem;
      COFFER_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                              ParseQualifiedName("(expected a variable)", 2));
      std::string name;
      for (const std::string& p : parts) {
        name += (name.empty() ? "" : ".") + Lower(p);
      }
      va.name = std::move(name);
    }
    if (!AcceptOp("=") && !AcceptOp(":=")) {
      return Unexpected("(expected '=') in SET");
    }
    // A bare word as a system variable's value is a name (ON, OFF,
    // binary, utf8mb4), even when it is a reserved word.
    const Token& v = Peek();
    if (va.kind == VariableAssignment::Kind::kSystem &&
        v.kind == TokenKind::kWord &&
        (IsOp(",", 1) || IsOp(";", 1) || Peek(1).kind == TokenKind::kEnd ||
         (for_statement && IsWord("FOR", 1)))) {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kLiteral;
      e->literal = LiteralKind::kString;
      e->text = v.text;
      e->offset = v.offset;
      Advance();
      va.value = std::move(e);
    } else {
      COFFER_ASSIGN_OR_RETURN(va.value, ParseExpr());
    }
    stmt.variables.push_back(std::move(va));
  } while (AcceptOp(","));
  return OkStatus();
}

StatusOr<Statement> Parser::ParseTransaction() {
  Statement stmt;
  stmt.kind = StatementKind::kBegin;
  if (AcceptWord("BEGIN")) {
    if (IsWord("NOT") || !(AtEnd() || IsWord("WORK"))) {
      return Unsupported("compound statement");
    }
    AcceptWord("WORK");
    return stmt;
  }
  Advance();  // START
  COFFER_RETURN_IF_ERROR(ExpectWord("TRANSACTION", "after START"));
  if (AtEnd()) return stmt;
  do {
    if (AcceptWord("READ")) {
      if (!AcceptWord("ONLY") && !AcceptWord("WRITE")) {
        return Unexpected("after READ");
      }
    } else {
      COFFER_RETURN_IF_ERROR(ExpectWord("WITH", "in START TRANSACTION"));
      COFFER_RETURN_IF_ERROR(ExpectWord("CONSISTENT", "after WITH"));
      COFFER_RETURN_IF_ERROR(ExpectWord("SNAPSHOT", "after CONSISTENT"));
    }
  } while (AcceptOp(","));
  return stmt;
}

StatusOr<Statement> Parser::ParseCommitOrRollback() {
  Statement stmt;
  bool rollback = Advance().upper == "ROLLBACK";
  stmt.kind = rollback ? StatementKind::kRollback : StatementKind::kCommit;
  AcceptWord("WORK");
  if (rollback && AcceptWord("TO")) {
    AcceptWord("SAVEPOINT");
    stmt.kind = StatementKind::kRollbackToSavepoint;
    COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after TO"));
    return stmt;
  }
  if (AcceptWord("AND")) {
    AcceptWord("NO");
    COFFER_RETURN_IF_ERROR(ExpectWord("CHAIN", "after AND"));
  }
  if (IsWord("NO") && IsWord("RELEASE", 1)) {
    pos_ += 2;
  } else {
    AcceptWord("RELEASE");
  }
  return stmt;
}

StatusOr<Statement> Parser::ParsePrepare() {
  Advance();
  Statement stmt;
  stmt.kind = StatementKind::kPrepare;
  COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after PREPARE"));
  COFFER_RETURN_IF_ERROR(ExpectWord("FROM", "in PREPARE"));
  size_t start = pos_;
  if (Peek().kind == TokenKind::kString) {
    COFFER_ASSIGN_OR_RETURN(stmt.text_source, ParseStringLiteral("PREPARE"));
    if (AtEnd()) {
      stmt.has_text_source = true;
      return stmt;
    }
    pos_ = start;
  }
  // MariaDB accepts any expression: the text is then only known at run time.
  size_t offset = Peek().offset;
  COFFER_ASSIGN_OR_RETURN(ExprPtr source, ParseExpr());
  stmt.variable_source =
      source->kind == ExprKind::kUserVar
          ? "@" + source->text
          : std::string(sql_.substr(offset, Peek().offset - offset));
  stmt.exprs.push_back(std::move(source));
  return stmt;
}

StatusOr<Statement> Parser::ParseExecute() {
  Advance();
  Statement stmt;
  if (AcceptWord("IMMEDIATE")) {
    stmt.kind = StatementKind::kExecuteImmediate;
    COFFER_ASSIGN_OR_RETURN(ExprPtr text, ParseExpr());
    stmt.exprs.push_back(std::move(text));
  } else {
    stmt.kind = StatementKind::kExecute;
    COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after EXECUTE"));
  }
  if (AcceptWord("USING")) {
    do {
      COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
      stmt.exprs.push_back(std::move(e));
    } while (AcceptOp(","));
  }
  return stmt;
}

StatusOr<Statement> Parser::ParseShow() {
  Advance();
  Statement stmt;
  stmt.kind = StatementKind::kShow;
  while (!AtEnd() && !IsWord("LIKE") && !IsWord("WHERE")) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kVersionedComment) return Unexpected("in SHOW");
    if (IsWord("SELECT") || IsWord("WITH")) return Unexpected("in SHOW");
    stmt.words.push_back(t.kind == TokenKind::kWord ? t.upper : t.text);
    Advance();
  }
  if (stmt.words.empty()) return Unexpected("after SHOW");
  if (AcceptWord("LIKE")) {
    COFFER_ASSIGN_OR_RETURN(stmt.like, ParseBitOr());
  } else if (AcceptWord("WHERE")) {
    COFFER_ASSIGN_OR_RETURN(stmt.show_where, ParseExpr());
  }
  return stmt;
}

StatusOr<Statement> Parser::ParseExplain(bool analyze) {
  Advance();
  Statement stmt;
  stmt.kind = analyze ? StatementKind::kAnalyze : StatementKind::kExplain;
  if (analyze && (IsWord("TABLE") || IsWord("TABLES"))) {
    Advance();
    stmt.kind = StatementKind::kAnalyzeTable;
    do {
      COFFER_ASSIGN_OR_RETURN(std::vector<std::string> name,
                              ParseQualifiedName("(expected a table)", 2));
      stmt.table_names.push_back(std::move(name));
    } while (AcceptOp(","));
    return stmt;
  }
  if (!analyze && (IsWord("EXTENDED") || IsWord("PARTITIONS"))) Advance();
  if (AcceptWord("FORMAT")) {
    COFFER_RETURN_IF_ERROR(ExpectOp("=", "after FORMAT"));
    COFFER_ASSIGN_OR_RETURN(std::string format, ParseNameOrString("FORMAT"));
  }
  if (IsOp("(") || StartsQuery() || IsWord("INSERT") || IsWord("REPLACE") ||
      IsWord("UPDATE") || IsWord("DELETE")) {
    COFFER_ASSIGN_OR_RETURN(Statement inner, ParseStatement());
    stmt.inner = std::make_unique<Statement>(std::move(inner));
    return stmt;
  }
  if (analyze) return Unsupported("ANALYZE form");
  stmt.kind = StatementKind::kDescribeTable;
  COFFER_ASSIGN_OR_RETURN(stmt.target,
                          ParseQualifiedName("(expected a table)", 2));
  if (!AtEnd()) {
    COFFER_ASSIGN_OR_RETURN(std::string column,
                            ParseNameOrString("(expected a column)"));
    stmt.words.push_back(std::move(column));
  }
  return stmt;
}

}  // namespace coffer::sql

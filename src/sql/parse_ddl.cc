// The DDL a masked session may send: CREATE [TEMPORARY] TABLE, DROP TABLE,
// TRUNCATE, LOCK/UNLOCK TABLES. Other DDL is "unsupported".
#include <utility>

#include "sql/keywords.h"
#include "sql/parser_internal.h"

namespace coffer::sql {

StatusOr<Statement> Parser::ParseCreate() {
  Advance();  // CREATE
  Statement stmt;
  stmt.kind = StatementKind::kCreateTable;
  if (IsWord("OR") && IsWord("REPLACE", 1)) {
    pos_ += 2;
    stmt.options.push_back("OR REPLACE");
  }
  if (AcceptWord("TEMPORARY")) stmt.options.push_back("TEMPORARY");
  if (!AcceptWord("TABLE"))
    return Unsupported("statement CREATE " + Peek().upper);
  if (IsWord("IF") && IsWord("NOT", 1) && IsWord("EXISTS", 2)) {
    pos_ += 3;
    stmt.options.push_back("IF NOT EXISTS");
  }
  COFFER_ASSIGN_OR_RETURN(stmt.target,
                          ParseQualifiedName("(expected a table)", 2));
  if (AcceptWord("LIKE")) {
    COFFER_ASSIGN_OR_RETURN(stmt.like_table,
                            ParseQualifiedName("(expected a table)", 2));
    return stmt;
  }
  if (IsOp("(") && IsWord("LIKE", 1)) {
    pos_ += 2;
    COFFER_ASSIGN_OR_RETURN(stmt.like_table,
                            ParseQualifiedName("(expected a table)", 2));
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after LIKE"));
    return stmt;
  }
  if (IsOp("(") && !StartsQuery(1) && !IsOp("(", 1)) {
    Advance();
    do {
      COFFER_RETURN_IF_ERROR(ParseColumnDef(stmt));
    } while (AcceptOp(","));
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after the column definitions"));
  }
  COFFER_RETURN_IF_ERROR(ParseTableOptions(stmt));
  if (IsWord("PARTITION")) return Unsupported("PARTITION BY");
  if (IsWord("IGNORE") || IsWord("REPLACE")) {
    stmt.options.push_back(Advance().upper);
  }
  AcceptWord("AS");
  if (StartsQuery() || IsOp("(")) {
    COFFER_ASSIGN_OR_RETURN(stmt.query, ParseQuery());
  }
  if (stmt.column_defs.empty() && !stmt.query) {
    return Unexpected("(expected column definitions or a query)");
  }
  return stmt;
}

Status Parser::ParseTableOptions(Statement& stmt) {
  while (!AtEnd() && Peek().kind == TokenKind::kWord && !StartsQuery() &&
         !IsWord("AS") && !IsWord("IGNORE") && !IsWord("REPLACE") &&
         !IsWord("PARTITION")) {
    AcceptWord("DEFAULT");
    std::string name;
    if (IsWord("CHARACTER") && IsWord("SET", 1)) {
      Advance();
      name = "CHARACTER ";
    }
    if (Peek().kind != TokenKind::kWord) return Unexpected("in table options");
    name += Advance().upper;
    AcceptOp("=");
    const Token& v = Peek();
    if (v.kind == TokenKind::kWord || v.kind == TokenKind::kString ||
        v.kind == TokenKind::kInteger || v.kind == TokenKind::kQuotedIdent) {
      stmt.table_options.emplace_back(std::move(name), Advance().text);
    } else {
      return Unexpected("in table options");
    }
    AcceptOp(",");
  }
  return OkStatus();
}

Status Parser::ParseReferences(Statement& stmt) {
  COFFER_RETURN_IF_ERROR(ParseQualifiedName("(expected a table)", 2).status());
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> columns,
                          ParseIdentifierList("after REFERENCES table"));
  for (std::string& c : columns) {
    stmt.referenced_columns.push_back(std::move(c));
  }
  return OkStatus();
}

Status Parser::ParseColumnDef(Statement& stmt) {
  // Key and constraint definitions.
  if (AcceptWord("CONSTRAINT")) {
    if (IsIdentifier() && !IsWord("CHECK")) Advance();
  }
  if (AcceptWord("CHECK")) {
    COFFER_RETURN_IF_ERROR(ExpectOp("(", "after CHECK"));
    COFFER_ASSIGN_OR_RETURN(ExprPtr check, ParseExpr());
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after CHECK"));
    stmt.table_exprs.push_back(std::move(check));
    return OkStatus();
  }
  if (IsWord("PRIMARY") || IsWord("UNIQUE") || IsWord("KEY") ||
      IsWord("INDEX") || IsWord("FULLTEXT") || IsWord("SPATIAL") ||
      IsWord("FOREIGN")) {
    bool foreign = IsWord("FOREIGN");
    Advance();
    while (IsWord("KEY") || IsWord("INDEX")) Advance();
    if (!IsOp("(")) {
      if (Peek().kind != TokenKind::kWord &&
          Peek().kind != TokenKind::kQuotedIdent) {
        return Unexpected("in a key definition");
      }
      Advance();  // index name
    }
    if (AcceptWord("USING")) Advance();
    COFFER_ASSIGN_OR_RETURN(std::string parts, SkipParenGroup("key parts"));
    if (foreign) {
      COFFER_RETURN_IF_ERROR(ExpectWord("REFERENCES", "in FOREIGN KEY"));
      COFFER_RETURN_IF_ERROR(ParseReferences(stmt));
    }
    while (!IsOp(",") && !IsOp(")") && !AtEnd()) {
      const Token& t = Peek();
      if (t.kind != TokenKind::kWord && t.kind != TokenKind::kString &&
          t.kind != TokenKind::kInteger && !IsOp("=")) {
        return Unexpected("in a key definition");
      }
      Advance();
    }
    return OkStatus();
  }
  ColumnDef def;
  COFFER_ASSIGN_OR_RETURN(def.name, ParseIdentifier("(expected a column)"));
  COFFER_ASSIGN_OR_RETURN(def.type, ParseTypeName("(expected a type)"));
  while (!IsOp(",") && !IsOp(")") && !AtEnd()) {
    if (AcceptWord("NOT")) {
      COFFER_RETURN_IF_ERROR(ExpectWord("NULL", "after NOT"));
    } else if (AcceptWord("NULL") || AcceptWord("AUTO_INCREMENT") ||
               AcceptWord("INVISIBLE") || AcceptWord("VIRTUAL") ||
               AcceptWord("PERSISTENT") || AcceptWord("STORED")) {
    } else if (AcceptWord("PRIMARY") || AcceptWord("UNIQUE")) {
      AcceptWord("KEY");
    } else if (AcceptWord("KEY")) {
    } else if (AcceptWord("DEFAULT")) {
      COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseUnary());
      def.exprs.push_back(std::move(e));
    } else if (IsWord("ON") && IsWord("UPDATE", 1)) {
      pos_ += 2;
      COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseUnary());
      def.exprs.push_back(std::move(e));
    } else if (AcceptWord("COMMENT")) {
      COFFER_ASSIGN_OR_RETURN(std::string c, ParseStringLiteral("COMMENT"));
    } else if (AcceptWord("COLLATE") || AcceptWord("CHARSET")) {
      COFFER_ASSIGN_OR_RETURN(std::string c, ParseNameOrString("charset"));
    } else if (IsWord("CHARACTER") && IsWord("SET", 1)) {
      pos_ += 2;
      COFFER_ASSIGN_OR_RETURN(std::string c, ParseNameOrString("charset"));
    } else if (IsWord("GENERATED") || IsWord("AS")) {
      if (AcceptWord("GENERATED")) {
        COFFER_RETURN_IF_ERROR(ExpectWord("ALWAYS", "after GENERATED"));
      }
      COFFER_RETURN_IF_ERROR(ExpectWord("AS", "in a generated column"));
      COFFER_RETURN_IF_ERROR(ExpectOp("(", "after AS"));
      COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a generated column"));
      def.exprs.push_back(std::move(e));
    } else if (AcceptWord("CHECK")) {
      COFFER_RETURN_IF_ERROR(ExpectOp("(", "after CHECK"));
      COFFER_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after CHECK"));
      def.exprs.push_back(std::move(e));
    } else if (AcceptWord("REFERENCES")) {
      COFFER_RETURN_IF_ERROR(ParseReferences(stmt));
    } else {
      return Unexpected("in a column definition");
    }
  }
  stmt.column_defs.push_back(std::move(def));
  return OkStatus();
}

StatusOr<Statement> Parser::ParseDrop() {
  Advance();  // DROP
  Statement stmt;
  if (AcceptWord("PREPARE")) {
    stmt.kind = StatementKind::kDeallocatePrepare;
    COFFER_ASSIGN_OR_RETURN(stmt.name, ParseIdentifier("after PREPARE"));
    return stmt;
  }
  stmt.kind = StatementKind::kDropTable;
  if (AcceptWord("TEMPORARY")) stmt.options.push_back("TEMPORARY");
  if (!AcceptWord("TABLE") && !AcceptWord("TABLES")) {
    return Unsupported("statement DROP " + Peek().upper);
  }
  if (IsWord("IF") && IsWord("EXISTS", 1)) {
    pos_ += 2;
    stmt.options.push_back("IF EXISTS");
  }
  do {
    COFFER_ASSIGN_OR_RETURN(std::vector<std::string> name,
                            ParseQualifiedName("(expected a table)", 2));
    stmt.table_names.push_back(std::move(name));
  } while (AcceptOp(","));
  if (!AcceptWord("RESTRICT")) AcceptWord("CASCADE");
  return stmt;
}

StatusOr<Statement> Parser::ParseTruncate() {
  Advance();
  Statement stmt;
  stmt.kind = StatementKind::kTruncate;
  AcceptWord("TABLE");
  COFFER_ASSIGN_OR_RETURN(stmt.target,
                          ParseQualifiedName("(expected a table)", 2));
  return stmt;
}

StatusOr<Statement> Parser::ParseLockTables() {
  Statement stmt;
  bool unlock = Advance().upper == "UNLOCK";
  if (!AcceptWord("TABLES") && !AcceptWord("TABLE")) {
    return Unsupported(unlock ? "UNLOCK form" : "LOCK form");
  }
  if (unlock) {
    stmt.kind = StatementKind::kUnlockTables;
    return stmt;
  }
  stmt.kind = StatementKind::kLockTables;
  do {
    COFFER_ASSIGN_OR_RETURN(std::vector<std::string> name,
                            ParseQualifiedName("(expected a table)", 2));
    stmt.table_names.push_back(std::move(name));
    if (AcceptWord("AS")) {
      COFFER_ASSIGN_OR_RETURN(std::string alias, ParseIdentifier("alias"));
    } else if (IsIdentifier() && !IsWord("READ") && !IsWord("WRITE") &&
               !IsWord("LOW_PRIORITY")) {
      Advance();
    }
    if (AcceptWord("READ")) {
      AcceptWord("LOCAL");
    } else {
      AcceptWord("LOW_PRIORITY");
      COFFER_RETURN_IF_ERROR(ExpectWord("WRITE", "in LOCK TABLES"));
      AcceptWord("CONCURRENT");
    }
  } while (AcceptOp(","));
  return stmt;
}

}  // namespace coffer::sql

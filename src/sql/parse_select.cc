// Query expressions: WITH, SELECT, set operations, FROM with joins and
// derived tables, and the clauses that follow.
#include <utility>

#include "sql/keywords.h"
#include "sql/parser_internal.h"

namespace coffer::sql {
namespace {

bool IsNameToken(const Token& t) {
  return t.kind == TokenKind::kWord || t.kind == TokenKind::kQuotedIdent;
}

}  // namespace

StatusOr<QueryPtr> Parser::ParseQuery() {
  DepthGuard guard(*this);
  COFFER_RETURN_IF_ERROR(CheckDepth());
  auto query = std::make_unique<QueryExpr>();
  query->offset = Peek().offset;
  if (AcceptWord("WITH")) {
    query->recursive = AcceptWord("RECURSIVE");
    do {
      CommonTableExpr cte;
      COFFER_ASSIGN_OR_RETURN(cte.name, ParseIdentifier("(expected a name)"));
      if (IsOp("(")) {
        COFFER_ASSIGN_OR_RETURN(cte.columns,
                                ParseIdentifierList("in a CTE column list"));
      }
      COFFER_RETURN_IF_ERROR(ExpectWord("AS", "in WITH"));
      COFFER_RETURN_IF_ERROR(ExpectOp("(", "in WITH"));
      COFFER_ASSIGN_OR_RETURN(cte.query, ParseQuery());
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a CTE"));
      query->with.push_back(std::move(cte));
    } while (AcceptOp(","));
  }
  COFFER_ASSIGN_OR_RETURN(QueryTerm first, ParseQueryTerm());
  query->terms.push_back(std::move(first));
  COFFER_RETURN_IF_ERROR(ParseQueryTail(*query));
  return query;
}

StatusOr<QueryPtr> Parser::ParseQueryAfterFirstTerm(QueryPtr first) {
  auto query = std::make_unique<QueryExpr>();
  query->offset = first->offset;
  QueryTerm term;
  term.parenthesized = std::move(first);
  query->terms.push_back(std::move(term));
  COFFER_RETURN_IF_ERROR(ParseQueryTail(*query));
  return query;
}

Status Parser::ParseQueryTail(QueryExpr& query) {
  while (IsWord("UNION") || IsWord("EXCEPT") || IsWord("INTERSECT")) {
    std::string op = Advance().upper;
    if (IsWord("ALL") || IsWord("DISTINCT")) op += " " + Advance().upper;
    COFFER_ASSIGN_OR_RETURN(QueryTerm term, ParseQueryTerm());
    query.set_ops.push_back(std::move(op));
    query.terms.push_back(std::move(term));
  }
  if (AcceptWord("ORDER")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after ORDER"));
    COFFER_ASSIGN_OR_RETURN(query.order_by, ParseOrderList());
  }
  if (IsWord("LIMIT")) COFFER_RETURN_IF_ERROR(ParseLimit(query.limit));
  if (IsWord("OFFSET") || IsWord("FETCH")) {
    return Unsupported("OFFSET/FETCH clause");
  }
  if (IsWord("PROCEDURE")) return Unsupported("PROCEDURE clause");
  if (IsWord("INTO")) COFFER_RETURN_IF_ERROR(ParseInto(query.into));
  COFFER_RETURN_IF_ERROR(ParseLocking(query.locking));
  if (IsWord("INTO") && query.into.kind == IntoClause::Kind::kNone) {
    COFFER_RETURN_IF_ERROR(ParseInto(query.into));
  }
  if (IsWord("PROCEDURE")) return Unsupported("PROCEDURE clause");
  return OkStatus();
}

StatusOr<QueryTerm> Parser::ParseQueryTerm() {
  DepthGuard guard(*this);
  COFFER_RETURN_IF_ERROR(CheckDepth());
  QueryTerm term;
  if (IsOp("(")) {
    Advance();
    if (!StartsQuery() && !IsOp("(")) {
      if (IsWord("VALUES")) return Unsupported("table value constructor");
      return Unexpected("(expected SELECT)");
    }
    COFFER_ASSIGN_OR_RETURN(term.parenthesized, ParseQuery());
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a parenthesised query"));
    return term;
  }
  if (IsWord("SELECT")) {
    COFFER_ASSIGN_OR_RETURN(term.select, ParseSelectCore());
    return term;
  }
  if (IsWord("VALUES")) return Unsupported("table value constructor");
  return Unexpected("(expected SELECT)");
}

StatusOr<std::unique_ptr<SelectCore>> Parser::ParseSelectCore() {
  auto core = std::make_unique<SelectCore>();
  core->offset = Advance().offset;  // SELECT
  static constexpr std::string_view kOptions[] = {"ALL",
                                                  "DISTINCT",
                                                  "DISTINCTROW",
                                                  "HIGH_PRIORITY",
                                                  "STRAIGHT_JOIN",
                                                  "SQL_SMALL_RESULT",
                                                  "SQL_BIG_RESULT",
                                                  "SQL_BUFFER_RESULT",
                                                  "SQL_CACHE",
                                                  "SQL_NO_CACHE",
                                                  "SQL_CALC_FOUND_ROWS"};
  bool more = true;
  while (more) {
    more = false;
    for (std::string_view option : kOptions) {
      if (IsWord(option)) {
        core->options.push_back(Advance().upper);
        if (option == "DISTINCT" || option == "DISTINCTROW") {
          core->distinct = true;
        }
        more = true;
        break;
      }
    }
  }
  do {
    COFFER_ASSIGN_OR_RETURN(SelectItem item, ParseSelectItem());
    core->items.push_back(std::move(item));
  } while (AcceptOp(","));
  if (IsWord("INTO")) COFFER_RETURN_IF_ERROR(ParseInto(core->into));
  if (AcceptWord("FROM")) {
    if (!AcceptWord("DUAL")) {
      COFFER_ASSIGN_OR_RETURN(core->from, ParseTableList());
    }
  }
  if (AcceptWord("WHERE")) {
    COFFER_ASSIGN_OR_RETURN(core->where, ParseExpr());
  }
  if (AcceptWord("GROUP")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("BY", "after GROUP"));
    COFFER_ASSIGN_OR_RETURN(core->group_by, ParseOrderList());
    if (IsWord("WITH") && IsWord("ROLLUP", 1)) {
      pos_ += 2;
      core->with_rollup = true;
    }
  }
  if (AcceptWord("HAVING")) {
    COFFER_ASSIGN_OR_RETURN(core->having, ParseExpr());
  }
  if (AcceptWord("WINDOW")) {
    do {
      NamedWindow window;
      COFFER_ASSIGN_OR_RETURN(window.name, ParseIdentifier("after WINDOW"));
      COFFER_RETURN_IF_ERROR(ExpectWord("AS", "in WINDOW"));
      COFFER_RETURN_IF_ERROR(ParseWindowSpec(window.spec));
      core->windows.push_back(std::move(window));
    } while (AcceptOp(","));
  }
  return core;
}

StatusOr<SelectItem> Parser::ParseSelectItem() {
  SelectItem item;
  item.offset = Peek().offset;
  if (AcceptOp("*")) {
    item.star = true;
    return item;
  }
  if (IsNameToken(Peek()) && IsOp(".", 1)) {
    if (IsOp("*", 2)) {
      item.star = true;
      item.star_qualifier.push_back(Advance().text);
      pos_ += 2;
      return item;
    }
    if (IsNameToken(Peek(2)) && IsOp(".", 3) && IsOp("*", 4)) {
      item.star = true;
      item.star_qualifier.push_back(Advance().text);
      Advance();
      item.star_qualifier.push_back(Advance().text);
      pos_ += 2;
      return item;
    }
  }
  COFFER_ASSIGN_OR_RETURN(item.expr, ParseExpr());
  COFFER_ASSIGN_OR_RETURN(item.alias, ParseOptionalAlias(&item.has_alias));
  return item;
}

StatusOr<std::string> Parser::ParseOptionalAlias(bool* has_alias) {
  *has_alias = false;
  const Token& t = Peek();
  if (AcceptWord("AS")) {
    *has_alias = true;
    const Token& a = Peek();
    if (a.kind == TokenKind::kString) return ParseStringLiteral("alias");
    return ParseIdentifier("(expected an alias) after AS");
  }
  if (t.kind == TokenKind::kQuotedIdent) {
    *has_alias = true;
    return Advance().text;
  }
  if (t.kind == TokenKind::kString) {
    *has_alias = true;
    return ParseStringLiteral("alias");
  }
  if (t.kind == TokenKind::kWord && !IsNotBareAlias(t.upper)) {
    *has_alias = true;
    return Advance().text;
  }
  return std::string();
}

Status Parser::ParseInto(IntoClause& into) {
  if (into.kind != IntoClause::Kind::kNone) return Unexpected("(second INTO)");
  into.offset = Advance().offset;  // INTO
  if (AcceptWord("OUTFILE") || AcceptWord("DUMPFILE")) {
    into.kind = tokens_[pos_ - 1].upper == "OUTFILE"
                    ? IntoClause::Kind::kOutfile
                    : IntoClause::Kind::kDumpfile;
    COFFER_ASSIGN_OR_RETURN(into.file, ParseStringLiteral("(expected a file)"));
    while (IsWord("FIELDS") || IsWord("COLUMNS") || IsWord("LINES") ||
           IsWord("TERMINATED") || IsWord("OPTIONALLY") || IsWord("ENCLOSED") ||
           IsWord("ESCAPED") || IsWord("STARTING") || IsWord("BY") ||
           IsWord("CHARACTER") || IsWord("SET") || IsWord("CHARSET") ||
           Peek().kind == TokenKind::kString) {
      bool charset = IsWord("SET") || IsWord("CHARSET");
      Advance();
      if (charset) {
        COFFER_ASSIGN_OR_RETURN(std::string cs, ParseNameOrString("charset"));
      }
    }
    return OkStatus();
  }
  into.kind = IntoClause::Kind::kVariables;
  do {
    if (Peek().kind == TokenKind::kUserVar) {
      into.variables.push_back("@" + Advance().text);
    } else {
      COFFER_ASSIGN_OR_RETURN(std::string name,
                              ParseIdentifier("(expected a variable)"));
      into.variables.push_back(std::move(name));
    }
  } while (AcceptOp(","));
  return OkStatus();
}

Status Parser::ParseLimit(Limit& limit) {
  Advance();  // LIMIT
  limit.present = true;
  if (!(IsWord("ROWS") && IsWord("EXAMINED", 1))) {
    COFFER_ASSIGN_OR_RETURN(ExprPtr first, ParseLimitValue());
    if (AcceptOp(",")) {
      limit.offset = std::move(first);
      COFFER_ASSIGN_OR_RETURN(limit.count, ParseLimitValue());
    } else if (AcceptWord("OFFSET")) {
      limit.count = std::move(first);
      COFFER_ASSIGN_OR_RETURN(limit.offset, ParseLimitValue());
    } else {
      limit.count = std::move(first);
    }
  }
  if (IsWord("ROWS") && IsWord("EXAMINED", 1)) {
    pos_ += 2;
    COFFER_ASSIGN_OR_RETURN(limit.rows_examined, ParseLimitValue());
  }
  return OkStatus();
}

Status Parser::ParseLocking(std::string& locking) {
  if (IsWord("FOR") && IsWord("UPDATE", 1)) {
    pos_ += 2;
    locking = "FOR UPDATE";
  } else if (IsWord("LOCK") && IsWord("IN", 1)) {
    pos_ += 2;
    COFFER_RETURN_IF_ERROR(ExpectWord("SHARE", "in LOCK IN SHARE MODE"));
    COFFER_RETURN_IF_ERROR(ExpectWord("MODE", "in LOCK IN SHARE MODE"));
    locking = "LOCK IN SHARE MODE";
  } else {
    return OkStatus();
  }
  if (AcceptWord("WAIT")) {
    if (Peek().kind != TokenKind::kInteger) return Unexpected("after WAIT");
    Advance();
  } else if (!AcceptWord("NOWAIT") && AcceptWord("SKIP")) {
    COFFER_RETURN_IF_ERROR(ExpectWord("LOCKED", "after SKIP"));
  }
  return OkStatus();
}

StatusOr<std::vector<TableRef>> Parser::ParseTableList() {
  std::vector<TableRef> refs;
  do {
    COFFER_ASSIGN_OR_RETURN(TableRef ref, ParseTableReference());
    refs.push_back(std::move(ref));
  } while (AcceptOp(","));
  return refs;
}

StatusOr<TableRef> Parser::ParseTableReference() {
  DepthGuard guard(*this);
  COFFER_RETURN_IF_ERROR(CheckDepth());
  COFFER_ASSIGN_OR_RETURN(TableRef left, ParseTableFactor());
  while (true) {
    TableRef join;
    join.kind = TableRef::Kind::kJoin;
    join.offset = Peek().offset;
    bool needs_condition = false;
    if (AcceptWord("NATURAL")) {
      join.natural = true;
      join.join_type = "NATURAL JOIN";
      if (IsWord("LEFT") || IsWord("RIGHT")) {
        join.join_type = "NATURAL " + Advance().upper + " JOIN";
        AcceptWord("OUTER");
      } else {
        AcceptWord("INNER");
      }
      COFFER_RETURN_IF_ERROR(ExpectWord("JOIN", "after NATURAL"));
    } else if (IsWord("JOIN") || IsWord("INNER") || IsWord("CROSS")) {
      join.join_type = IsWord("CROSS") ? "CROSS JOIN" : "JOIN";
      if (!IsWord("JOIN")) Advance();
      COFFER_RETURN_IF_ERROR(ExpectWord("JOIN", "in a join"));
    } else if (AcceptWord("STRAIGHT_JOIN")) {
      join.join_type = "STRAIGHT_JOIN";
    } else if (IsWord("LEFT") || IsWord("RIGHT")) {
      join.join_type = Advance().upper + " JOIN";
      AcceptWord("OUTER");
      COFFER_RETURN_IF_ERROR(ExpectWord("JOIN", "in an outer join"));
      needs_condition = true;
    } else {
      return left;
    }
    COFFER_ASSIGN_OR_RETURN(TableRef right, ParseTableFactor());
    if (!join.natural) {
      if (AcceptWord("ON")) {
        COFFER_ASSIGN_OR_RETURN(join.on, ParseExpr());
      } else if (AcceptWord("USING")) {
        COFFER_ASSIGN_OR_RETURN(join.using_columns,
                                ParseIdentifierList("in USING"));
      } else if (needs_condition) {
        return Unexpected("(expected ON or USING)");
      }
    }
    join.left = std::make_unique<TableRef>(std::move(left));
    join.right = std::make_unique<TableRef>(std::move(right));
    left = std::move(join);
  }
}

StatusOr<TableRef> Parser::ParseTableFactor() {
  DepthGuard guard(*this);
  COFFER_RETURN_IF_ERROR(CheckDepth());
  TableRef ref;
  ref.offset = Peek().offset;
  if (IsOp("(")) {
    size_t k = 0;
    while (IsOp("(", k)) ++k;
    if (IsWord("VALUES", k)) return Unsupported("table value constructor");
    if (StartsQuery(k)) {
      ref.kind = TableRef::Kind::kDerived;
      Advance();
      COFFER_ASSIGN_OR_RETURN(ref.query, ParseQuery());
      COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a derived table"));
      bool has_alias = false;
      if (AcceptWord("AS")) {
        COFFER_ASSIGN_OR_RETURN(ref.alias, ParseIdentifier("after AS"));
      } else if (IsIdentifier() && !IsNotBareAlias(Peek().upper)) {
        ref.alias = Advance().text;
      }
      (void)has_alias;
      if (IsOp("(")) {
        COFFER_ASSIGN_OR_RETURN(ref.column_aliases,
                                ParseIdentifierList("in derived columns"));
      }
      return ref;
    }
    Advance();
    ref.kind = TableRef::Kind::kGroup;
    COFFER_ASSIGN_OR_RETURN(ref.group, ParseTableList());
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "after a table group"));
    return ref;
  }
  if (IsOp("{")) return Unsupported("ODBC join syntax");
  if (IsWord("JSON_TABLE") && IsOp("(", 1)) return Unsupported("JSON_TABLE");
  COFFER_ASSIGN_OR_RETURN(ref.name,
                          ParseQualifiedName("(expected a table name)", 2));
  if (IsOp("(")) return Unsupported("table function");
  if (AcceptWord("PARTITION")) {
    COFFER_ASSIGN_OR_RETURN(ref.partitions,
                            ParseIdentifierList("in PARTITION"));
  }
  if (IsWord("FOR") && IsWord("SYSTEM_TIME", 1)) {
    return Unsupported("FOR SYSTEM_TIME");
  }
  if (AcceptWord("AS")) {
    COFFER_ASSIGN_OR_RETURN(ref.alias, ParseIdentifier("after AS"));
  } else if (Peek().kind == TokenKind::kQuotedIdent ||
             (Peek().kind == TokenKind::kWord &&
              !IsNotBareAlias(Peek().upper))) {
    ref.alias = Advance().text;
  }
  COFFER_RETURN_IF_ERROR(ParseIndexHints(ref));
  return ref;
}

Status Parser::ParseIndexHints(TableRef& ref) {
  while ((IsWord("USE") || IsWord("FORCE") || IsWord("IGNORE")) &&
         (IsWord("INDEX", 1) || IsWord("KEY", 1))) {
    std::string hint = Advance().upper + " " + Advance().upper;
    if (AcceptWord("FOR")) {
      if (AcceptWord("JOIN")) {
        hint += " FOR JOIN";
      } else if (IsWord("ORDER") || IsWord("GROUP")) {
        hint += " FOR " + Advance().upper;
        COFFER_RETURN_IF_ERROR(ExpectWord("BY", "in an index hint"));
      } else {
        return Unexpected("in an index hint");
      }
    }
    COFFER_RETURN_IF_ERROR(ExpectOp("(", "in an index hint"));
    if (!IsOp(")")) {
      do {
        COFFER_ASSIGN_OR_RETURN(std::string name,
                                ParseNameOrString("in an index hint"));
        hint += " " + name;
      } while (AcceptOp(","));
    }
    COFFER_RETURN_IF_ERROR(ExpectOp(")", "in an index hint"));
    ref.index_hints.push_back(std::move(hint));
  }
  return OkStatus();
}

StatusOr<std::vector<SelectItem>> Parser::ParseReturning() {
  std::vector<SelectItem> items;
  do {
    COFFER_ASSIGN_OR_RETURN(SelectItem item, ParseSelectItem());
    items.push_back(std::move(item));
  } while (AcceptOp(","));
  return items;
}

}  // namespace coffer::sql

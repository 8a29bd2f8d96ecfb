// The parser's class, shared by parse_*.cc; not part of the public API.
//
// One Parser reads one token vector. Every routine returns StatusOr and
// leaves `pos_` after what it consumed; on error the whole parse fails, so no
// routine needs to restore the position except the explicit lookaheads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/ast.h"
#include "sql/lexer.h"

namespace coffer::sql {

class Parser {
 public:
  Parser(std::string_view sql, std::vector<Token> tokens)
      : sql_(sql), tokens_(std::move(tokens)) {}

  StatusOr<std::vector<Statement>> ParseAll();

 private:
  // Counts nesting; Enter fails past kMaxDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) { ++p_.depth_; }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& p_;
  };
  Status CheckDepth() const;

  // ---- tokens (parser.cc)
  const Token& Peek(size_t k = 0) const;
  const Token& Advance();
  bool AtEnd() const;  // end of input or ';'
  bool IsWord(std::string_view upper, size_t k = 0) const;
  bool IsOp(std::string_view op, size_t k = 0) const;
  bool AcceptWord(std::string_view upper);
  bool AcceptOp(std::string_view op);
  Status ExpectWord(std::string_view upper, std::string_view context);
  Status ExpectOp(std::string_view op, std::string_view context);
  Status Unexpected(std::string_view context) const;
  Status ErrorAt(size_t offset, std::string_view what) const;
  Status Unsupported(std::string_view what) const;
  // An identifier: a non-reserved word or a quoted identifier.
  bool IsIdentifier(size_t k = 0) const;
  StatusOr<std::string> ParseIdentifier(std::string_view context);
  // ident[.ident[.ident]], at most `max_parts` parts.
  StatusOr<std::vector<std::string>> ParseQualifiedName(
      std::string_view context, size_t max_parts);
  StatusOr<std::vector<std::string>> ParseIdentifierList(
      std::string_view context);  // ( a, b, ... )
  // A string literal with adjacent strings concatenated.
  StatusOr<std::string> ParseStringLiteral(std::string_view context);
  // A name that may be a word, a quoted identifier or a string (charsets,
  // collations).
  StatusOr<std::string> ParseNameOrString(std::string_view context);
  // Skips a balanced parenthesised group, returning its text.
  StatusOr<std::string> SkipParenGroup(std::string_view context);

  // ---- expressions (parse_expression.cc)
  StatusOr<ExprPtr> ParseExpr();
  StatusOr<ExprPtr> ParseOr();
  StatusOr<ExprPtr> ParseXor();
  StatusOr<ExprPtr> ParseAnd();
  StatusOr<ExprPtr> ParseNot();
  StatusOr<ExprPtr> ParseIsTest();
  StatusOr<ExprPtr> ParseComparison();
  StatusOr<ExprPtr> ParsePredicate();
  StatusOr<ExprPtr> ParseBitOr();
  StatusOr<ExprPtr> ParseBitAnd();
  StatusOr<ExprPtr> ParseShift();
  StatusOr<ExprPtr> ParseAdditive();
  StatusOr<ExprPtr> ParseMultiplicative();
  StatusOr<ExprPtr> ParseBitXor();
  StatusOr<ExprPtr> ParseUnary();
  StatusOr<ExprPtr> ParsePrimary();
  StatusOr<ExprPtr> ParseParenthesized();
  StatusOr<ExprPtr> ParseWordExpr();
  StatusOr<ExprPtr> ParseFunctionCall(std::vector<std::string> names,
                                      size_t offset);
  Status ParseFunctionArgs(Expr& call);
  Status ParseOver(Expr& call);
  StatusOr<ExprPtr> ParseCase();
  StatusOr<ExprPtr> ParseCast(bool convert);
  StatusOr<ExprPtr> ParseInterval();
  StatusOr<ExprPtr> ParseMatch();
  StatusOr<std::string> ParseTypeName(std::string_view context);
  StatusOr<std::vector<ExprPtr>> ParseExprList(std::string_view context);
  StatusOr<std::vector<OrderItem>> ParseOrderList();
  Status ParseWindowSpec(WindowSpec& spec);
  StatusOr<ExprPtr> ParseLimitValue();

  // ---- queries (parse_select.cc)
  bool StartsQuery(size_t k = 0) const;  // SELECT / WITH / ( ... SELECT
  StatusOr<QueryPtr> ParseQuery();
  // Continues a query whose first term, a parenthesised query, was already
  // read (from an expression context).
  StatusOr<QueryPtr> ParseQueryAfterFirstTerm(QueryPtr first);
  Status ParseQueryTail(QueryExpr& query);
  StatusOr<QueryTerm> ParseQueryTerm();
  StatusOr<std::unique_ptr<SelectCore>> ParseSelectCore();
  StatusOr<SelectItem> ParseSelectItem();
  StatusOr<std::string> ParseOptionalAlias(bool* has_alias);
  Status ParseInto(IntoClause& into);
  Status ParseLimit(Limit& limit);
  StatusOr<std::vector<TableRef>> ParseTableList();
  StatusOr<TableRef> ParseTableReference();
  StatusOr<TableRef> ParseTableFactor();
  Status ParseIndexHints(TableRef& ref);
  Status ParseLocking(std::string& locking);
  StatusOr<std::vector<SelectItem>> ParseReturning();

  // ---- statements (parse_statement.cc, parse_ddl.cc)
  StatusOr<Statement> ParseStatement();
  StatusOr<Statement> ParseInsert(bool replace);
  StatusOr<Statement> ParseUpdate();
  StatusOr<Statement> ParseDelete();
  StatusOr<Statement> ParseSet();
  Status ParseVariableAssignments(Statement& stmt, bool for_statement);
  StatusOr<Statement> ParseTransaction();
  StatusOr<Statement> ParseCommitOrRollback();
  StatusOr<Statement> ParsePrepare();
  StatusOr<Statement> ParseExecute();
  StatusOr<Statement> ParseShow();
  StatusOr<Statement> ParseExplain(bool analyze);
  StatusOr<Statement> ParseCreate();
  Status ParseColumnDef(Statement& stmt);
  Status ParseTableOptions(Statement& stmt);
  // After REFERENCES: the table and its column list, the columns kept in
  // stmt.referenced_columns.
  Status ParseReferences(Statement& stmt);
  StatusOr<Statement> ParseDrop();
  StatusOr<Statement> ParseTruncate();
  StatusOr<Statement> ParseLockTables();
  Status ParseAssignments(std::vector<Assignment>& out);

  std::string_view sql_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace coffer::sql

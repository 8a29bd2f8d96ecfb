// A pre-order walk over the syntax tree (ast.h), for checks that look at
// every node: the masking guard, and the router's read/write decision.
#pragma once

#include "sql/ast.h"

namespace coffer::sql {

// Override the callbacks of interest; return true from one to stop the walk
// (Walk then returns true).
class AstVisitor {
 public:
  virtual ~AstVisitor() = default;
  virtual bool OnExpr(const Expr&) { return false; }
  virtual bool OnSelectItem(const SelectItem&) { return false; }
  virtual bool OnTable(const TableRef&) { return false; }
  virtual bool OnQuery(const QueryExpr&) { return false; }
  virtual bool OnSelect(const SelectCore&) { return false; }
  virtual bool OnInto(const IntoClause&) { return false; }
  virtual bool OnStatement(const Statement&) { return false; }
};

// Visits the node and everything below it, nested statements (EXPLAIN's,
// SET STATEMENT's) and queries included. Returns true if a callback stopped
// the walk.
bool Walk(const Statement& stmt, AstVisitor& v);
bool Walk(const QueryExpr& query, AstVisitor& v);
bool Walk(const Expr& expr, AstVisitor& v);
bool Walk(const TableRef& table, AstVisitor& v);
bool Walk(const SelectCore& select, AstVisitor& v);

}  // namespace coffer::sql

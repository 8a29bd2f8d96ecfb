#include "sql/ast_walk.h"

namespace coffer::sql {
namespace {

bool WalkOrder(const std::vector<OrderItem>& items, AstVisitor& v) {
  for (const OrderItem& item : items) {
    if (item.expr && Walk(*item.expr, v)) return true;
  }
  return false;
}

bool WalkExprs(const std::vector<ExprPtr>& exprs, AstVisitor& v) {
  for (const ExprPtr& e : exprs) {
    if (e && Walk(*e, v)) return true;
  }
  return false;
}

bool WalkWindow(const WindowSpec& spec, AstVisitor& v) {
  return WalkExprs(spec.partition_by, v) || WalkOrder(spec.order_by, v) ||
         WalkExprs(spec.frame_bounds, v);
}

bool WalkItems(const std::vector<SelectItem>& items, AstVisitor& v) {
  for (const SelectItem& item : items) {
    if (v.OnSelectItem(item)) return true;
    if (item.expr && Walk(*item.expr, v)) return true;
  }
  return false;
}

bool WalkLimit(const Limit& limit, AstVisitor& v) {
  return (limit.count && Walk(*limit.count, v)) ||
         (limit.offset && Walk(*limit.offset, v)) ||
         (limit.rows_examined && Walk(*limit.rows_examined, v));
}

}  // namespace

bool Walk(const SelectCore& core, AstVisitor& v) {
  if (v.OnSelect(core)) return true;
  if (WalkItems(core.items, v)) return true;
  if (core.into.kind != IntoClause::Kind::kNone && v.OnInto(core.into)) {
    return true;
  }
  for (const TableRef& t : core.from) {
    if (Walk(t, v)) return true;
  }
  if (core.where && Walk(*core.where, v)) return true;
  if (WalkOrder(core.group_by, v)) return true;
  if (core.having && Walk(*core.having, v)) return true;
  for (const NamedWindow& w : core.windows) {
    if (WalkWindow(w.spec, v)) return true;
  }
  return false;
}

bool Walk(const Expr& expr, AstVisitor& v) {
  if (v.OnExpr(expr)) return true;
  if (WalkExprs(expr.args, v)) return true;
  if (expr.query && Walk(*expr.query, v)) return true;
  if (expr.window && WalkWindow(*expr.window, v)) return true;
  if (WalkOrder(expr.order_by, v)) return true;
  if (expr.against && Walk(*expr.against, v)) return true;
  return false;
}

bool Walk(const TableRef& table, AstVisitor& v) {
  if (v.OnTable(table)) return true;
  if (table.query && Walk(*table.query, v)) return true;
  if (table.left && Walk(*table.left, v)) return true;
  if (table.right && Walk(*table.right, v)) return true;
  if (table.on && Walk(*table.on, v)) return true;
  for (const TableRef& t : table.group) {
    if (Walk(t, v)) return true;
  }
  return false;
}

bool Walk(const QueryExpr& query, AstVisitor& v) {
  if (v.OnQuery(query)) return true;
  for (const CommonTableExpr& cte : query.with) {
    if (cte.query && Walk(*cte.query, v)) return true;
  }
  for (const QueryTerm& term : query.terms) {
    if (term.select && Walk(*term.select, v)) return true;
    if (term.parenthesized && Walk(*term.parenthesized, v)) return true;
  }
  if (WalkOrder(query.order_by, v)) return true;
  if (WalkLimit(query.limit, v)) return true;
  if (query.into.kind != IntoClause::Kind::kNone && v.OnInto(query.into)) {
    return true;
  }
  return false;
}

bool Walk(const Statement& stmt, AstVisitor& v) {
  if (v.OnStatement(stmt)) return true;
  if (stmt.query && Walk(*stmt.query, v)) return true;
  if (stmt.inner && Walk(*stmt.inner, v)) return true;
  for (const auto& row : stmt.rows) {
    if (WalkExprs(row, v)) return true;
  }
  for (const auto* list : {&stmt.assignments, &stmt.on_duplicate}) {
    for (const Assignment& a : *list) {
      if (a.value && Walk(*a.value, v)) return true;
    }
  }
  if (WalkItems(stmt.returning, v)) return true;
  for (const TableRef& t : stmt.tables) {
    if (Walk(t, v)) return true;
  }
  if (stmt.where && Walk(*stmt.where, v)) return true;
  if (WalkOrder(stmt.order_by, v)) return true;
  if (WalkLimit(stmt.limit, v)) return true;
  for (const VariableAssignment& va : stmt.variables) {
    if (va.value && Walk(*va.value, v)) return true;
  }
  if (WalkExprs(stmt.exprs, v)) return true;
  if (stmt.like && Walk(*stmt.like, v)) return true;
  if (stmt.show_where && Walk(*stmt.show_where, v)) return true;
  for (const ColumnDef& def : stmt.column_defs) {
    if (WalkExprs(def.exprs, v)) return true;
  }
  if (WalkExprs(stmt.table_exprs, v)) return true;
  return false;
}

}  // namespace coffer::sql

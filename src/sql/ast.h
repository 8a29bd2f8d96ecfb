// The syntax tree that parser.h produces for MariaDB statements.
//
// The tree keeps what the masking guard and the router need: every
// expression with its operator or function name, every column reference
// with its qualifiers, every nested query, and the clause each one sits in.
// It is not meant to print SQL back. Nodes own their children through
// unique_ptr; a Statement is a movable value.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace coffer::sql {

struct Expr;
struct QueryExpr;
struct Statement;
using ExprPtr = std::unique_ptr<Expr>;
using QueryPtr = std::unique_ptr<QueryExpr>;

enum class ExprKind {
  kLiteral,      // `text` holds the value; see LiteralKind
  kColumn,       // `names`: [db.][table.]column
  kUserVar,      // @name; `text` is the name
  kSysVar,       // @@[scope.]name; `text` is what follows @@
  kPlaceholder,  // ?
  kDefault,      // DEFAULT (in VALUES and SET)
  kStar,         // the `*` of COUNT(*)
  // An operator: `text` is its spelling in upper case ("+", "NOT", "LIKE",
  // "IS NULL", "BETWEEN", "IN", "COLLATE", "BINARY", ":=", "= ANY", ...);
  // `args` are its operands in order.
  kOperator,
  // A function call: `names` is the (possibly qualified) name as written,
  // `text` the upper-case last name; `args`, `distinct`, `order_by` (for
  // GROUP_CONCAT and friends), and `window` (OVER).
  kFunction,
  kCase,      // args: [operand] (WHEN, THEN)... [ELSE]; see `has_operand`
  kCast,      // CAST/CONVERT: args[0]; `text` the target type or charset
  kInterval,  // INTERVAL args[0] unit; `text` is the unit
  kRow,       // (a, b) or ROW(a, b)
  kSubquery,  // (SELECT ...); `query`
  kExists,    // EXISTS (SELECT ...); `query`
  kMatch,     // MATCH (args...) AGAINST (`against`)
};

enum class LiteralKind {
  kNone,
  kString,
  kNumber,
  kHex,
  kBits,
  kNull,
  kBool,
  kTemporal,  // DATE '...', TIME '...', TIMESTAMP '...'
};

struct OrderItem {
  ExprPtr expr;
  bool descending = false;
};

struct WindowSpec {
  std::string base_name;  // OVER w, or the w of OVER (w ORDER BY ...)
  std::vector<ExprPtr> partition_by;
  std::vector<OrderItem> order_by;
  std::vector<ExprPtr> frame_bounds;  // expressions of N PRECEDING etc.
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  LiteralKind literal = LiteralKind::kNone;
  std::string text;
  std::vector<std::string> names;
  std::vector<ExprPtr> args;
  QueryPtr query;
  std::unique_ptr<WindowSpec> window;
  std::vector<OrderItem> order_by;
  ExprPtr against;  // MATCH ... AGAINST (expr)
  bool distinct = false;
  bool has_operand = false;  // CASE x WHEN ...
  bool has_else = false;
  int parens = 0;  // how many parentheses were written around it
  size_t offset = 0;
};

struct SelectItem {
  ExprPtr expr;  // nullptr for a star item
  bool star = false;
  std::vector<std::string> star_qualifier;  // t.* / db.t.*
  std::string alias;
  bool has_alias = false;
  size_t offset = 0;
};

struct TableRef {
  enum class Kind { kTable, kDerived, kJoin, kGroup };
  Kind kind = Kind::kTable;
  // kTable
  std::vector<std::string> name;  // [db.]table
  std::vector<std::string> partitions;
  std::vector<std::string> index_hints;  // "USE INDEX (a,b)" as written
  // kDerived
  QueryPtr query;
  std::vector<std::string> column_aliases;
  // kTable, kDerived
  std::string alias;
  // kJoin: left JOIN right
  std::unique_ptr<TableRef> left;
  std::unique_ptr<TableRef> right;
  std::string join_type;  // "JOIN", "LEFT JOIN", "STRAIGHT_JOIN", ...
  bool natural = false;
  ExprPtr on;
  std::vector<std::string> using_columns;
  // kGroup: ( a, b JOIN c )
  std::vector<TableRef> group;
  size_t offset = 0;
};

struct NamedWindow {
  std::string name;
  WindowSpec spec;
};

struct IntoClause {
  enum class Kind { kNone, kVariables, kOutfile, kDumpfile };
  Kind kind = Kind::kNone;
  std::vector<std::string> variables;
  std::string file;
  size_t offset = 0;
};

struct Limit {
  bool present = false;
  ExprPtr count;
  ExprPtr offset;
  ExprPtr rows_examined;
};

// One SELECT ... [FROM ...] without set operations.
struct SelectCore {
  std::vector<std::string> options;  // DISTINCT, SQL_CALC_FOUND_ROWS, ...
  bool distinct = false;             // DISTINCT or DISTINCTROW
  std::vector<SelectItem> items;
  std::vector<TableRef> from;
  ExprPtr where;
  std::vector<OrderItem> group_by;
  bool with_rollup = false;
  ExprPtr having;
  std::vector<NamedWindow> windows;
  IntoClause into;
  size_t offset = 0;
};

// A term of a query expression: a SELECT or a parenthesised query.
struct QueryTerm {
  std::unique_ptr<SelectCore> select;  // set for a plain SELECT
  QueryPtr parenthesized;              // set for ( query )
};

struct CommonTableExpr {
  std::string name;
  std::vector<std::string> columns;
  QueryPtr query;
};

// [WITH ...] term { UNION|EXCEPT|INTERSECT [ALL|DISTINCT] term }
//   [ORDER BY ...] [LIMIT ...] [locking] [INTO ...]
struct QueryExpr {
  bool recursive = false;
  std::vector<CommonTableExpr> with;
  std::vector<QueryTerm> terms;
  std::vector<std::string> set_ops;  // terms.size() - 1 of them
  std::vector<OrderItem> order_by;
  Limit limit;
  std::string locking;  // "FOR UPDATE", "LOCK IN SHARE MODE", or empty
  IntoClause into;      // INTO after the whole query
  size_t offset = 0;
};

struct Assignment {
  std::vector<std::string> target;  // column or [table.]column
  ExprPtr value;
};

// One item of SET: a user variable, a system variable, or a plain name.
struct VariableAssignment {
  enum class Kind { kUser, kSystem };
  Kind kind = Kind::kSystem;
  std::string scope;  // "SESSION", "GLOBAL", "LOCAL" or empty
  std::string name;   // lower case for system variables; "a.b" kept
  ExprPtr value;
};

struct ColumnDef {
  std::string name;
  std::string type;
  std::vector<ExprPtr> exprs;  // DEFAULT, CHECK, AS (...), ON UPDATE
};

enum class StatementKind {
  kSelect,
  kInsert,
  kReplace,
  kUpdate,
  kDelete,
  kSet,             // SET [scope] var = expr, ...
  kSetNames,        // SET NAMES cs [COLLATE c]; `charset`, `collation`
  kSetCharset,      // SET CHARACTER SET cs / SET CHARSET cs
  kSetTransaction,  // SET [scope] TRANSACTION ...; `options` the scope
  kSetStatement,    // SET STATEMENT vars FOR `inner`
  kUse,
  kBegin,  // BEGIN [WORK], START TRANSACTION ...
  kCommit,
  kRollback,
  kSavepoint,
  kRollbackToSavepoint,
  kReleaseSavepoint,
  kPrepare,  // `name`, and `text_source` or `variable_source`
  kExecute,  // `name`, `exprs` (USING)
  kDeallocatePrepare,
  kExecuteImmediate,  // `exprs`[0] the text, then USING
  kDo,                // `exprs`
  kCall,              // `target` name, `exprs` args
  kShow,              // `words`; `where` or `like`
  kDescribeTable,     // `target`, `words` (optional column)
  kExplain,           // EXPLAIN/DESCRIBE stmt; `inner`
  kAnalyze,           // ANALYZE stmt; `inner`
  kAnalyzeTable,      // `tables`
  kCreateTable,
  kDropTable,
  kTruncate,
  kLockTables,
  kUnlockTables,
};

struct Statement {
  StatementKind kind = StatementKind::kSelect;
  size_t offset = 0;
  size_t end_offset = 0;  // one past the statement's last token

  QueryPtr query;  // SELECT; INSERT/REPLACE ... SELECT; CREATE ... SELECT
  std::unique_ptr<Statement> inner;  // EXPLAIN/ANALYZE/SET STATEMENT ... FOR

  // INSERT/REPLACE/UPDATE/DELETE/CREATE/DROP/TRUNCATE/DESCRIBE/CALL
  std::vector<std::string> target;
  std::vector<std::string> options;  // LOW_PRIORITY, IGNORE, TEMPORARY, ...
  std::vector<std::string> columns;
  std::vector<std::vector<ExprPtr>> rows;  // VALUES (...), (...)
  std::vector<Assignment> assignments;     // INSERT SET / UPDATE SET
  std::vector<Assignment> on_duplicate;    // ON DUPLICATE KEY UPDATE
  std::vector<SelectItem> returning;
  std::vector<TableRef> tables;  // UPDATE/DELETE tables, DELETE ... USING
  std::vector<std::vector<std::string>> table_names;  // DELETE t1, t2 / DROP
  ExprPtr where;
  std::vector<OrderItem> order_by;
  Limit limit;

  // SET
  std::vector<VariableAssignment> variables;
  std::string charset;  // SET NAMES / CHARACTER SET; "DEFAULT" if so
  std::string collation;

  // PREPARE / EXECUTE / DEALLOCATE / CALL / DO / EXECUTE IMMEDIATE
  std::string name;
  bool has_text_source = false;
  std::string text_source;      // PREPARE s FROM '...' (unescaped)
  std::string variable_source;  // PREPARE s FROM @v
  std::vector<ExprPtr> exprs;

  // SHOW
  std::vector<std::string> words;  // upper-case words/names after SHOW
  ExprPtr like;
  ExprPtr show_where;

  // CREATE TABLE
  std::vector<ColumnDef> column_defs;
  std::vector<ExprPtr> table_exprs;  // CHECK constraints and the like
  std::vector<std::string> like_table;
  // Table options: the option's name in upper case ("ENGINE", "CHARACTER
  // SET", ...) and its value as written (unquoted).
  std::vector<std::pair<std::string, std::string>> table_options;
  // The parent columns of FOREIGN KEY ... REFERENCES t (...) and of column
  // REFERENCES clauses.
  std::vector<std::string> referenced_columns;
};

}  // namespace coffer::sql

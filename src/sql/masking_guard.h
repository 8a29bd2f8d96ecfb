// The masking guard: decides, before a statement reaches the server, whether
// a session to which masking rules apply may run it.
//
// The proxy masks values of configured columns in place in result sets. That
// only protects a value if the value reaches the client nowhere else: not
// through a function or operator computed over it, not as a comparison in
// WHERE/HAVING/ORDER BY (an oracle), not copied into a variable, a table or a
// file, not through a subquery or a UNION whose result column no longer
// carries the column's name. So the guard allows a masked column only as a
// bare select-list item (optionally parenthesised and aliased) of a
// top-level SELECT, and refuses everything it cannot read. See README.md for
// each rule and why it exists.
//
// Fail closed on sql_mode: the session may have set ANSI_QUOTES (then "ssn"
// is a column, not a string) or NO_BACKSLASH_ESCAPES (then '\' ends no
// quote), and the proxy does not track sql_mode. The guard therefore lexes
// and parses the text under all four combinations and allows it only if it
// parses and passes under every one of them: whichever mode the session is
// in, the server reads one of the texts the guard has checked. (ORACLE and
// other modes that change the grammar are out of reach: the guard refuses
// SET sql_mode, so a masked session cannot enter them itself.)
//
// Matching is by name only. A column reference matches when its last name
// part equals a masked column name, whatever its qualifiers: aliases make
// table qualifiers unreliable, and false positives are accepted. Names
// compare as MariaDB compares column names (case- and accent-insensitive):
// every non-ASCII character of a masked column's name is taken to match any
// character. A reference or a masked item's alias that is not plain
// printable ASCII matches every name, because the server reads such names
// through the connection's character set and drops an alias's leading
// spaces and control characters, which the guard cannot follow.
//
// Thread safety: MaskedColumns is immutable after construction and may be
// shared; CheckForMasking is a pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"

namespace coffer::sql {

class MaskedColumns {
 public:
  MaskedColumns() = default;
  explicit MaskedColumns(const std::vector<std::string>& names);

  void Add(std::string_view name);
  // A select-list alias of a masked item. One that is not plain printable
  // ASCII (a leading space, a control or non-ASCII byte) makes every name
  // match: the server normalizes such aliases in ways the guard cannot
  // follow without the connection's character set.
  void AddAlias(std::string_view alias);
  bool empty() const { return names_.empty() && !matches_all_; }
  // True if a reference named `name` may designate one of the columns. A
  // name that is not plain printable ASCII matches any column.
  bool Matches(std::string_view name) const;

 private:
  // Upper-cased code points; 0 stands for a non-ASCII character, which
  // matches any character (MariaDB folds accents: 'é' = 'e', 'ß' = 's').
  std::vector<std::u32string> names_;
  bool matches_all_ = false;
};

enum class RefusalReason {
  kNone,
  kNotFullyParsed,        // lexer/parser error, unsupported statement
  kFunction,              // masked column as a function/operator operand
  kUnknownFunction,       // not a built-in: may read masked columns itself
  kClause,                // masked column in WHERE, ORDER BY, USING, ...
  kDistinct,              // DISTINCT over a masked column or '*'
  kNaturalJoin,           // compares columns we cannot see
  kSubquery,              // masked column or '*' in a subquery/CTE/derived
  kUnion,                 // masked column or '*' in a UNION/EXCEPT/INTERSECT
  kVariable,              // masked column or '*' into a user variable
  kIntoFile,              // SELECT ... INTO OUTFILE/DUMPFILE
  kPreparedFromVariable,  // PREPARE s FROM @v (text unknown)
  kExecuteImmediate,      // EXECUTE IMMEDIATE (text unknown)
  kExplain,               // EXPLAIN/ANALYZE of a statement with masked/'*'
  kWrite,                 // INSERT/UPDATE/DELETE touching masked columns
  kCreateSelect,          // CREATE TABLE ... SELECT with masked/'*'
  kCall,                  // CALL: the procedure's statements are not visible
  kSessionSetting,        // SET sql_mode, a multi-byte charset, session_track
  kShow,                  // SHOW forms that print statements or plans
  kPartition,             // FROM t PARTITION (p): reveals value ranges
};

// A stable lower-case name, e.g. "function", "not_fully_parsed".
std::string_view RefusalReasonName(RefusalReason reason);

struct GuardVerdict {
  bool allowed = true;
  RefusalReason reason = RefusalReason::kNone;
  std::string field;     // the masked column, or "*", when one is involved
  std::string function;  // the function or operator, when one is involved
  std::string message;   // the text for the client's error packet
  std::string detail;    // for logs: the mode and the parse error or clause
};

// The client message for statements that do not fully parse (MaxScale's).
inline constexpr std::string_view kNotFullyParsedMessage =
    "The statement could not be fully parsed and will hence be rejected "
    "(masking filter).";

struct GuardOptions {
  // Whether the session runs with NO_BACKSLASH_ESCAPES, if the proxy knows
  // it (the server reports it in every OK packet's status flags as
  // SERVER_STATUS_NO_BACKSLASH_ESCAPES, and a masked session cannot change
  // sql_mode). Unknown means both readings are checked, which refuses any
  // text that only parses one way, such as 'O\'Brien'.
  std::optional<bool> no_backslash_escapes;
};

// Decides whether `sql` (one COM_QUERY or COM_STMT_PREPARE text, possibly
// several ';'-separated statements) may run for a session whose masked
// columns are `masked`. `account` is "'user'@'host'" as it should appear in
// messages. With no masked columns it allows at once without parsing (and
// leaves `parsed` empty: call Parse for routing then).
// If `parsed` is not null and the text parses without ANSI_QUOTES (and
// without NO_BACKSLASH_ESCAPES unless `options` says it is on), it receives
// that parse (for routing), whatever the verdict.
GuardVerdict CheckForMasking(std::string_view sql, const MaskedColumns& masked,
                             std::string_view account,
                             const GuardOptions& options = {},
                             std::vector<Statement>* parsed = nullptr);

}  // namespace coffer::sql

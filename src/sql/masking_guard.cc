#include "sql/masking_guard.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "sql/ast_walk.h"
#include "sql/keywords.h"
#include "sql/parser.h"

namespace coffer::sql {
namespace {

using Refusal = std::optional<GuardVerdict>;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Character sets in which 0x5C is always a backslash and the lexer's view of
// the bytes holds.
bool IsAllowedCharset(std::string_view name) {
  std::string n = Lower(name);
  return n == "utf8mb4" || n == "utf8mb3" || n == "utf8" || n == "latin1" ||
         n == "ascii" || n == "binary";
}

// Result character sets: the allowed ones but binary. Under binary results
// a text column arrives as its stored bytes with the charset id of a binary
// column (63, and _bin collations carry the binary flag too), so the proxy
// could not tell UTF-16 bytes from a VARBINARY's, and a `match` pattern,
// written in UTF-8, would miss them.
bool IsAllowedResultCharset(std::string_view name) {
  return IsAllowedCharset(name) && Lower(name) != "binary";
}

bool IsAllowedCollation(std::string_view name) {
  std::string n = Lower(name);
  size_t underscore = n.find('_');
  return IsAllowedCharset(n.substr(0, underscore));
}

// Storage engines whose tables hold their own rows; CONNECT, FEDERATED,
// SPIDER, MERGE and the like read other tables or servers (CONNECT's SRCDEF
// runs any query), which the guard cannot see.
bool IsLocalEngine(std::string_view name) {
  const std::string n = Lower(name);
  return n == "innodb" || n == "myisam" || n == "aria" || n == "memory" ||
         n == "heap";
}

// Table options that only shape how a table stores its own rows.
bool IsStorageOption(std::string_view upper) {
  static const WordSet* set = new WordSet(SplitWords(
      "ENGINE TYPE CHARSET COLLATE COMMENT AUTO_INCREMENT ROW_FORMAT "
      "KEY_BLOCK_SIZE PAGE_CHECKSUM TRANSACTIONAL CHECKSUM TABLE_CHECKSUM "
      "MAX_ROWS MIN_ROWS AVG_ROW_LENGTH PACK_KEYS STATS_AUTO_RECALC "
      "STATS_PERSISTENT STATS_SAMPLE_PAGES DELAY_KEY_WRITE ENCRYPTED "
      "ENCRYPTION_KEY_ID PAGE_COMPRESSED PAGE_COMPRESSION_LEVEL SEQUENCE"));
  return upper == "CHARACTER SET" || set->contains(upper);
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

GuardVerdict Refuse(RefusalReason reason, std::string field,
                    std::string function, std::string message) {
  GuardVerdict v;
  v.allowed = false;
  v.reason = reason;
  v.field = std::move(field);
  v.function = std::move(function);
  v.message = std::move(message);
  return v;
}

GuardVerdict NotParsed(std::string detail) {
  GuardVerdict v = Refuse(RefusalReason::kNotFullyParsed, "", "",
                          std::string(kNotFullyParsedMessage));
  v.detail = std::move(detail);
  return v;
}

// Finds a masked column reference or a '*' select item anywhere below a
// node.
class MentionFinder : public AstVisitor {
 public:
  MentionFinder(const MaskedColumns& names, bool include_targets)
      : names_(names), include_targets_(include_targets) {}

  bool OnExpr(const Expr& e) override {
    if (e.kind == ExprKind::kColumn && names_.Matches(e.text)) {
      found = e.text;
      return true;
    }
    return false;
  }
  bool OnSelectItem(const SelectItem& item) override {
    if (item.star) found = "*";
    return item.star;
  }
  bool OnTable(const TableRef& t) override {
    for (const std::string& c : t.using_columns) {
      if (names_.Matches(c)) {
        found = c;
        return true;
      }
    }
    return false;
  }
  bool OnStatement(const Statement& s) override {
    if (!include_targets_) return false;
    for (const auto* list : {&s.assignments, &s.on_duplicate}) {
      for (const Assignment& a : *list) {
        if (!a.target.empty() && names_.Matches(a.target.back())) {
          found = a.target.back();
          return true;
        }
      }
    }
    for (const std::string& c : s.columns) {
      if (names_.Matches(c)) {
        found = c;
        return true;
      }
    }
    return false;
  }

  std::optional<std::string> found;

 private:
  const MaskedColumns& names_;
  bool include_targets_;
};

// What a top-level select list holds, for ORDER BY/GROUP BY positions.
struct ItemsInfo {
  bool has_star = false;
  std::vector<bool> star;
  std::vector<bool> masked;
  std::vector<std::string> names;
  std::string first_masked;
};

class Checker {
 public:
  Checker(const MaskedColumns& masked, std::string_view account, LexMode mode,
          int prepare_depth)
      : masked_(masked),
        account_(account),
        mode_(mode),
        prepare_depth_(prepare_depth) {}

  Refusal CheckStatement(const Statement& stmt);

 private:
  template <typename Node>
  std::optional<std::string> Mention(const Node& node,
                                     bool include_targets = false) const {
    MentionFinder finder(names_, include_targets);
    Walk(node, finder);
    return finder.found;
  }

  // ---- messages
  std::string FieldOrStar(const std::string& field, std::string_view what,
                          std::string_view star_what) const {
    if (field == "*") {
      return "'*' is used " + std::string(star_what) +
             " and there are masking rules for " + account_ +
             ", access is denied.";
    }
    return "The field " + field + " that should be masked for " + account_ +
           " is used " + std::string(what) + ", access is denied.";
  }
  GuardVerdict FieldRefusal(RefusalReason reason, const std::string& field,
                            std::string_view what) const {
    return Refuse(reason, field, "", FieldOrStar(field, what, what));
  }
  GuardVerdict FunctionRefusal(std::string_view function,
                               const std::string& field) const {
    return Refuse(RefusalReason::kFunction, field, std::string(function),
                  "The function " + std::string(function) +
                      " is used in conjunction with a field that should be "
                      "masked for " +
                      account_ + ", access is denied.");
  }
  GuardVerdict ClauseRefusal(std::string_view clause,
                             const std::string& field) const {
    return FieldRefusal(RefusalReason::kClause, field,
                        "in a " + std::string(clause) + " clause");
  }
  GuardVerdict VariableRefusal(const std::string& field) const {
    return Refuse(RefusalReason::kVariable, field, "",
                  FieldOrStar(field, "when defining a variable",
                              "in the definition of a variable"));
  }
  GuardVerdict PlainRefusal(RefusalReason reason, std::string what) const {
    return Refuse(reason, "", "",
                  what + " is rejected when there are masking rules for " +
                      account_ + ", access is denied.");
  }
  GuardVerdict SessionRefusal(std::string what) const {
    return PlainRefusal(RefusalReason::kSessionSetting,
                        "Changing " + std::move(what));
  }

  // ---- checks
  Refusal GlobalScan(const Statement& stmt) const;
  Refusal CheckTableOptions(const Statement& stmt) const;
  Refusal CheckExpr(const Expr& e, std::string_view clause,
                    std::string_view function) const;
  Refusal CheckArgs(const Expr& e, std::string_view clause,
                    std::string_view function) const;
  Refusal CheckWindow(const WindowSpec& spec, std::string_view clause,
                      std::string_view function) const;
  Refusal CheckOrder(const std::vector<OrderItem>& items,
                     std::string_view clause, const ItemsInfo* info) const;
  Refusal CheckTable(const TableRef& t) const;
  Refusal CheckLimit(const Limit& limit) const;
  Refusal CheckQueryTop(const QueryExpr& q);
  Refusal CheckSelectTop(const SelectCore& core,
                         const std::vector<const QueryExpr*>& levels);
  Refusal CheckInsert(const Statement& stmt) const;
  Refusal CheckSetVariables(const Statement& stmt) const;
  Refusal CheckPrepared(const Statement& stmt) const;
  Refusal CheckShow(const Statement& stmt) const;

  const MaskedColumns& masked_;
  MaskedColumns names_;  // masked_ plus aliases of masked select items
  std::string account_;
  LexMode mode_;
  int prepare_depth_;
};

// Rules that hold wherever a node sits: only built-in functions, no NATURAL
// JOIN, no INTO OUTFILE/DUMPFILE, no CALL, no text only known at run time.
Refusal Checker::GlobalScan(const Statement& stmt) const {
  class Scan : public AstVisitor {
   public:
    explicit Scan(const Checker& c) : c_(c) {}
    bool OnExpr(const Expr& e) override {
      if (e.kind != ExprKind::kFunction) return false;
      if (e.names.size() == 1 && IsBuiltinFunction(e.text)) return false;
      std::string name = Join(e.names, ".");
      result = Refuse(RefusalReason::kUnknownFunction, "", name,
                      "The function " + name +
                          " is not a built-in function and may read a field "
                          "that should be masked for " +
                          c_.account_ + ", access is denied.");
      return true;
    }
    bool OnTable(const TableRef& t) override {
      if (!t.partitions.empty()) {
        // A partition holds a range of the partitioning columns' values.
        result = c_.PlainRefusal(RefusalReason::kPartition,
                                 "Selecting partitions (PARTITION (...))");
        return true;
      }
      if (!t.natural) return false;
      result = Refuse(RefusalReason::kNaturalJoin, "", "",
                      "A NATURAL JOIN compares columns that may be masked "
                      "for " +
                          c_.account_ + ", access is denied.");
      return true;
    }
    bool OnInto(const IntoClause& into) override {
      if (into.kind != IntoClause::Kind::kOutfile &&
          into.kind != IntoClause::Kind::kDumpfile) {
        return false;
      }
      result = c_.PlainRefusal(RefusalReason::kIntoFile,
                               "SELECT ... INTO OUTFILE/DUMPFILE");
      return true;
    }
    bool OnStatement(const Statement& s) override {
      if (s.kind == StatementKind::kCall) {
        result = c_.PlainRefusal(RefusalReason::kCall,
                                 "CALL " + Join(s.target, "."));
      } else if (s.kind == StatementKind::kExecuteImmediate) {
        result = c_.PlainRefusal(RefusalReason::kExecuteImmediate,
                                 "EXECUTE IMMEDIATE");
      } else if (s.kind == StatementKind::kPrepare && !s.has_text_source) {
        result =
            Refuse(RefusalReason::kPreparedFromVariable, s.variable_source, "",
                   "A statement prepared from a variable is rejected "
                   "(masking filter).");
      }
      return result.has_value();
    }
    Refusal result;

   private:
    const Checker& c_;
  };
  Scan scan(*this);
  Walk(stmt, scan);
  return scan.result;
}

Refusal Checker::CheckArgs(const Expr& e, std::string_view clause,
                           std::string_view function) const {
  for (const ExprPtr& arg : e.args) {
    if (Refusal r = CheckExpr(*arg, clause, function)) return r;
  }
  for (const OrderItem& item : e.order_by) {
    if (Refusal r = CheckExpr(*item.expr, clause, function)) return r;
  }
  if (e.against) {
    if (Refusal r = CheckExpr(*e.against, clause, function)) return r;
  }
  if (e.window) return CheckWindow(*e.window, clause, function);
  return std::nullopt;
}

Refusal Checker::CheckWindow(const WindowSpec& spec, std::string_view clause,
                             std::string_view function) const {
  for (const ExprPtr& e : spec.partition_by) {
    if (Refusal r = CheckExpr(*e, clause, function)) return r;
  }
  for (const OrderItem& item : spec.order_by) {
    if (Refusal r = CheckExpr(*item.expr, clause, function)) return r;
  }
  for (const ExprPtr& e : spec.frame_bounds) {
    if (Refusal r = CheckExpr(*e, clause, function)) return r;
  }
  return std::nullopt;
}

Refusal Checker::CheckExpr(const Expr& e, std::string_view clause,
                           std::string_view function) const {
  switch (e.kind) {
    case ExprKind::kColumn:
      if (!names_.Matches(e.text)) return std::nullopt;
      if (!function.empty()) return FunctionRefusal(function, e.text);
      return ClauseRefusal(clause, e.text);
    case ExprKind::kSubquery:
    case ExprKind::kExists:
      if (auto m = Mention(*e.query)) {
        return FieldRefusal(RefusalReason::kSubquery, *m, "in a subquery");
      }
      return std::nullopt;
    case ExprKind::kOperator:
      if (e.text == ":=") {
        if (auto m = Mention(*e.args[1])) return VariableRefusal(*m);
        return std::nullopt;
      }
      return CheckArgs(e, clause, e.text);
    case ExprKind::kFunction: return CheckArgs(e, clause, e.text);
    case ExprKind::kCase: return CheckArgs(e, clause, "CASE");
    case ExprKind::kCast: return CheckArgs(e, clause, e.names[0]);
    case ExprKind::kInterval: return CheckArgs(e, clause, "INTERVAL");
    case ExprKind::kRow: return CheckArgs(e, clause, "ROW");
    case ExprKind::kMatch: return CheckArgs(e, clause, "MATCH");
    default: return std::nullopt;
  }
}

Refusal Checker::CheckOrder(const std::vector<OrderItem>& items,
                            std::string_view clause,
                            const ItemsInfo* info) const {
  for (const OrderItem& item : items) {
    const Expr* e = item.expr.get();
    while (e->kind == ExprKind::kOperator && e->args.size() == 1 &&
           (e->text == "+" || e->text == "-")) {
      e = e->args[0].get();
    }
    bool numeric =
        (e->kind == ExprKind::kLiteral &&
         (e->literal == LiteralKind::kNumber ||
          e->literal == LiteralKind::kHex || e->literal == LiteralKind::kBits ||
          // TRUE is the integer 1
          e->literal == LiteralKind::kBool)) ||
        e->kind == ExprKind::kPlaceholder;
    if (info && numeric && (info->has_star || !info->first_masked.empty())) {
      // A position refers to a select-list item: refuse when it may be a
      // masked one or a column of '*'.
      std::string field = info->first_masked.empty() ? "*" : info->first_masked;
      bool refuse = true;
      bool digits =
          e->kind == ExprKind::kLiteral && e->literal == LiteralKind::kNumber &&
          e->text.find_first_not_of("0123456789") == std::string::npos &&
          e->text.size() <= 9 && e == item.expr.get();
      bool boolean = e->kind == ExprKind::kLiteral &&
                     e->literal == LiteralKind::kBool && e == item.expr.get();
      if (digits || boolean) {
        size_t n =
            boolean ? (Lower(e->text) == "true" ? 1 : 0) : std::stoul(e->text);
        size_t size = info->masked.size();
        refuse = false;
        for (size_t k = 0; k < n && k < size; ++k) {
          if (info->star[k]) {
            refuse = true;
            field = "*";
          }
        }
        if (n >= 1 && n <= size && info->masked[n - 1]) {
          refuse = true;
          field = info->names[n - 1];
        }
        if (n > size && info->has_star) refuse = true;
      }
      if (refuse) return ClauseRefusal(clause, field);
    }
    if (Refusal r = CheckExpr(*item.expr, clause, "")) return r;
  }
  return std::nullopt;
}

Refusal Checker::CheckLimit(const Limit& limit) const {
  for (const ExprPtr* e : {&limit.count, &limit.offset, &limit.rows_examined}) {
    if (*e) {
      if (Refusal r = CheckExpr(**e, "LIMIT", "")) return r;
    }
  }
  return std::nullopt;
}

Refusal Checker::CheckTable(const TableRef& t) const {
  switch (t.kind) {
    case TableRef::Kind::kTable: return std::nullopt;
    case TableRef::Kind::kDerived:
      if (auto m = Mention(*t.query)) {
        return FieldRefusal(RefusalReason::kSubquery, *m, "in a subquery");
      }
      return std::nullopt;
    case TableRef::Kind::kJoin:
      if (Refusal r = CheckTable(*t.left)) return r;
      if (Refusal r = CheckTable(*t.right)) return r;
      if (t.on) {
        if (Refusal r = CheckExpr(*t.on, "JOIN ... ON", "")) return r;
      }
      for (const std::string& c : t.using_columns) {
        if (names_.Matches(c)) return ClauseRefusal("JOIN ... USING", c);
      }
      return std::nullopt;
    case TableRef::Kind::kGroup:
      for (const TableRef& g : t.group) {
        if (Refusal r = CheckTable(g)) return r;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

Refusal Checker::CheckQueryTop(const QueryExpr& q) {
  std::vector<const QueryExpr*> levels;
  const QueryExpr* cur = &q;
  while (true) {
    levels.push_back(cur);
    for (const CommonTableExpr& cte : cur->with) {
      if (auto m = Mention(*cte.query)) {
        return FieldRefusal(RefusalReason::kSubquery, *m, "in a subquery");
      }
    }
    if (cur->terms.size() == 1 && cur->terms[0].parenthesized) {
      cur = cur->terms[0].parenthesized.get();
      continue;
    }
    break;
  }
  if (cur->terms.size() == 1)
    return CheckSelectTop(*cur->terms[0].select, levels);
  // A set operation: result columns merge the branches' types and no longer
  // carry one column's name, so no branch may hold a masked column or '*'.
  for (size_t i = 0; i < cur->terms.size(); ++i) {
    const QueryTerm& term = cur->terms[i];
    auto m = term.select ? Mention(*term.select) : Mention(*term.parenthesized);
    if (m) {
      std::string where = i == 0 ? "in the first SELECT of a UNION"
                                 : "in the second or subsequent SELECT of a "
                                   "UNION";
      return FieldRefusal(RefusalReason::kUnion, *m, where);
    }
  }
  for (const QueryExpr* level : levels) {
    if (Refusal r = CheckOrder(level->order_by, "ORDER BY", nullptr)) return r;
    if (Refusal r = CheckLimit(level->limit)) return r;
  }
  return std::nullopt;
}

Refusal Checker::CheckSelectTop(const SelectCore& core,
                                const std::vector<const QueryExpr*>& levels) {
  ItemsInfo info;
  size_t n = core.items.size();
  info.star.assign(n, false);
  info.masked.assign(n, false);
  info.names.assign(n, "");
  // Aliases of masked items name the masked value in ORDER BY, GROUP BY,
  // HAVING and subqueries; repeat until no new alias appears.
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      const SelectItem& item = core.items[i];
      if (item.star) {
        info.star[i] = info.has_star = true;
        continue;
      }
      if (info.masked[i] || item.expr->kind != ExprKind::kColumn ||
          !names_.Matches(item.expr->text)) {
        continue;
      }
      info.masked[i] = true;
      info.names[i] = item.expr->text;
      if (info.first_masked.empty()) info.first_masked = item.expr->text;
      if (item.has_alias) {
        names_.AddAlias(item.alias);
        changed = true;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (info.star[i] || info.masked[i]) continue;
    if (Refusal r = CheckExpr(*core.items[i].expr, "SELECT", "")) return r;
  }
  bool any = info.has_star || !info.first_masked.empty();
  std::string field = info.first_masked.empty() ? "*" : info.first_masked;
  if (core.distinct && any) {
    return Refuse(RefusalReason::kDistinct, field, "",
                  FieldOrStar(field, "with DISTINCT", "with DISTINCT"));
  }
  std::vector<const IntoClause*> intos = {&core.into};
  for (const QueryExpr* level : levels) intos.push_back(&level->into);
  for (const IntoClause* into : intos) {
    if (into->kind == IntoClause::Kind::kVariables && any) {
      return VariableRefusal(field);
    }
  }
  for (const TableRef& t : core.from) {
    if (Refusal r = CheckTable(t)) return r;
  }
  if (core.where) {
    if (Refusal r = CheckExpr(*core.where, "WHERE", "")) return r;
  }
  if (Refusal r = CheckOrder(core.group_by, "GROUP BY", &info)) return r;
  if (core.having) {
    if (Refusal r = CheckExpr(*core.having, "HAVING", "")) return r;
  }
  for (const NamedWindow& w : core.windows) {
    if (Refusal r = CheckWindow(w.spec, "WINDOW", "")) return r;
  }
  for (const QueryExpr* level : levels) {
    if (Refusal r = CheckOrder(level->order_by, "ORDER BY", &info)) return r;
    if (Refusal r = CheckLimit(level->limit)) return r;
  }
  return std::nullopt;
}

Refusal Checker::CheckInsert(const Statement& stmt) const {
  std::string what =
      std::string("in an ") +
      (stmt.kind == StatementKind::kReplace ? "REPLACE" : "INSERT") +
      " statement";
  for (const auto& row : stmt.rows) {
    for (const ExprPtr& e : row) {
      if (auto m = Mention(*e)) {
        return FieldRefusal(RefusalReason::kWrite, *m, what);
      }
    }
  }
  for (const Assignment& a : stmt.assignments) {
    if (auto m = Mention(*a.value)) {
      return FieldRefusal(RefusalReason::kWrite, *m, what);
    }
  }
  for (const Assignment& a : stmt.on_duplicate) {
    // A masked target is an oracle too: the affected-rows count says whether
    // the stored value equalled the new one.
    if (names_.Matches(a.target.back())) {
      return FieldRefusal(RefusalReason::kWrite, a.target.back(), what);
    }
    if (auto m = Mention(*a.value)) {
      return FieldRefusal(RefusalReason::kWrite, *m, what);
    }
  }
  for (const SelectItem& item : stmt.returning) {
    if (item.star) return FieldRefusal(RefusalReason::kWrite, "*", what);
    if (auto m = Mention(*item.expr)) {
      return FieldRefusal(RefusalReason::kWrite, *m, what);
    }
  }
  if (stmt.query) {
    if (auto m = Mention(*stmt.query)) {
      return FieldRefusal(RefusalReason::kWrite, *m, what);
    }
  }
  return std::nullopt;
}

Refusal Checker::CheckSetVariables(const Statement& stmt) const {
  for (const VariableAssignment& va : stmt.variables) {
    if (auto m = Mention(*va.value)) return VariableRefusal(*m);
    if (va.kind == VariableAssignment::Kind::kUser) continue;
    const std::string& n = va.name;
    if (n == "sql_mode" || n.rfind("session_track", 0) == 0) {
      return SessionRefusal(n);
    }
    if (n == "default_storage_engine" || n == "default_tmp_storage_engine" ||
        n == "enforce_storage_engine" || n == "storage_engine") {
      // The engine of a CREATE TABLE without ENGINE=.
      const Expr& v = *va.value;
      bool named =
          (v.kind == ExprKind::kLiteral && v.literal == LiteralKind::kString) ||
          (v.kind == ExprKind::kColumn && v.names.size() == 1);
      const std::string& engine =
          v.kind == ExprKind::kColumn && named ? v.names[0] : v.text;
      if (!named || !IsLocalEngine(engine)) return SessionRefusal(n);
      continue;
    }
    bool charset = n == "character_set_client" ||
                   n == "character_set_connection" ||
                   n == "character_set_results";
    bool collation = n == "collation_connection";
    if (!charset && !collation) continue;
    const Expr& v = *va.value;
    if (n == "character_set_results" && v.kind == ExprKind::kLiteral &&
        (v.literal == LiteralKind::kNull || Lower(v.text) == "null")) {
      continue;  // no conversion: results as stored
    }
    bool ok = v.kind == ExprKind::kLiteral &&
              v.literal == LiteralKind::kString &&
              (n == "character_set_results" ? IsAllowedResultCharset(v.text)
               : charset                    ? IsAllowedCharset(v.text)
                                            : IsAllowedCollation(v.text));
    if (!ok) return SessionRefusal(n);
  }
  return std::nullopt;
}

Refusal Checker::CheckTableOptions(const Statement& stmt) const {
  for (const std::string& column : stmt.referenced_columns) {
    // A foreign key to a masked column makes each insert an existence test
    // of its value, and ON UPDATE CASCADE copies it.
    if (masked_.Matches(column)) {
      return FieldRefusal(RefusalReason::kCreateSelect, column,
                          "in a FOREIGN KEY reference");
    }
  }
  for (const auto& [name, value] : stmt.table_options) {
    if (!IsStorageOption(name)) {
      return PlainRefusal(RefusalReason::kCreateSelect,
                          "The table option " + name);
    }
    if ((name == "ENGINE" || name == "TYPE") && !IsLocalEngine(value)) {
      return PlainRefusal(RefusalReason::kCreateSelect,
                          "A table of ENGINE=" + value);
    }
  }
  return std::nullopt;
}

Refusal Checker::CheckPrepared(const Statement& stmt) const {
  if (prepare_depth_ > 0) return NotParsed("PREPARE inside a prepared text");
  // The server converts the text to character_set_connection and back
  // before parsing it: under latin1 or ascii a character they lack becomes
  // '?', a placeholder. ASCII is the same text in every allowed charset.
  const bool ascii =
      std::all_of(stmt.text_source.begin(), stmt.text_source.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    return NotParsed("PREPARE " + stmt.name +
                     ": a non-ASCII text (the server converts it to the "
                     "connection's character set first)");
  }
  auto parsed = Parse(stmt.text_source, mode_);
  if (!parsed.ok()) {
    return NotParsed("PREPARE " + stmt.name + ": " + parsed.status().message());
  }
  Checker inner(masked_, account_, mode_, prepare_depth_ + 1);
  for (const Statement& s : *parsed) {
    if (Refusal r = inner.CheckStatement(s)) {
      r->detail = "in PREPARE " + stmt.name +
                  (r->detail.empty() ? "" : ": " + r->detail);
      return r;
    }
  }
  return std::nullopt;
}

Refusal Checker::CheckShow(const Statement& stmt) const {
  const std::string& first = stmt.words[0];
  if (first == "BINLOG" || first == "RELAYLOG" || first == "EXPLAIN" ||
      first == "ANALYZE") {
    // These print other statements' text or plans.
    return PlainRefusal(RefusalReason::kShow, "SHOW " + first);
  }
  if (stmt.like) {
    if (Refusal r = CheckExpr(*stmt.like, "SHOW ... LIKE", "")) return r;
  }
  if (stmt.show_where) {
    if (Refusal r = CheckExpr(*stmt.show_where, "WHERE", "")) return r;
  }
  return std::nullopt;
}

Refusal Checker::CheckStatement(const Statement& stmt) {
  names_ = masked_;
  if (Refusal r = GlobalScan(stmt)) return r;
  switch (stmt.kind) {
    case StatementKind::kSelect: return CheckQueryTop(*stmt.query);
    case StatementKind::kInsert:
    case StatementKind::kReplace: return CheckInsert(stmt);
    case StatementKind::kUpdate:
    case StatementKind::kDelete:
      if (auto m = Mention(stmt, /*include_targets=*/true)) {
        std::string what = stmt.kind == StatementKind::kUpdate
                               ? "in an UPDATE statement"
                               : "in a DELETE statement";
        return FieldRefusal(RefusalReason::kWrite, *m, what);
      }
      return std::nullopt;
    case StatementKind::kSet: return CheckSetVariables(stmt);
    case StatementKind::kSetNames:
    case StatementKind::kSetCharset:
      // Both set the results' character set too.
      if (!IsAllowedResultCharset(stmt.charset) ||
          (!stmt.collation.empty() && !IsAllowedCollation(stmt.collation))) {
        return SessionRefusal("the character set to " + stmt.charset);
      }
      return std::nullopt;
    case StatementKind::kSetStatement:
      if (Refusal r = CheckSetVariables(stmt)) return r;
      return CheckStatement(*stmt.inner);
    case StatementKind::kPrepare: return CheckPrepared(stmt);
    case StatementKind::kExecute:
      for (const ExprPtr& e : stmt.exprs) {
        if (Refusal r = CheckExpr(*e, "EXECUTE ... USING", "")) return r;
      }
      return std::nullopt;
    case StatementKind::kDo:
      for (const ExprPtr& e : stmt.exprs) {
        if (Refusal r = CheckExpr(*e, "DO", "")) return r;
      }
      return std::nullopt;
    case StatementKind::kShow: return CheckShow(stmt);
    case StatementKind::kExplain:
    case StatementKind::kAnalyze:
      // Plans, row estimates and ANALYZE's r_rows reveal values.
      if (auto m = Mention(*stmt.inner, /*include_targets=*/true)) {
        return FieldRefusal(RefusalReason::kExplain, *m,
                            "in an EXPLAIN or ANALYZE statement");
      }
      return CheckStatement(*stmt.inner);
    case StatementKind::kCreateTable: {
      if (Refusal r = CheckTableOptions(stmt)) return r;
      std::optional<std::string> m;
      for (const ColumnDef& def : stmt.column_defs) {
        for (const ExprPtr& e : def.exprs) {
          if (!m) m = Mention(*e);
        }
      }
      for (const ExprPtr& e : stmt.table_exprs) {
        if (!m) m = Mention(*e);
      }
      if (!m && stmt.query) m = Mention(*stmt.query);
      if (m) {
        return FieldRefusal(RefusalReason::kCreateSelect, *m,
                            "in a CREATE TABLE statement");
      }
      return std::nullopt;
    }
    case StatementKind::kCall:
    case StatementKind::kExecuteImmediate:
      return NotParsed("unexpected statement");  // GlobalScan refused these
    case StatementKind::kSetTransaction:
    case StatementKind::kUse:
    case StatementKind::kBegin:
    case StatementKind::kCommit:
    case StatementKind::kRollback:
    case StatementKind::kSavepoint:
    case StatementKind::kRollbackToSavepoint:
    case StatementKind::kReleaseSavepoint:
    case StatementKind::kDeallocatePrepare:
    case StatementKind::kDescribeTable:
    case StatementKind::kAnalyzeTable:
    case StatementKind::kDropTable:
    case StatementKind::kTruncate:
    case StatementKind::kLockTables:
    case StatementKind::kUnlockTables: return std::nullopt;
  }
  return NotParsed("unknown statement kind");
}

std::string ModeName(LexMode mode) {
  std::string out;
  if (mode.ansi_quotes) out += "ANSI_QUOTES";
  if (mode.no_backslash_escapes) {
    out += out.empty() ? "" : ",";
    out += "NO_BACKSLASH_ESCAPES";
  }
  return out.empty() ? "default sql_mode" : "sql_mode " + out;
}

}  // namespace

GuardVerdict CheckForMasking(std::string_view sql, const MaskedColumns& masked,
                             std::string_view account,
                             const GuardOptions& options,
                             std::vector<Statement>* parsed) {
  if (parsed) parsed->clear();
  if (masked.empty()) return GuardVerdict{};
  // A mode only changes how '"' and '\\' read; a text without them reads
  // the same in every mode, so checking one of them is checking all.
  const bool quotes_matter = sql.find('"') != std::string_view::npos;
  const bool escapes_matter = sql.find('\\') != std::string_view::npos;
  std::vector<LexMode> modes;
  for (bool nbe : {false, true}) {
    if (options.no_backslash_escapes && *options.no_backslash_escapes != nbe) {
      continue;
    }
    if (nbe && !escapes_matter && !modes.empty()) continue;
    modes.push_back({false, nbe});
    if (quotes_matter) modes.push_back({true, nbe});
  }
  const LexMode first = modes[0];
  std::optional<GuardVerdict> refusal;
  for (const LexMode& mode : modes) {
    auto statements = Parse(sql, mode);
    if (!statements.ok()) {
      if (!refusal) {
        refusal =
            NotParsed(ModeName(mode) + ": " + statements.status().message());
      }
      continue;
    }
    if (!refusal) {
      Checker checker(masked, account, mode, 0);
      for (size_t i = 0; i < statements->size() && !refusal; ++i) {
        if (Refusal r = checker.CheckStatement((*statements)[i])) {
          r->detail = ModeName(mode) + ", statement " + std::to_string(i + 1) +
                      (r->detail.empty() ? "" : ": " + r->detail);
          refusal = std::move(r);
        }
      }
    }
    if (parsed && mode == first) *parsed = std::move(statements).value();
    if (refusal) break;
  }
  if (refusal) return *refusal;
  return GuardVerdict{};
}

}  // namespace coffer::sql

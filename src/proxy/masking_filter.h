// MaskingFilter: MaxScale-compatible data masking, fail closed.
//
// For a session to which at least one rule applies (MaxScale's fast path:
// otherwise the filter does nothing, not even parse):
// - every COM_QUERY and COM_STMT_PREPARE text goes through the SQL guard
//   (sql/masking_guard.h) and is refused with ERR 1141 / HY000 unless a
//   masked column can only reach the client in place, in a top-level
//   result column;
// - result sets are matched column by column against the rules (org_name,
//   org_table, schema), and each value of a masked column is rewritten in
//   place, in text rows, binary rows (COM_STMT_EXECUTE) and cursor rows
//   (COM_STMT_FETCH, with the columns its EXECUTE announced; statement id
//   0xFFFFFFFF, MariaDB's "last prepared statement", is resolved as the
//   server resolves it, or refused when the filter cannot tell);
// - a cursor's rows come from a temporary table whose definitions name the
//   alias (`ssn AS s` has org_name "s"), so each cursor column is masked
//   by the rule of its real column: the execute's schema and table with
//   the org_name of the prepare (the server may have prepared the
//   statement again since, for other tables); a cursor whose columns are
//   not the prepare's by schema, table (as the statement names it) and
//   name is refused;
// - a `match` rule's pattern (UTF-8, matched on bytes) only reads values
//   that are the same bytes in UTF-8: sent as utf8mb4, as a binary column's
//   own bytes that are UTF-8 text without NUL (BINARY(n) pads with NULs,
//   and a BLOB may hold UTF-16), as utf8mb3 without a '?' (which may stand
//   for a character utf8mb3 lacks), or as latin1 or ascii in plain ASCII
//   without a '?'.
//   Any other value (non-ASCII latin1, a utf16 column under
//   character_set_results=NULL) is masked entirely, and so is every value
//   of a cursor's `match` column: the server converts a cursor's rows to
//   the character set in force at each FETCH, which the filter cannot know;
// - a rule that matches a column that is not a string is a configuration
//   error: the result is refused, never passed on unmasked;
// - commands the filter cannot follow (COM_STMT_BULK_EXECUTE, a FETCH of
//   an unknown cursor) are refused.
// The proxy never negotiates MARIADB_CLIENT_CACHE_METADATA, so every
// result carries its column definitions; one without would break the
// ReplyTracker and end the session rather than pass rows unmasked.
//
// Logs: one line per refusal, naming the reason, the rule (for results)
// and the account, never a value or the statement text.
//
// Thread safety: one session's strand; the RuleSet is shared and const.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "masking/rules.h"
#include "proxy/filter.h"
#include "proxy/proxy_metrics.h"
#include "sql/masking_guard.h"

namespace coffer::proxy {

class MaskingFilter final : public Filter {
 public:
  // `capabilities`: those negotiated with the client (and the server).
  // `metrics` may be null.
  MaskingFilter(std::shared_ptr<const masking::RuleSet> rules,
                uint64_t capabilities, ProxyMetrics* metrics);

  void OnIdentity(const SessionIdentity& identity) override;
  FilterStatus OnCommand(mysql::ByteView payload, Refusal& refusal) override;
  FilterStatus OnReply(const mysql::ReplyPacket& packet,
                       std::span<uint8_t> payload, Refusal& refusal) override;

  // Whether any rule applies to the current identity.
  bool active() const { return active_; }

 private:
  // How a `match` rule's pattern sees a column's bytes.
  enum class MatchInput : uint8_t {
    kExact,       // utf8mb4
    kBinary,      // a binary column's bytes: exact if UTF-8 text, no NUL
    kUtf8mb3,     // exact but for '?', a character utf8mb3 lacks
    kSingleByte,  // latin1, ascii: exact for ASCII without '?'
    kUntrusted,   // another character set: mask the whole value
  };

  // Where a column's values come from, as its definition says.
  struct Origin {
    std::string schema;
    std::string table;  // as the statement names it (an alias, if any)
    std::string org_table;
    std::string name;      // the alias, if any
    std::string org_name;  // a cursor's: the alias again (see .cc)
  };

  // For each column of a result: the rule that masks it, or null.
  struct ResultPlan {
    std::vector<const masking::Rule*> rules;
    std::vector<uint8_t> types;
    std::vector<MatchInput> inputs;
    // Of a prepare's or a cursor's columns only (WithPreparedColumns).
    std::vector<Origin> origins;
    bool masks_any = false;
  };

  // Forgets what the server forgets on COM_CHANGE_USER and
  // COM_RESET_CONNECTION.
  void ForgetSessionState();
  // A statement id as the server reads it: 0xFFFFFFFF is the last prepared
  // statement; nullopt when the filter does not know which that is.
  std::optional<uint32_t> Resolve(uint32_t statement_id) const;
  FilterStatus RefuseUnknownStatement(Refusal& refusal);
  FilterStatus CheckStatement(mysql::ByteView sql, Refusal& refusal);
  FilterStatus OnColumnDefinition(mysql::ByteView payload, Refusal& refusal);
  FilterStatus OnRow(const mysql::ReplyPacket& packet,
                     std::span<uint8_t> payload, Refusal& refusal);
  static MatchInput InputOf(uint16_t charset);
  // Whether a `match` pattern, UTF-8 bytes, reads `value` as it would the
  // value in UTF-8.
  static bool PatternCanRead(MatchInput input, std::span<const char> value);
  // A cursor's `executed` plan with the rules its statement's prepare
  // reply matched added; nullopt when the columns are not the prepare's.
  std::optional<ResultPlan> WithPreparedColumns(
      const ResultPlan& executed) const;
  void Refuse(Refusal& refusal, std::string_view reason, std::string message,
              uint16_t code = 1141);

  std::shared_ptr<const masking::RuleSet> rules_;
  const uint64_t capabilities_;
  ProxyMetrics* metrics_;
  SessionIdentity identity_;
  std::string account_;  // "'user'@'host'" for messages
  bool active_ = false;
  sql::MaskedColumns masked_;
  // From the server's last status flags; unknown before the first reply.
  std::optional<bool> no_backslash_escapes_;

  // The command whose reply is being read.
  uint8_t command_ = 0;
  uint32_t statement_id_ = 0;
  bool cursor_requested_ = false;
  ResultPlan current_;
  // The statement a COM_STMT_PREPARE reply is about.
  std::optional<uint32_t> preparing_;
  // Column plans of prepared statements and of open cursors, by statement
  // id, for COM_STMT_EXECUTE and COM_STMT_FETCH.
  std::map<uint32_t, ResultPlan> prepared_;
  // nullopt: a cursor whose columns are not its prepare's; FETCH refused.
  std::map<uint32_t, std::optional<ResultPlan>> cursors_;
  // The statement the server takes for id 0xFFFFFFFF, when known.
  std::optional<uint32_t> last_prepared_;
};

}  // namespace coffer::proxy

#include "proxy/masking_filter.h"

#include "common/log.h"
#include "mysql/capabilities.h"
#include "mysql/messages.h"
#include "mysql/result_rows.h"

namespace coffer::proxy {
namespace {

// MaxScale answers refused statements with ER_SPECIFIC_ACCESS_DENIED-like
// 1141 and SQLSTATE HY000; so does Coffer.
constexpr char kSqlState[] = "HY000";

}  // namespace

MaskingFilter::MaskingFilter(std::shared_ptr<const masking::RuleSet> rules,
                             uint64_t capabilities, ProxyMetrics* metrics)
    : rules_(std::move(rules)),
      capabilities_(capabilities),
      metrics_(metrics) {}

void MaskingFilter::OnIdentity(const SessionIdentity& identity) {
  identity_ = identity;
  account_ = "'" + identity.user + "'@'" + identity.host + "'";
  active_ = rules_->AnyRuleAppliesTo(identity.user, identity.host);
  masked_ = sql::MaskedColumns(
      rules_->MaskedColumnNames(identity.user, identity.host));
  cursors_.clear();
}

void MaskingFilter::Refuse(Refusal& refusal, std::string_view reason,
                           std::string message, uint16_t code) {
  if (metrics_ != nullptr) metrics_->Refusal(reason);
  refusal = {code, kSqlState, std::move(message)};
}

FilterStatus MaskingFilter::OnCommand(mysql::ByteView payload,
                                      Refusal& refusal) {
  command_ = payload.empty() ? 0 : payload[0];
  cursor_requested_ = false;
  statement_id_ = 0;
  current_ = {};
  if (!active_) return FilterStatus::kContinue;
  switch (command_) {
    case mysql::kComQuery:
    case mysql::kComStmtPrepare:
      return CheckStatement(payload.subspan(1), refusal);
    case mysql::kComStmtExecute: {
      auto execute = mysql::ParseStmtExecute(payload);
      if (!execute.ok()) break;  // the server answers a malformed one
      statement_id_ = execute->statement_id;
      cursor_requested_ = execute->cursor_requested();
      cursors_.erase(statement_id_);
      return FilterStatus::kContinue;
    }
    case mysql::kComStmtFetch: {
      auto fetch = mysql::ParseStmtFetch(payload);
      if (fetch.ok() && cursors_.contains(fetch->statement_id)) {
        statement_id_ = fetch->statement_id;
        current_ = cursors_[statement_id_];
        return FilterStatus::kContinue;
      }
      Log(LogLevel::kWarning, "masking: refused a fetch from an unknown cursor",
          {{"account", account_}});
      Refuse(refusal, "unknown_cursor",
             "The cursor is unknown to the masking filter; fetch refused.");
      return FilterStatus::kStopIteration;
    }
    case mysql::kComStmtClose:
    case mysql::kComStmtReset: {
      auto id = mysql::ParseStatementId(payload);
      if (id.ok()) cursors_.erase(*id);
      return FilterStatus::kContinue;
    }
    case mysql::kComStmtBulkExecute:
      Refuse(refusal, "unsupported_command",
             "COM_STMT_BULK_EXECUTE is not supported for accounts with "
             "masking rules (masking filter).");
      return FilterStatus::kStopIteration;
    default: break;
  }
  return FilterStatus::kContinue;
}

FilterStatus MaskingFilter::CheckStatement(mysql::ByteView sql,
                                           Refusal& refusal) {
  const std::string_view text(reinterpret_cast<const char*>(sql.data()),
                              sql.size());
  // The server reports NO_BACKSLASH_ESCAPES in every OK and EOF; until
  // the first one the guard checks both ways of reading backslashes.
  sql::GuardOptions options;
  options.no_backslash_escapes = no_backslash_escapes_;
  const sql::GuardVerdict verdict =
      sql::CheckForMasking(text, masked_, account_, options);
  if (verdict.allowed) return FilterStatus::kContinue;
  Log(LogLevel::kInfo, "masking: statement refused",
      {{"account", account_},
       {"reason", sql::RefusalReasonName(verdict.reason)},
       {"field", verdict.field},
       {"function", verdict.function}});
  Refuse(refusal, sql::RefusalReasonName(verdict.reason), verdict.message);
  return FilterStatus::kStopIteration;
}

FilterStatus MaskingFilter::OnReply(const mysql::ReplyPacket& packet,
                                    std::span<uint8_t> payload,
                                    Refusal& refusal) {
  if (packet.kind == mysql::ReplyKind::kOk ||
      packet.kind == mysql::ReplyKind::kEof) {
    no_backslash_escapes_ =
        (packet.status_flags & mysql::kServerStatusNoBackslashEscapes) != 0;
  }
  if (!active_) return FilterStatus::kContinue;
  switch (packet.kind) {
    case mysql::ReplyKind::kColumnCount: current_ = {}; break;
    case mysql::ReplyKind::kColumnDefinition:
      return OnColumnDefinition(payload, refusal);
    case mysql::ReplyKind::kEof:
      // The metadata of a cursor ends here; its rows come with FETCH.
      if (command_ == mysql::kComStmtExecute && cursor_requested_ &&
          (packet.status_flags & mysql::kServerStatusCursorExists) != 0) {
        cursors_[statement_id_] = current_;
      }
      break;
    case mysql::ReplyKind::kRow: return OnRow(packet, payload, refusal);
    default: break;
  }
  return FilterStatus::kContinue;
}

FilterStatus MaskingFilter::OnColumnDefinition(mysql::ByteView payload,
                                               Refusal& refusal) {
  auto column = mysql::ParseColumnDefinition(payload, capabilities_);
  if (!column.ok()) {
    Refuse(refusal, "bad_column_definition",
           "The server sent a column definition the masking filter cannot "
           "read; result refused.");
    return FilterStatus::kStopIteration;
  }
  const masking::Rule* rule =
      rules_->RuleFor({column->schema, column->org_table, column->org_name},
                      identity_.user, identity_.host);
  if (rule != nullptr && !mysql::IsStringType(column->type)) {
    // MaxScale passes such values on unmasked; Coffer refuses the result.
    Log(LogLevel::kError,
        "masking: a rule matches a column that is not a string; result "
        "refused (fix the rules)",
        {{"rule", static_cast<int64_t>(rule->index())},
         {"target", rule->Describe()},
         {"type", static_cast<int64_t>(column->type)},
         {"account", account_}});
    Refuse(refusal, "rule_on_non_string",
           "The masking rule targeting \"" + rule->Describe() +
               "\" matches a column that is not of string type; the result "
               "is refused (masking filter configuration error).");
    return FilterStatus::kStopIteration;
  }
  current_.rules.push_back(rule);
  current_.types.push_back(column->type);
  current_.masks_any = current_.masks_any || rule != nullptr;
  return FilterStatus::kContinue;
}

FilterStatus MaskingFilter::OnRow(const mysql::ReplyPacket& packet,
                                  std::span<uint8_t> payload,
                                  Refusal& refusal) {
  if (!current_.masks_any) return FilterStatus::kContinue;
  auto spans = packet.binary
                   ? mysql::BinaryRowValues(payload, current_.types)
                   : mysql::TextRowValues(payload, current_.rules.size());
  if (!spans.ok() || spans->size() != current_.rules.size()) {
    Refuse(refusal, "bad_row",
           "The server sent a row the masking filter cannot read; result "
           "refused.");
    return FilterStatus::kStopIteration;
  }
  uint64_t masked = 0;
  for (size_t i = 0; i < spans->size(); ++i) {
    const masking::Rule* rule = current_.rules[i];
    const mysql::ValueSpan& span = (*spans)[i];
    if (rule == nullptr || span.is_null) continue;
    std::span<char> value(reinterpret_cast<char*>(payload.data() + span.offset),
                          span.length);
    // A failed match rule has overwritten the whole value: still masked.
    (void)rule->Rewrite(value);
    ++masked;
  }
  if (metrics_ != nullptr && masked > 0) metrics_->MaskedValues(masked);
  return FilterStatus::kContinue;
}

}  // namespace coffer::proxy

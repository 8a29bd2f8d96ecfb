// ReplyTracker: which packet of a server reply is which, and when the
// reply is over.
//
// A relaying proxy sees the client's commands and the server's replies as
// logical packets. It tells the tracker each command it forwards
// (OnCommand), then each reply packet (OnPacket); the tracker classifies
// the packet (OK, ERR, column count, column definition, row, ...) and
// says whether the reply is complete, so that the proxy knows which
// packets are rows to mask and when the server waits for the next command.
//
// Covered: text results (COM_QUERY), binary results (COM_STMT_EXECUTE,
// COM_STMT_FETCH, COM_STMT_BULK_EXECUTE), multi-results
// (kServerMoreResultsExist on the OK or EOF that ends a result), both EOF
// styles (classic EOF packets, or with kClientDeprecateEof no EOF after
// column definitions and an OK with header 0xFE after rows), cursors (an
// EXECUTE whose metadata ends with kServerStatusCursorExists; rows then
// come with FETCH), COM_STMT_PREPARE (PrepareOk, parameter definitions,
// column definitions), COM_FIELD_LIST, COM_STATISTICS, LOCAL INFILE,
// COM_CHANGE_USER's authentication exchange, MariaDB progress reports,
// commands without a reply (COM_QUIT, COM_STMT_CLOSE,
// COM_STMT_SEND_LONG_DATA) and pipelined commands (queued in order).
// Not covered: replication streams (COM_BINLOG_DUMP, COM_REGISTER_SLAVE:
// kUnimplemented), COM_MULTI, cached result metadata
// (kMariaDbClientCacheMetadata; a column count packet announcing that the
// definitions are omitted is kUnimplemented), compression.
//
// Errors: a packet that does not fit the current state is
// kInvalidArgument ("unexpected 0x03 packet (33 bytes) while expecting the
// EOF after the column definitions"); a packet when no reply is expected
// is kFailedPrecondition. After an error the tracker is broken and the
// connection should be closed; OnPacket keeps failing.
//
// Rows are classified, not parsed: use result_rows.h with columns().
// Thread safety: one thread per tracker (one per connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mysql/messages.h"
#include "mysql/wire.h"

namespace coffer::mysql {

enum class ReplyKind {
  kOk,
  kErr,
  // A classic EOF packet, or under kClientDeprecateEof the OK packet with
  // header 0xFE that ends rows (and COM_FIELD_LIST, and cursor metadata).
  kEof,
  kProgress,  // MariaDB progress report; the reply goes on
  kLocalInfileRequest,
  kColumnCount,
  kColumnDefinition,
  kRow,
  kPrepareOk,
  kParamDefinition,
  kStatistics,
  kAuthSwitchRequest,
  kAuthMoreData,
};

std::string_view ReplyKindName(ReplyKind kind);

struct ReplyPacket {
  ReplyKind kind = ReplyKind::kOk;
  // kColumnDefinition, kParamDefinition: position within its list.
  size_t index = 0;
  uint64_t column_count = 0;  // kColumnCount
  bool binary = false;        // kRow: binary protocol (else text)
  uint16_t status_flags = 0;  // kOk, kEof
  // This packet ends the reply to its command.
  bool reply_complete = false;
  // The server now waits for the client: the contents of a LOCAL INFILE
  // file, or an auth response. Call ClientDataSent() after relaying them.
  bool awaiting_client_data = false;
};

struct Command {
  uint8_t code = 0;
  bool cursor_requested = false;  // COM_STMT_EXECUTE with a cursor type
};

// The command a client payload carries (its first byte, and for
// COM_STMT_EXECUTE its cursor flags). kInvalidArgument when empty or an
// EXECUTE is too short.
StatusOr<Command> CommandFromPayload(ByteView payload);

class ReplyTracker {
 public:
  // `capabilities`: those negotiated for the connection.
  explicit ReplyTracker(uint64_t capabilities) : capabilities_(capabilities) {}

  // A command the client sent. Its reply is tracked after those of
  // earlier commands still in progress. kUnimplemented for replication
  // commands.
  Status OnCommand(const Command& command);
  // The same, from the client's command payload.
  Status OnCommandPayload(ByteView payload);
  // Tracks the authentication exchange after a HandshakeResponse (the same
  // one as after COM_CHANGE_USER).
  Status OnHandshakeResponse();

  // Classifies the next reply packet (a whole logical payload).
  StatusOr<ReplyPacket> OnPacket(ByteView payload);

  // The client has sent what the server waited for (the empty packet that
  // ends LOCAL INFILE data, or one auth response). kFailedPrecondition
  // when the server was not waiting.
  Status ClientDataSent();

  // No reply is in progress or queued.
  bool complete() const { return state_ == State::kIdle && queued_.empty(); }
  bool awaiting_client_data() const {
    return state_ == State::kAwaitingClientData;
  }

  // Column definitions of the current (or last) result set, or of the
  // last prepared statement; parameter definitions of the last prepare.
  const std::vector<ColumnDefinition>& columns() const { return columns_; }
  const std::vector<ColumnDefinition>& params() const { return params_; }
  std::vector<uint8_t> column_types() const;
  // The PrepareOk of the last COM_STMT_PREPARE reply.
  const std::optional<PrepareOk>& prepare_ok() const { return prepare_ok_; }

 private:
  enum class State {
    kIdle,
    kResultStart,
    kColumnDefinitions,
    kColumnsEof,
    kRows,
    kInfileResult,
    kOkOrErr,
    kStatistics,
    kPrepareOk,
    kParamDefinitions,
    kParamsEof,
    kFieldList,
    kAuth,
    kAwaitingClientData,
    kBroken,
  };
  enum class Mode { kText, kBinary, kPrepare };

  void Begin(const Command& command);
  StatusOr<ReplyPacket> Dispatch(ByteView payload);
  StatusOr<ReplyPacket> OnResultStart(ByteView payload);
  StatusOr<ReplyPacket> OnColumnDefinition(ByteView payload);
  StatusOr<ReplyPacket> OnColumnsEof(ByteView payload);
  StatusOr<ReplyPacket> OnRow(ByteView payload);
  StatusOr<ReplyPacket> OnInfileResult(ByteView payload);
  StatusOr<ReplyPacket> OnOkOrErr(ByteView payload);
  StatusOr<ReplyPacket> OnPrepareOk(ByteView payload);
  StatusOr<ReplyPacket> OnParamDefinition(ByteView payload);
  StatusOr<ReplyPacket> OnParamsEof(ByteView payload);
  StatusOr<ReplyPacket> OnFieldList(ByteView payload);
  StatusOr<ReplyPacket> OnAuth(ByteView payload);
  StatusOr<ReplyPacket> OnErr(ByteView payload);

  bool deprecate_eof() const;
  // 0xFE and short enough to be an EOF (or its OK replacement), not a row.
  bool IsTerminator(ByteView payload) const;
  StatusOr<uint16_t> TerminatorStatus(ByteView payload) const;
  void StartColumns(State next, uint64_t count);
  void AfterParams();
  void AfterColumns();
  // Ends a result set: another follows with kServerMoreResultsExist.
  ReplyPacket EndResult(ReplyPacket packet);
  ReplyPacket EndReply(ReplyPacket packet);
  Status Unexpected(ByteView payload) const;
  std::string_view Expecting() const;

  uint64_t capabilities_;
  State state_ = State::kIdle;
  State resume_state_ = State::kIdle;
  Mode mode_ = Mode::kText;
  bool multi_results_ = false;
  std::deque<Command> queued_;
  uint64_t remaining_ = 0;
  std::vector<ColumnDefinition> columns_;
  std::vector<ColumnDefinition> params_;
  std::optional<PrepareOk> prepare_ok_;
  Status broken_;
};

}  // namespace coffer::mysql

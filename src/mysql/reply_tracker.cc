#include "mysql/reply_tracker.h"

#include <string>

#include "mysql/capabilities.h"
#include "mysql/handshake.h"
#include "mysql/packet_framer.h"

namespace coffer::mysql {
namespace {

// More columns than a result set can have in MariaDB (a prepared
// statement's count is 16 bits); a bound on what the tracker stores.
constexpr uint64_t kMaxColumns = 0xFFFF;

std::string Hex(uint8_t byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return {'0', 'x', kDigits[byte >> 4], kDigits[byte & 0xF]};
}

ReplyPacket Packet(ReplyKind kind) {
  ReplyPacket packet;
  packet.kind = kind;
  return packet;
}

}  // namespace

std::string_view ReplyKindName(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::kOk: return "OK";
    case ReplyKind::kErr: return "ERR";
    case ReplyKind::kEof: return "EOF";
    case ReplyKind::kProgress: return "progress report";
    case ReplyKind::kLocalInfileRequest: return "LOCAL INFILE request";
    case ReplyKind::kColumnCount: return "column count";
    case ReplyKind::kColumnDefinition: return "column definition";
    case ReplyKind::kRow: return "row";
    case ReplyKind::kPrepareOk: return "prepare OK";
    case ReplyKind::kParamDefinition: return "parameter definition";
    case ReplyKind::kStatistics: return "statistics";
    case ReplyKind::kAuthSwitchRequest: return "auth switch request";
    case ReplyKind::kAuthMoreData: return "auth more data";
  }
  return "unknown";
}

StatusOr<Command> CommandFromPayload(ByteView payload) {
  if (payload.empty()) return InvalidArgumentError("empty command packet");
  Command command{payload[0], false};
  if (command.code == kComStmtExecute) {
    COFFER_ASSIGN_OR_RETURN(StmtExecute execute, ParseStmtExecute(payload));
    command.cursor_requested = execute.cursor_requested();
  }
  return command;
}

Status ReplyTracker::OnCommand(const Command& command) {
  if (state_ == State::kBroken) return broken_;
  if (command.code == kComBinlogDump || command.code == kComBinlogDumpGtid ||
      command.code == kComRegisterSlave || command.code == kComMulti) {
    return UnimplementedError("command " + Hex(command.code) +
                              " (replication or COM_MULTI) is not supported");
  }
  if (state_ != State::kIdle) {
    queued_.push_back(command);
    return OkStatus();
  }
  Begin(command);
  return OkStatus();
}

Status ReplyTracker::OnCommandPayload(ByteView payload) {
  COFFER_ASSIGN_OR_RETURN(Command command, CommandFromPayload(payload));
  return OnCommand(command);
}

Status ReplyTracker::OnHandshakeResponse() {
  return OnCommand(Command{kComChangeUser, false});
}

void ReplyTracker::Begin(const Command& command) {
  multi_results_ = false;
  mode_ = Mode::kText;
  switch (command.code) {
    case kComQuit:
    case kComStmtClose:
    case kComStmtSendLongData: state_ = State::kIdle; return;
    case kComQuery:
    case kComProcessInfo:
      multi_results_ = true;
      state_ = State::kResultStart;
      return;
    case kComStmtExecute:
    case kComStmtBulkExecute:
      multi_results_ = true;
      mode_ = Mode::kBinary;
      state_ = State::kResultStart;
      return;
    case kComStmtFetch:
      mode_ = Mode::kBinary;
      state_ = State::kRows;
      return;
    case kComStmtPrepare:
      mode_ = Mode::kPrepare;
      state_ = State::kPrepareOk;
      return;
    case kComFieldList:
      columns_.clear();
      state_ = State::kFieldList;
      return;
    case kComStatistics: state_ = State::kStatistics; return;
    case kComChangeUser: state_ = State::kAuth; return;
    default: state_ = State::kOkOrErr; return;
  }
}

StatusOr<ReplyPacket> ReplyTracker::OnPacket(ByteView payload) {
  if (state_ == State::kBroken) return broken_;
  if (state_ == State::kIdle) {
    return FailedPreconditionError(
        "unexpected " +
        (payload.empty() ? std::string("empty") : Hex(payload[0])) +
        " packet from the server while no reply is expected");
  }
  if (state_ == State::kAwaitingClientData) {
    return FailedPreconditionError(
        "unexpected packet from the server while it waits for client data");
  }
  StatusOr<ReplyPacket> packet = Dispatch(payload);
  if (!packet.ok()) {
    broken_ = packet.status();
    state_ = State::kBroken;
  }
  return packet;
}

StatusOr<ReplyPacket> ReplyTracker::Dispatch(ByteView payload) {
  if (payload.empty()) return Unexpected(payload);
  if (payload[0] == kErrHeader) return OnErr(payload);
  switch (state_) {
    case State::kResultStart: return OnResultStart(payload);
    case State::kColumnDefinitions: return OnColumnDefinition(payload);
    case State::kColumnsEof: return OnColumnsEof(payload);
    case State::kRows: return OnRow(payload);
    case State::kInfileResult: return OnInfileResult(payload);
    case State::kOkOrErr: return OnOkOrErr(payload);
    case State::kStatistics: return EndReply(Packet(ReplyKind::kStatistics));
    case State::kPrepareOk: return OnPrepareOk(payload);
    case State::kParamDefinitions: return OnParamDefinition(payload);
    case State::kParamsEof: return OnParamsEof(payload);
    case State::kFieldList: return OnFieldList(payload);
    case State::kAuth: return OnAuth(payload);
    case State::kIdle:
    case State::kAwaitingClientData:
    case State::kBroken: break;
  }
  return InternalError("reply tracker in an impossible state");
}

StatusOr<ReplyPacket> ReplyTracker::OnErr(ByteView payload) {
  if (IsProgressReport(payload)) return Packet(ReplyKind::kProgress);
  COFFER_RETURN_IF_ERROR(ParseErr(payload).status());
  return EndReply(Packet(ReplyKind::kErr));
}

StatusOr<ReplyPacket> ReplyTracker::OnResultStart(ByteView payload) {
  switch (payload[0]) {
    case kOkHeader: {
      COFFER_ASSIGN_OR_RETURN(OkPacket ok, ParseOk(payload, capabilities_));
      ReplyPacket packet = Packet(ReplyKind::kOk);
      packet.status_flags = ok.status_flags;
      return EndResult(packet);
    }
    case kLocalInfileHeader: {
      state_ = State::kAwaitingClientData;
      resume_state_ = State::kInfileResult;
      ReplyPacket packet = Packet(ReplyKind::kLocalInfileRequest);
      packet.awaiting_client_data = true;
      return packet;
    }
    case kEofHeader: return Unexpected(payload);
    default: break;
  }
  COFFER_ASSIGN_OR_RETURN(uint64_t count, ParseColumnCount(payload));
  if (count > kMaxColumns) {
    return InvalidArgumentError("result set announces " +
                                std::to_string(count) + " columns, more than " +
                                std::to_string(kMaxColumns));
  }
  StartColumns(State::kColumnDefinitions, count);
  ReplyPacket packet = Packet(ReplyKind::kColumnCount);
  packet.column_count = count;
  return packet;
}

void ReplyTracker::StartColumns(State next, uint64_t count) {
  columns_.clear();
  remaining_ = count;
  state_ = next;
}

StatusOr<ReplyPacket> ReplyTracker::OnColumnDefinition(ByteView payload) {
  if (IsTerminator(payload) || payload[0] == kOkHeader) {
    return Unexpected(payload);
  }
  auto column = ParseColumnDefinition(payload, capabilities_);
  if (!column.ok()) return column.status().WithContext(Expecting());
  columns_.push_back(std::move(column).value());
  ReplyPacket packet = Packet(ReplyKind::kColumnDefinition);
  packet.index = columns_.size() - 1;
  if (--remaining_ == 0) {
    AfterColumns();
    if (state_ == State::kIdle) return EndReply(packet);
  }
  return packet;
}

void ReplyTracker::AfterColumns() {
  if (!deprecate_eof()) {
    state_ = State::kColumnsEof;
  } else if (mode_ == Mode::kPrepare) {
    state_ = State::kIdle;  // the caller ends the reply
  } else {
    state_ = State::kRows;
  }
}

StatusOr<ReplyPacket> ReplyTracker::OnColumnsEof(ByteView payload) {
  if (!IsEofPacket(payload)) return Unexpected(payload);
  COFFER_ASSIGN_OR_RETURN(EofPacket eof, ParseEof(payload));
  ReplyPacket packet = Packet(ReplyKind::kEof);
  packet.status_flags = eof.status_flags;
  if (mode_ == Mode::kPrepare) return EndReply(packet);
  if (mode_ == Mode::kBinary &&
      (eof.status_flags & kServerStatusCursorExists) != 0) {
    return EndReply(packet);  // rows come with COM_STMT_FETCH
  }
  state_ = State::kRows;
  return packet;
}

StatusOr<ReplyPacket> ReplyTracker::OnRow(ByteView payload) {
  if (IsTerminator(payload)) {
    COFFER_ASSIGN_OR_RETURN(uint16_t status, TerminatorStatus(payload));
    ReplyPacket packet = Packet(ReplyKind::kEof);
    packet.status_flags = status;
    return EndResult(packet);
  }
  ReplyPacket packet = Packet(ReplyKind::kRow);
  packet.binary = mode_ == Mode::kBinary;
  if (packet.binary && payload[0] != 0x00) return Unexpected(payload);
  return packet;
}

StatusOr<ReplyPacket> ReplyTracker::OnInfileResult(ByteView payload) {
  if (payload[0] != kOkHeader) return Unexpected(payload);
  COFFER_ASSIGN_OR_RETURN(OkPacket ok, ParseOk(payload, capabilities_));
  ReplyPacket packet = Packet(ReplyKind::kOk);
  packet.status_flags = ok.status_flags;
  return EndResult(packet);
}

StatusOr<ReplyPacket> ReplyTracker::OnOkOrErr(ByteView payload) {
  if (payload[0] == kOkHeader) {
    COFFER_ASSIGN_OR_RETURN(OkPacket ok, ParseOk(payload, capabilities_));
    ReplyPacket packet = Packet(ReplyKind::kOk);
    packet.status_flags = ok.status_flags;
    return EndReply(packet);
  }
  // COM_SET_OPTION and COM_DEBUG answer with an EOF.
  if (IsTerminator(payload)) {
    COFFER_ASSIGN_OR_RETURN(uint16_t status, TerminatorStatus(payload));
    ReplyPacket packet = Packet(ReplyKind::kEof);
    packet.status_flags = status;
    return EndReply(packet);
  }
  return Unexpected(payload);
}

StatusOr<ReplyPacket> ReplyTracker::OnPrepareOk(ByteView payload) {
  if (payload[0] != kOkHeader) return Unexpected(payload);
  COFFER_ASSIGN_OR_RETURN(PrepareOk ok, ParsePrepareOk(payload));
  if (ok.metadata_follows == 0) {
    return UnimplementedError(
        "COM_STMT_PREPARE OK without parameter and column definitions "
        "(metadata-follows 0) is not supported");
  }
  prepare_ok_ = ok;
  params_.clear();
  columns_.clear();
  remaining_ = ok.num_params;
  state_ = State::kParamDefinitions;
  ReplyPacket packet = Packet(ReplyKind::kPrepareOk);
  packet.column_count = ok.num_columns;
  if (ok.num_params == 0) {
    AfterParams();
    if (state_ == State::kIdle) return EndReply(packet);
  }
  return packet;
}

StatusOr<ReplyPacket> ReplyTracker::OnParamDefinition(ByteView payload) {
  if (IsTerminator(payload) || payload[0] == kOkHeader) {
    return Unexpected(payload);
  }
  auto param = ParseColumnDefinition(payload, capabilities_);
  if (!param.ok()) return param.status().WithContext(Expecting());
  params_.push_back(std::move(param).value());
  ReplyPacket packet = Packet(ReplyKind::kParamDefinition);
  packet.index = params_.size() - 1;
  if (--remaining_ == 0) {
    if (!deprecate_eof()) {
      state_ = State::kParamsEof;
    } else {
      AfterParams();
      if (state_ == State::kIdle) return EndReply(packet);
    }
  }
  return packet;
}

StatusOr<ReplyPacket> ReplyTracker::OnParamsEof(ByteView payload) {
  if (!IsEofPacket(payload)) return Unexpected(payload);
  COFFER_ASSIGN_OR_RETURN(EofPacket eof, ParseEof(payload));
  ReplyPacket packet = Packet(ReplyKind::kEof);
  packet.status_flags = eof.status_flags;
  AfterParams();
  if (state_ == State::kIdle) return EndReply(packet);
  return packet;
}

// Sets kIdle when the prepare reply has no column definitions.
void ReplyTracker::AfterParams() {
  const uint16_t columns =
      prepare_ok_.has_value() ? prepare_ok_->num_columns : 0;
  if (columns == 0) {
    state_ = State::kIdle;
    return;
  }
  StartColumns(State::kColumnDefinitions, columns);
}

StatusOr<ReplyPacket> ReplyTracker::OnFieldList(ByteView payload) {
  if (IsTerminator(payload)) {
    COFFER_ASSIGN_OR_RETURN(uint16_t status, TerminatorStatus(payload));
    ReplyPacket packet = Packet(ReplyKind::kEof);
    packet.status_flags = status;
    return EndReply(packet);
  }
  if (columns_.size() >= kMaxColumns) return Unexpected(payload);
  auto column = ParseColumnDefinition(payload, capabilities_);
  if (!column.ok()) return column.status().WithContext(Expecting());
  columns_.push_back(std::move(column).value());
  ReplyPacket packet = Packet(ReplyKind::kColumnDefinition);
  packet.index = columns_.size() - 1;
  return packet;
}

StatusOr<ReplyPacket> ReplyTracker::OnAuth(ByteView payload) {
  switch (payload[0]) {
    case kOkHeader: {
      COFFER_ASSIGN_OR_RETURN(OkPacket ok, ParseOk(payload, capabilities_));
      ReplyPacket packet = Packet(ReplyKind::kOk);
      packet.status_flags = ok.status_flags;
      return EndReply(packet);
    }
    case kEofHeader: {
      COFFER_RETURN_IF_ERROR(ParseAuthSwitchRequest(payload).status());
      state_ = State::kAwaitingClientData;
      resume_state_ = State::kAuth;
      ReplyPacket packet = Packet(ReplyKind::kAuthSwitchRequest);
      packet.awaiting_client_data = true;
      return packet;
    }
    // Whether the client answers AuthMoreData depends on the plugin: the
    // caller relays both directions until OK or ERR.
    case kAuthMoreDataHeader: return Packet(ReplyKind::kAuthMoreData);
    default: return Unexpected(payload);
  }
}

Status ReplyTracker::ClientDataSent() {
  if (state_ != State::kAwaitingClientData) {
    return FailedPreconditionError(
        "client data sent while the server does not wait for any");
  }
  state_ = resume_state_;
  return OkStatus();
}

std::vector<uint8_t> ReplyTracker::column_types() const {
  std::vector<uint8_t> types;
  types.reserve(columns_.size());
  for (const ColumnDefinition& column : columns_) types.push_back(column.type);
  return types;
}

bool ReplyTracker::deprecate_eof() const {
  return (capabilities_ & kClientDeprecateEof) != 0;
}

bool ReplyTracker::IsTerminator(ByteView payload) const {
  if (payload.empty() || payload[0] != kEofHeader) return false;
  return deprecate_eof() ? payload.size() < kMaxPacketPayload
                         : payload.size() < kMaxEofPacketSize;
}

StatusOr<uint16_t> ReplyTracker::TerminatorStatus(ByteView payload) const {
  if (deprecate_eof()) {
    COFFER_ASSIGN_OR_RETURN(OkPacket ok, ParseOk(payload, capabilities_));
    return ok.status_flags;
  }
  COFFER_ASSIGN_OR_RETURN(EofPacket eof, ParseEof(payload));
  return eof.status_flags;
}

ReplyPacket ReplyTracker::EndResult(ReplyPacket packet) {
  if (multi_results_ && (packet.status_flags & kServerMoreResultsExist) != 0) {
    state_ = State::kResultStart;
    return packet;
  }
  return EndReply(packet);
}

ReplyPacket ReplyTracker::EndReply(ReplyPacket packet) {
  packet.reply_complete = true;
  state_ = State::kIdle;
  while (state_ == State::kIdle && !queued_.empty()) {
    const Command next = queued_.front();
    queued_.pop_front();
    Begin(next);
  }
  return packet;
}

Status ReplyTracker::Unexpected(ByteView payload) const {
  if (payload.empty()) {
    return InvalidArgumentError("unexpected empty packet while expecting " +
                                std::string(Expecting()));
  }
  return InvalidArgumentError("unexpected " + Hex(payload[0]) + " packet (" +
                              std::to_string(payload.size()) +
                              " bytes) while expecting " +
                              std::string(Expecting()));
}

std::string_view ReplyTracker::Expecting() const {
  switch (state_) {
    case State::kResultStart:
      return "the start of a result (OK, ERR, LOCAL INFILE request or "
             "column count)";
    case State::kColumnDefinitions: return "a column definition";
    case State::kColumnsEof: return "the EOF after the column definitions";
    case State::kRows: return "a row or the end of the rows";
    case State::kInfileResult: return "the OK after LOCAL INFILE data";
    case State::kOkOrErr: return "OK or ERR";
    case State::kStatistics: return "the statistics string";
    case State::kPrepareOk: return "a COM_STMT_PREPARE OK";
    case State::kParamDefinitions: return "a parameter definition";
    case State::kParamsEof: return "the EOF after the parameter definitions";
    case State::kFieldList: return "a column definition or EOF";
    case State::kAuth:
      return "an authentication reply (OK, ERR, auth switch or more data)";
    case State::kIdle: return "nothing";
    case State::kAwaitingClientData: return "client data";
    case State::kBroken: return "nothing (broken)";
  }
  return "nothing";
}

}  // namespace coffer::mysql

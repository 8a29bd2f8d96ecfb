#include "mysql/messages.h"

#include <string>

#include "mysql/capabilities.h"

namespace coffer::mysql {
namespace {

constexpr uint64_t kColumnFixedFieldsLength = 0x0C;

Status CheckHeader(Reader& reader, uint8_t expected) {
  COFFER_ASSIGN_OR_RETURN(uint8_t header, reader.ReadU8("header"));
  if (header == expected) return OkStatus();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string message = "header 0x";
  message += kHex[header >> 4];
  message += kHex[header & 0xF];
  message += " is not 0x";
  message += kHex[expected >> 4];
  message += kHex[expected & 0xF];
  return reader.Error(message);
}

StatusOr<std::vector<SessionStateChange>> ParseSessionState(
    std::string_view block) {
  Reader reader(AsBytes(block), "session state information");
  std::vector<SessionStateChange> changes;
  while (!reader.empty()) {
    SessionStateChange change;
    COFFER_ASSIGN_OR_RETURN(change.type, reader.ReadU8("change type"));
    COFFER_ASSIGN_OR_RETURN(change.data, reader.ReadLenencString("change"));
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace

StatusOr<OkPacket> ParseOk(ByteView payload, uint64_t capabilities) {
  Reader reader(payload, "OK packet");
  OkPacket ok;
  COFFER_ASSIGN_OR_RETURN(ok.header, reader.ReadU8("header"));
  if (ok.header != kOkHeader && ok.header != kEofHeader) {
    return InvalidArgumentError("OK packet: header " +
                                std::to_string(ok.header) +
                                " is neither 0x00 nor 0xfe");
  }
  COFFER_ASSIGN_OR_RETURN(ok.affected_rows, reader.ReadLenenc("affected rows"));
  COFFER_ASSIGN_OR_RETURN(ok.last_insert_id,
                          reader.ReadLenenc("last insert id"));
  COFFER_ASSIGN_OR_RETURN(ok.status_flags, reader.ReadU16("status flags"));
  COFFER_ASSIGN_OR_RETURN(ok.warnings, reader.ReadU16("warnings"));
  if (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(ok.info, reader.ReadLenencString("info"));
  }
  const bool tracked = (capabilities & kClientSessionTrack) != 0 &&
                       (ok.status_flags & kServerSessionStateChanged) != 0;
  if (tracked && !reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(std::string_view block,
                            reader.ReadLenencString("session state"));
    COFFER_ASSIGN_OR_RETURN(ok.session_state, ParseSessionState(block));
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return ok;
}

coffer::Bytes EncodeOk(const OkPacket& ok, uint64_t capabilities) {
  Writer writer;
  writer.U8(ok.header);
  writer.Lenenc(ok.affected_rows);
  writer.Lenenc(ok.last_insert_id);
  writer.U16(ok.status_flags);
  writer.U16(ok.warnings);
  const bool tracking = (capabilities & kClientSessionTrack) != 0;
  const bool changed =
      tracking && (ok.status_flags & kServerSessionStateChanged) != 0;
  if (changed || !ok.info.empty()) writer.LenencString(ok.info);
  if (changed) {
    Writer block;
    for (const SessionStateChange& change : ok.session_state) {
      block.U8(change.type);
      block.LenencString(change.data);
    }
    writer.LenencString(AsString(block.bytes()));
  }
  return std::move(writer).Take();
}

StatusOr<std::vector<SystemVariableChange>> SystemVariableChanges(
    const OkPacket& ok) {
  std::vector<SystemVariableChange> variables;
  for (const SessionStateChange& change : ok.session_state) {
    if (change.type != kSessionTrackSystemVariables) continue;
    Reader reader(AsBytes(change.data), "system variable change");
    SystemVariableChange variable;
    COFFER_ASSIGN_OR_RETURN(variable.name, reader.ReadLenencString("name"));
    COFFER_ASSIGN_OR_RETURN(variable.value, reader.ReadLenencString("value"));
    COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
    variables.push_back(std::move(variable));
  }
  return variables;
}

bool IsProgressReport(ByteView payload) {
  return payload.size() >= 3 && payload[0] == kErrHeader &&
         payload[1] == 0xFF && payload[2] == 0xFF;
}

StatusOr<ErrPacket> ParseErr(ByteView payload) {
  Reader reader(payload, "ERR packet");
  COFFER_RETURN_IF_ERROR(CheckHeader(reader, kErrHeader));
  ErrPacket err;
  COFFER_ASSIGN_OR_RETURN(err.code, reader.ReadU16("error code"));
  if (err.code == 0xFFFF) {
    return reader.Error("is a progress report (code 0xffff), not an error");
  }
  if (!reader.empty() && *reader.Peek("marker") == '#') {
    COFFER_RETURN_IF_ERROR(reader.Skip(1, "SQLSTATE marker"));
    COFFER_ASSIGN_OR_RETURN(err.sql_state, reader.ReadString(5, "SQLSTATE"));
  }
  err.message = reader.ReadRest();
  return err;
}

StatusOr<coffer::Bytes> EncodeError(uint16_t code, std::string_view sql_state,
                                    std::string_view message) {
  if (!sql_state.empty() && sql_state.size() != 5) {
    return InvalidArgumentError("ERR packet: SQLSTATE \"" +
                                std::string(sql_state) +
                                "\" is not 5 characters");
  }
  if (code == 0xFFFF) {
    return InvalidArgumentError(
        "ERR packet: code 0xffff is reserved for progress reports");
  }
  Writer writer;
  writer.U8(kErrHeader);
  writer.U16(code);
  if (!sql_state.empty()) {
    writer.U8('#');
    writer.Append(sql_state);
  }
  writer.Append(message);
  return std::move(writer).Take();
}

bool IsEofPacket(ByteView payload) {
  return !payload.empty() && payload[0] == kEofHeader &&
         payload.size() < kMaxEofPacketSize;
}

StatusOr<EofPacket> ParseEof(ByteView payload) {
  Reader reader(payload, "EOF packet");
  COFFER_RETURN_IF_ERROR(CheckHeader(reader, kEofHeader));
  EofPacket eof;
  COFFER_ASSIGN_OR_RETURN(eof.warnings, reader.ReadU16("warnings"));
  COFFER_ASSIGN_OR_RETURN(eof.status_flags, reader.ReadU16("status flags"));
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return eof;
}

coffer::Bytes EncodeEof(const EofPacket& eof) {
  Writer writer;
  writer.U8(kEofHeader);
  writer.U16(eof.warnings);
  writer.U16(eof.status_flags);
  return std::move(writer).Take();
}

StatusOr<uint64_t> ParseColumnCount(ByteView payload) {
  Reader reader(payload, "column count packet");
  COFFER_ASSIGN_OR_RETURN(uint64_t count, reader.ReadLenenc("column count"));
  if (count == 0) return reader.Error("column count is 0");
  if (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(uint8_t follows, reader.ReadU8("metadata follows"));
    if (follows == 0) {
      return UnimplementedError(
          "column count packet: a result set without column definitions "
          "(cached metadata) is not supported");
    }
    if (follows != 1) return reader.Error("metadata-follows flag is not 0/1");
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return count;
}

coffer::Bytes EncodeColumnCount(uint64_t count) {
  Writer writer;
  writer.Lenenc(count);
  return std::move(writer).Take();
}

StatusOr<ColumnDefinition> ParseColumnDefinition(ByteView payload,
                                                 uint64_t capabilities) {
  Reader reader(payload, "column definition");
  ColumnDefinition column;
  COFFER_ASSIGN_OR_RETURN(column.catalog, reader.ReadLenencString("catalog"));
  COFFER_ASSIGN_OR_RETURN(column.schema, reader.ReadLenencString("schema"));
  COFFER_ASSIGN_OR_RETURN(column.table, reader.ReadLenencString("table"));
  COFFER_ASSIGN_OR_RETURN(column.org_table,
                          reader.ReadLenencString("org_table"));
  COFFER_ASSIGN_OR_RETURN(column.name, reader.ReadLenencString("name"));
  COFFER_ASSIGN_OR_RETURN(column.org_name, reader.ReadLenencString("org_name"));
  if ((capabilities & kMariaDbClientExtendedTypeInfo) != 0) {
    COFFER_ASSIGN_OR_RETURN(column.extended_type_info,
                            reader.ReadLenencString("extended type info"));
  }
  COFFER_ASSIGN_OR_RETURN(uint64_t fixed_length,
                          reader.ReadLenenc("length of fixed fields"));
  if (fixed_length != kColumnFixedFieldsLength) {
    return reader.Error("length of fixed fields is " +
                        std::to_string(fixed_length) + ", not 12");
  }
  COFFER_ASSIGN_OR_RETURN(column.charset, reader.ReadU16("charset"));
  COFFER_ASSIGN_OR_RETURN(column.column_length,
                          reader.ReadU32("column length"));
  COFFER_ASSIGN_OR_RETURN(column.type, reader.ReadU8("type"));
  COFFER_ASSIGN_OR_RETURN(column.flags, reader.ReadU16("flags"));
  COFFER_ASSIGN_OR_RETURN(column.decimals, reader.ReadU8("decimals"));
  COFFER_RETURN_IF_ERROR(reader.Skip(2, "filler"));
  column.trailing = reader.ReadRest();
  return column;
}

coffer::Bytes EncodeColumnDefinition(const ColumnDefinition& column,
                                     uint64_t capabilities) {
  Writer writer;
  writer.LenencString(column.catalog);
  writer.LenencString(column.schema);
  writer.LenencString(column.table);
  writer.LenencString(column.org_table);
  writer.LenencString(column.name);
  writer.LenencString(column.org_name);
  if ((capabilities & kMariaDbClientExtendedTypeInfo) != 0) {
    writer.LenencString(column.extended_type_info);
  }
  writer.Lenenc(kColumnFixedFieldsLength);
  writer.U16(column.charset);
  writer.U32(column.column_length);
  writer.U8(column.type);
  writer.U16(column.flags);
  writer.U8(column.decimals);
  writer.Zeros(2);
  writer.Append(column.trailing);
  return std::move(writer).Take();
}

StatusOr<PrepareOk> ParsePrepareOk(ByteView payload) {
  Reader reader(payload, "COM_STMT_PREPARE OK");
  COFFER_RETURN_IF_ERROR(CheckHeader(reader, kOkHeader));
  PrepareOk ok;
  COFFER_ASSIGN_OR_RETURN(ok.statement_id, reader.ReadU32("statement id"));
  COFFER_ASSIGN_OR_RETURN(ok.num_columns, reader.ReadU16("number of columns"));
  COFFER_ASSIGN_OR_RETURN(ok.num_params, reader.ReadU16("number of params"));
  COFFER_RETURN_IF_ERROR(reader.Skip(1, "reserved"));
  COFFER_ASSIGN_OR_RETURN(ok.warnings, reader.ReadU16("warnings"));
  if (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(ok.metadata_follows,
                            reader.ReadU8("metadata follows"));
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return ok;
}

coffer::Bytes EncodePrepareOk(const PrepareOk& ok) {
  Writer writer;
  writer.U8(kOkHeader);
  writer.U32(ok.statement_id);
  writer.U16(ok.num_columns);
  writer.U16(ok.num_params);
  writer.U8(0);
  writer.U16(ok.warnings);
  if (ok.metadata_follows.has_value()) writer.U8(*ok.metadata_follows);
  return std::move(writer).Take();
}

StatusOr<StmtExecute> ParseStmtExecute(ByteView payload) {
  Reader reader(payload, "COM_STMT_EXECUTE");
  COFFER_RETURN_IF_ERROR(CheckHeader(reader, kComStmtExecute));
  StmtExecute execute;
  COFFER_ASSIGN_OR_RETURN(execute.statement_id, reader.ReadU32("statement id"));
  COFFER_ASSIGN_OR_RETURN(execute.flags, reader.ReadU8("flags"));
  COFFER_ASSIGN_OR_RETURN(execute.iteration_count,
                          reader.ReadU32("iteration count"));
  std::string_view rest = reader.ReadRest();
  execute.parameters.assign(rest.begin(), rest.end());
  return execute;
}

coffer::Bytes EncodeStmtExecute(const StmtExecute& execute) {
  Writer writer;
  writer.U8(kComStmtExecute);
  writer.U32(execute.statement_id);
  writer.U8(execute.flags);
  writer.U32(execute.iteration_count);
  writer.Append(execute.parameters);
  return std::move(writer).Take();
}

StatusOr<StmtFetch> ParseStmtFetch(ByteView payload) {
  Reader reader(payload, "COM_STMT_FETCH");
  COFFER_RETURN_IF_ERROR(CheckHeader(reader, kComStmtFetch));
  StmtFetch fetch;
  COFFER_ASSIGN_OR_RETURN(fetch.statement_id, reader.ReadU32("statement id"));
  COFFER_ASSIGN_OR_RETURN(fetch.num_rows, reader.ReadU32("number of rows"));
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return fetch;
}

coffer::Bytes EncodeStmtFetch(const StmtFetch& fetch) {
  Writer writer;
  writer.U8(kComStmtFetch);
  writer.U32(fetch.statement_id);
  writer.U32(fetch.num_rows);
  return std::move(writer).Take();
}

StatusOr<uint32_t> ParseStatementId(ByteView payload) {
  Reader reader(payload, "statement command");
  COFFER_RETURN_IF_ERROR(reader.Skip(1, "command"));
  return reader.ReadU32("statement id");
}

}  // namespace coffer::mysql

// Command-phase messages: OK, ERR, EOF, column count, column definition,
// COM_STMT_PREPARE OK, and the client's COM_STMT_EXECUTE/COM_STMT_FETCH
// headers.
//
// Parse* takes one untrusted logical payload and returns the message or
// kInvalidArgument naming the field that is missing or wrong and where;
// it never reads out of bounds. Results own their strings. Encode*
// produces a payload that Parse* reads back to an equal message (ERR and
// OK also reproduce MariaDB 10.11's bytes exactly). Functions that take
// `capabilities` need the ones negotiated for the connection (see
// capabilities.h). Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "mysql/wire.h"

namespace coffer::mysql {

inline constexpr uint8_t kOkHeader = 0x00;
inline constexpr uint8_t kEofHeader = 0xFE;
inline constexpr uint8_t kErrHeader = 0xFF;
inline constexpr uint8_t kLocalInfileHeader = 0xFB;
inline constexpr uint8_t kAuthMoreDataHeader = 0x01;
// A classic EOF packet is shorter than this; so is none of the rows.
inline constexpr size_t kMaxEofPacketSize = 9;

// Session state change types (OK packets with kClientSessionTrack).
inline constexpr uint8_t kSessionTrackSystemVariables = 0;
inline constexpr uint8_t kSessionTrackSchema = 1;
inline constexpr uint8_t kSessionTrackStateChange = 2;
inline constexpr uint8_t kSessionTrackGtids = 3;
inline constexpr uint8_t kSessionTrackTransactionCharacteristics = 4;
inline constexpr uint8_t kSessionTrackTransactionState = 5;

// One entry of an OK packet's session state information.
struct SessionStateChange {
  uint8_t type = 0;
  std::string data;  // the entry's bytes after its lenenc length, raw

  friend bool operator==(const SessionStateChange&,
                         const SessionStateChange&) = default;
};

struct SystemVariableChange {
  std::string name;
  std::string value;

  friend bool operator==(const SystemVariableChange&,
                         const SystemVariableChange&) = default;
};

struct OkPacket {
  uint8_t header = kOkHeader;  // 0xFE for the OK that ends rows with
                               // kClientDeprecateEof
  uint64_t affected_rows = 0;
  uint64_t last_insert_id = 0;
  uint16_t status_flags = 0;
  uint16_t warnings = 0;
  std::string info;
  // With kClientSessionTrack and kServerSessionStateChanged.
  std::vector<SessionStateChange> session_state;

  friend bool operator==(const OkPacket&, const OkPacket&) = default;
};

// Accepts header 0x00 or 0xFE. The info string is lenenc, as MariaDB
// sends it; the session state block is read when kClientSessionTrack is
// in `capabilities` and the status has kServerSessionStateChanged.
StatusOr<OkPacket> ParseOk(ByteView payload, uint64_t capabilities);
coffer::Bytes EncodeOk(const OkPacket& ok, uint64_t capabilities);
// The name/value pairs of the kSessionTrackSystemVariables entries.
StatusOr<std::vector<SystemVariableChange>> SystemVariableChanges(
    const OkPacket& ok);

struct ErrPacket {
  uint16_t code = 0;
  std::string sql_state;  // 5 characters, or empty when the '#' is absent
  std::string message;

  friend bool operator==(const ErrPacket&, const ErrPacket&) = default;
};

// MariaDB's progress reports (kMariaDbClientProgress) are 0xFF packets
// with code 0xFFFF; they are not errors and do not end a reply.
bool IsProgressReport(ByteView payload);
// Errors on a progress report.
StatusOr<ErrPacket> ParseErr(ByteView payload);
// kInvalidArgument unless `sql_state` is empty or 5 characters.
StatusOr<coffer::Bytes> EncodeError(uint16_t code, std::string_view sql_state,
                                    std::string_view message);

struct EofPacket {
  uint16_t warnings = 0;
  uint16_t status_flags = 0;

  friend bool operator==(const EofPacket&, const EofPacket&) = default;
};

// True for a classic EOF packet: 0xFE and shorter than 9 bytes.
bool IsEofPacket(ByteView payload);
// The 5-byte protocol-4.1 EOF packet.
StatusOr<EofPacket> ParseEof(ByteView payload);
coffer::Bytes EncodeEof(const EofPacket& eof);

// The first packet of a result set: the number of columns (at least 1).
// A trailing "metadata follows" byte (kMariaDbClientCacheMetadata) of 1 is
// accepted; 0 (the client is to reuse cached column definitions) is
// kUnimplemented, since nothing here keeps such a cache.
StatusOr<uint64_t> ParseColumnCount(ByteView payload);
coffer::Bytes EncodeColumnCount(uint64_t count);

// ColumnDefinition41.
struct ColumnDefinition {
  std::string catalog = "def";
  std::string schema;
  std::string table;
  std::string org_table;
  std::string name;
  std::string org_name;
  // MariaDB's extended type info (kMariaDbClientExtendedTypeInfo only):
  // raw key/value data such as "\x01\x04json".
  std::string extended_type_info;
  uint16_t charset = 0;
  uint32_t column_length = 0;
  uint8_t type = 0;
  uint16_t flags = 0;
  uint8_t decimals = 0;
  // Bytes after the fixed fields: COM_FIELD_LIST's default value.
  std::string trailing;

  friend bool operator==(const ColumnDefinition&,
                         const ColumnDefinition&) = default;
};

StatusOr<ColumnDefinition> ParseColumnDefinition(ByteView payload,
                                                 uint64_t capabilities);
coffer::Bytes EncodeColumnDefinition(const ColumnDefinition& column,
                                     uint64_t capabilities);

// COM_STMT_PREPARE's first reply packet.
struct PrepareOk {
  uint32_t statement_id = 0;
  uint16_t num_columns = 0;
  uint16_t num_params = 0;
  uint16_t warnings = 0;
  std::optional<uint8_t> metadata_follows;  // a 13th byte, if present

  friend bool operator==(const PrepareOk&, const PrepareOk&) = default;
};

StatusOr<PrepareOk> ParsePrepareOk(ByteView payload);
coffer::Bytes EncodePrepareOk(const PrepareOk& ok);

// MariaDB reads this statement id, in COM_STMT_EXECUTE, FETCH, RESET and
// CLOSE, as the statement the last successful COM_STMT_PREPARE made
// (Connector/C's mariadb_stmt_execute_direct sends PREPARE and EXECUTE of
// it together).
inline constexpr uint32_t kLastPreparedStatement = 0xFFFFFFFF;

// The fixed start of COM_STMT_EXECUTE (0x17).
struct StmtExecute {
  uint32_t statement_id = 0;
  uint8_t flags = 0;  // cursor type (kCursorType*) and other flags
  uint32_t iteration_count = 1;
  coffer::Bytes parameters;  // NULL bitmap, types and values, raw

  bool cursor_requested() const { return (flags & 0x07) != 0; }
  friend bool operator==(const StmtExecute&, const StmtExecute&) = default;
};

StatusOr<StmtExecute> ParseStmtExecute(ByteView payload);
coffer::Bytes EncodeStmtExecute(const StmtExecute& execute);

// COM_STMT_FETCH (0x1c).
struct StmtFetch {
  uint32_t statement_id = 0;
  uint32_t num_rows = 0;

  friend bool operator==(const StmtFetch&, const StmtFetch&) = default;
};

StatusOr<StmtFetch> ParseStmtFetch(ByteView payload);
coffer::Bytes EncodeStmtFetch(const StmtFetch& fetch);

// The statement id that starts COM_STMT_CLOSE, COM_STMT_RESET and
// COM_STMT_SEND_LONG_DATA (and EXECUTE and FETCH).
StatusOr<uint32_t> ParseStatementId(ByteView payload);

}  // namespace coffer::mysql

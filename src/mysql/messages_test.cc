#include "mysql/messages.h"

#include <gtest/gtest.h>

#include "mysql/capabilities.h"
#include "mysql/test_bytes.h"

namespace coffer::mysql {
namespace {

using testing::FromHex;
using testing::kClassicCaps;
using testing::kDeprecateEofCaps;

// Every proper prefix of `hex` must fail to parse with kInvalidArgument.
template <typename Parse>
void ExpectEveryTruncationFails(std::string_view hex, Parse parse) {
  const Bytes bytes = FromHex(hex);
  for (size_t size = 0; size < bytes.size(); ++size) {
    auto result = parse(ByteView(bytes).first(size));
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument)
        << "prefix of " << size << " bytes of " << hex;
  }
}

// Captured from MariaDB 10.11 with kClassicCaps (CLIENT_SESSION_TRACK).
constexpr std::string_view kSetAutocommitOk =
    "000000004000000011000f0a6175746f636f6d6d6974034f4646";
constexpr std::string_view kSchemaOk = "0000000240000000080106056d7973716c";
constexpr std::string_view kInsertOk =
    "00020002000000265265636f7264733a203220204475706c6963617465733a2030"
    "20205761726e696e67733a2030";
constexpr std::string_view kSyntaxErr =
    "ff2804233432303030596f75206861766520616e206572726f7220696e20796f75"
    "722053514c2073796e7461783b20636865636b20746865206d616e75616c207468"
    "617420636f72726573706f6e647320746f20796f7572204d617269614442207365"
    "727665722076657273696f6e20666f72207468652072696768742073796e746178"
    "20746f20757365206e65617220276e6f7375636827206174206c696e652031";

TEST(OkPacketTest, ParsesSessionTrackedSystemVariable) {
  auto ok = ParseOk(FromHex(kSetAutocommitOk), kClassicCaps);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->header, kOkHeader);
  EXPECT_EQ(ok->affected_rows, 0u);
  EXPECT_EQ(ok->status_flags, kServerSessionStateChanged);
  ASSERT_EQ(ok->session_state.size(), 1u);
  auto variables = SystemVariableChanges(*ok);
  ASSERT_TRUE(variables.ok());
  ASSERT_EQ(variables->size(), 1u);
  EXPECT_EQ((*variables)[0], (SystemVariableChange{"autocommit", "OFF"}));
  EXPECT_EQ(HexEncode(EncodeOk(*ok, kClassicCaps)), kSetAutocommitOk);
}

TEST(OkPacketTest, KeepsOtherSessionChangesRaw) {
  auto ok = ParseOk(FromHex(kSchemaOk), kClassicCaps);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->session_state.size(), 1u);
  EXPECT_EQ(ok->session_state[0].type, kSessionTrackSchema);
  EXPECT_EQ(ok->session_state[0].data, "\x05mysql");
  EXPECT_TRUE(SystemVariableChanges(*ok)->empty());
  EXPECT_EQ(HexEncode(EncodeOk(*ok, kClassicCaps)), kSchemaOk);
}

TEST(OkPacketTest, ParsesInfo) {
  auto ok = ParseOk(FromHex(kInsertOk), kClassicCaps);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->affected_rows, 2u);
  EXPECT_EQ(ok->status_flags, kServerStatusAutocommit);
  EXPECT_EQ(ok->info, "Records: 2  Duplicates: 0  Warnings: 0");
  EXPECT_EQ(HexEncode(EncodeOk(*ok, kClassicCaps)), kInsertOk);
  EXPECT_EQ(HexEncode(EncodeOk(*ok, kClientProtocol41)), kInsertOk);
}

TEST(OkPacketTest, EofReplacementUnderDeprecateEof) {
  auto ok = ParseOk(FromHex("fe000042000000"), kDeprecateEofCaps);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->header, kEofHeader);
  EXPECT_EQ(ok->status_flags,
            kServerStatusAutocommit | kServerStatusCursorExists);
  EXPECT_EQ(HexEncode(EncodeOk(*ok, kDeprecateEofCaps)), "fe000042000000");
}

TEST(OkPacketTest, RoundTripsLargeNumbers) {
  OkPacket ok;
  ok.affected_rows = 0x123456789;
  ok.last_insert_id = 300;
  ok.warnings = 7;
  ok.info = "x";
  ok.status_flags = kServerSessionStateChanged;
  ok.session_state = {
      {kSessionTrackSystemVariables, std::string("\x04name\x05value", 11)},
      {kSessionTrackGtids,
       "\x00\x05"
       "0-1-2"}};
  auto again = ParseOk(EncodeOk(ok, kClassicCaps), kClassicCaps);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, ok);
}

TEST(OkPacketTest, TruncationsAndTrailingBytes) {
  auto parse = [](ByteView bytes) { return ParseOk(bytes, kClassicCaps); };
  // Prefixes that end after the warnings are complete, shorter OKs.
  for (std::string_view hex : {kSetAutocommitOk, kInsertOk}) {
    const Bytes bytes = FromHex(hex);
    for (size_t size = 0; size < bytes.size(); ++size) {
      auto ok = parse(ByteView(bytes).first(size));
      if (size == 7 || (hex == kSetAutocommitOk && size == 8)) {
        EXPECT_TRUE(ok.ok()) << size;
      } else {
        EXPECT_EQ(ok.status().code(), StatusCode::kInvalidArgument) << size;
      }
    }
  }
  EXPECT_EQ(ParseOk(FromHex("0000000200000000ff"), kClientProtocol41)
                .status()
                .message(),
            "OK packet: has 1 unexpected trailing bytes at offset 8");
  EXPECT_EQ(ParseOk(FromHex("01"), 0).status().message(),
            "OK packet: header 1 is neither 0x00 nor 0xfe");
}

TEST(ErrPacketTest, ParsesARealErrorAndEncodesItBack) {
  auto err = ParseErr(FromHex(kSyntaxErr));
  ASSERT_TRUE(err.ok()) << err.status().ToString();
  EXPECT_EQ(err->code, 1064);
  EXPECT_EQ(err->sql_state, "42000");
  EXPECT_EQ(err->message.substr(0, 30), "You have an error in your SQL ");
  auto encoded = EncodeError(err->code, err->sql_state, err->message);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(HexEncode(*encoded), kSyntaxErr);
}

TEST(ErrPacketTest, WithoutSqlStateAndTruncated) {
  auto err =
      ParseErr(FromHex("ff1504"
                       "4163636573732064656e696564"));
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->code, 1045);
  EXPECT_EQ(err->sql_state, "");
  EXPECT_EQ(err->message, "Access denied");
  EXPECT_EQ(ParseErr(FromHex("ff2804233432")).status().message(),
            "ERR packet truncated: SQLSTATE needs 5 bytes at offset 4, 2 left");
  EXPECT_EQ(ParseErr(FromHex("ff28")).status().message(),
            "ERR packet truncated: error code needs 2 bytes at offset 1, 1 "
            "left");
  EXPECT_EQ(ParseErr(FromHex("00")).status().message(),
            "ERR packet: header 0x00 is not 0xff at offset 1");
}

TEST(ErrPacketTest, ProgressReportsAreNotErrors) {
  const Bytes progress = FromHex(
      "ffffff"
      "01"
      "02"
      "e80300"
      "0473746167");
  EXPECT_TRUE(IsProgressReport(progress));
  EXPECT_FALSE(IsProgressReport(FromHex(kSyntaxErr)));
  EXPECT_EQ(ParseErr(progress).status().message(),
            "ERR packet: is a progress report (code 0xffff), not an error at "
            "offset 3");
}

TEST(ErrPacketTest, EncodeErrorChecksSqlState) {
  EXPECT_EQ(HexEncode(*EncodeError(1045, "28000", "no")),
            "ff1504"
            "233238303030"
            "6e6f");
  EXPECT_EQ(EncodeError(1045, "2800", "no").status().message(),
            "ERR packet: SQLSTATE \"2800\" is not 5 characters");
}

TEST(EofPacketTest, ParsesAndEncodes) {
  const Bytes bytes = FromHex("fe00002200");
  EXPECT_TRUE(IsEofPacket(bytes));
  auto eof = ParseEof(bytes);
  ASSERT_TRUE(eof.ok());
  EXPECT_EQ(eof->warnings, 0);
  EXPECT_EQ(eof->status_flags,
            kServerStatusAutocommit | kServerQueryNoIndexUsed);
  EXPECT_EQ(EncodeEof(*eof), bytes);
  ExpectEveryTruncationFails("fe00002200", ParseEof);
  EXPECT_FALSE(IsEofPacket(FromHex("fe0000000000000000")));  // 9 bytes
}

TEST(ColumnCountTest, ParsesAndRejectsMissingMetadata) {
  EXPECT_EQ(*ParseColumnCount(FromHex("04")), 4u);
  EXPECT_EQ(*ParseColumnCount(FromHex("fc0001")), 256u);
  EXPECT_EQ(*ParseColumnCount(FromHex("0401")), 4u);
  EXPECT_EQ(ParseColumnCount(FromHex("0400")).status().code(),
            StatusCode::kUnimplemented);
  EXPECT_EQ(ParseColumnCount(FromHex("00")).status().message(),
            "column count packet: column count is 0 at offset 1");
  EXPECT_EQ(ParseColumnCount(FromHex("fc01")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeColumnCount(300), FromHex("fc2c01"));
}

// From "select * from t" on t(id int primary key, name varchar(20),
// j json, d datetime).
constexpr std::string_view kIdColumn =
    "03646566056d7973716c017401740269640269640c3f000b000000030350000000";
constexpr std::string_view kJsonColumnExtended =
    "03646566056d7973716c01740174016a016a0601046a736f6e0c2d00ffffffff"
    "fc9000000000";
// COM_FIELD_LIST's definition of `id`, with its default value "0".
constexpr std::string_view kIdFieldListColumn =
    "03646566056d7973716c017401740269640269640c3f000b00000003035000000001"
    "30";

TEST(ColumnDefinitionTest, ParsesARealDefinition) {
  auto column = ParseColumnDefinition(FromHex(kIdColumn), kClassicCaps);
  ASSERT_TRUE(column.ok()) << column.status().ToString();
  EXPECT_EQ(column->catalog, "def");
  EXPECT_EQ(column->schema, "mysql");
  EXPECT_EQ(column->table, "t");
  EXPECT_EQ(column->org_table, "t");
  EXPECT_EQ(column->name, "id");
  EXPECT_EQ(column->org_name, "id");
  EXPECT_EQ(column->charset, 63);
  EXPECT_EQ(column->column_length, 11u);
  EXPECT_EQ(column->type, kTypeLong);
  EXPECT_EQ(column->flags, 0x5003);
  EXPECT_EQ(column->decimals, 0);
  EXPECT_EQ(column->trailing, "");
  EXPECT_EQ(HexEncode(EncodeColumnDefinition(*column, kClassicCaps)),
            kIdColumn);
  ExpectEveryTruncationFails(kIdColumn, [](ByteView bytes) {
    return ParseColumnDefinition(bytes, kClassicCaps);
  });
}

TEST(ColumnDefinitionTest, ParsesMariaDbExtendedTypeInfo) {
  auto column =
      ParseColumnDefinition(FromHex(kJsonColumnExtended), kDeprecateEofCaps);
  ASSERT_TRUE(column.ok()) << column.status().ToString();
  EXPECT_EQ(column->name, "j");
  EXPECT_EQ(column->extended_type_info, "\x01\x04json");
  EXPECT_EQ(column->type, kTypeBlob);
  EXPECT_TRUE(IsStringType(column->type));
  EXPECT_EQ(column->column_length, 0xFFFFFFFFu);
  EXPECT_EQ(HexEncode(EncodeColumnDefinition(*column, kDeprecateEofCaps)),
            kJsonColumnExtended);
  // Read without the capability, the type info is taken for the fixed
  // fields' length.
  EXPECT_EQ(ParseColumnDefinition(FromHex(kJsonColumnExtended), kClassicCaps)
                .status()
                .message(),
            "column definition: length of fixed fields is 6, not 12 at "
            "offset 19");
}

TEST(ColumnDefinitionTest, KeepsFieldListDefaultValue) {
  auto column =
      ParseColumnDefinition(FromHex(kIdFieldListColumn), kClassicCaps);
  ASSERT_TRUE(column.ok()) << column.status().ToString();
  EXPECT_EQ(column->trailing,
            "\x01"
            "0");
  EXPECT_EQ(HexEncode(EncodeColumnDefinition(*column, kClassicCaps)),
            kIdFieldListColumn);
}

TEST(PrepareOkTest, ParsesARealReply) {
  auto ok = ParsePrepareOk(FromHex("000100000004000100000000"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->statement_id, 1u);
  EXPECT_EQ(ok->num_columns, 4);
  EXPECT_EQ(ok->num_params, 1);
  EXPECT_EQ(ok->warnings, 0);
  EXPECT_FALSE(ok->metadata_follows.has_value());
  EXPECT_EQ(HexEncode(EncodePrepareOk(*ok)), "000100000004000100000000");
  ExpectEveryTruncationFails("000100000004000100000000", ParsePrepareOk);
  PrepareOk with_flag = *ok;
  with_flag.metadata_follows = 1;
  EXPECT_EQ(*ParsePrepareOk(EncodePrepareOk(with_flag)), with_flag);
}

TEST(StmtExecuteTest, ParsesCursorFlagAndKeepsParameters) {
  const std::string_view hex = "170100000001010000000001030000000000";
  auto execute = ParseStmtExecute(FromHex(hex));
  ASSERT_TRUE(execute.ok()) << execute.status().ToString();
  EXPECT_EQ(execute->statement_id, 1u);
  EXPECT_EQ(execute->flags, kCursorTypeReadOnly);
  EXPECT_TRUE(execute->cursor_requested());
  EXPECT_EQ(execute->iteration_count, 1u);
  EXPECT_EQ(HexEncode(execute->parameters),
            "00010300"
            "00000000");
  EXPECT_EQ(HexEncode(EncodeStmtExecute(*execute)), hex);
  ExpectEveryTruncationFails("17010000000101000000", ParseStmtExecute);
}

TEST(StmtFetchTest, ParsesAndEncodes) {
  auto fetch = ParseStmtFetch(FromHex("1c0100000001000000"));
  ASSERT_TRUE(fetch.ok());
  EXPECT_EQ(*fetch, (StmtFetch{1, 1}));
  EXPECT_EQ(HexEncode(EncodeStmtFetch(*fetch)), "1c0100000001000000");
  ExpectEveryTruncationFails("1c0100000001000000", ParseStmtFetch);
  EXPECT_EQ(*ParseStatementId(FromHex("1907000000")), 7u);
}

}  // namespace
}  // namespace coffer::mysql

#include "mysql/reply_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mysql/capabilities.h"
#include "mysql/test_bytes.h"

namespace coffer::mysql {
namespace {

using testing::FromHex;
using testing::kClassicCaps;
using testing::kDeprecateEofCaps;

// Replies captured from MariaDB 10.11 to "select * from t" and friends on
// t(id int primary key, name varchar(20), j json, d datetime) holding
// (1, 'ann', '{}', '2024-01-02 03:04:05') and (2, NULL, NULL, NULL).
constexpr std::string_view kIdDef =
    "03646566056d7973716c017401740269640269640c3f000b000000030350000000";
constexpr std::string_view kNameDef =
    "03646566056d7973716c01740174046e616d65046e616d650c2d0050000000fd00"
    "00000000";
constexpr std::string_view kJsonDef =
    "03646566056d7973716c01740174016a016a0c2d00fffffffffc9000000000";
constexpr std::string_view kDateDef =
    "03646566056d7973716c01740174016401640c3f00130000000c8000000000";
// The same with MARIADB_CLIENT_EXTENDED_TYPE_INFO.
constexpr std::string_view kIdDefExt =
    "03646566056d7973716c01740174026964026964000c3f000b000000030350000000";
constexpr std::string_view kNameDefExt =
    "03646566056d7973716c01740174046e616d65046e616d65000c2d0050000000fd"
    "0000000000";
constexpr std::string_view kJsonDefExt =
    "03646566056d7973716c01740174016a016a0601046a736f6e0c2d00ffffffff"
    "fc9000000000";
constexpr std::string_view kDateDefExt =
    "03646566056d7973716c0174017401640164000c3f00130000000c8000000000";
constexpr std::string_view kParamDef =
    "03646566000000013f000c3f0000000000068000000000";
constexpr std::string_view kParamDefExt =
    "03646566000000013f00000c3f0000000000068000000000";
constexpr std::string_view kTextRow1 =
    "013103616e6e027b7d13323032342d30312d30322030333a30343a3035";
constexpr std::string_view kTextRow2 = "0132fbfbfb";
constexpr std::string_view kBinaryRow1 =
    "00000100000003616e6e027b7d07e8070102030405";
constexpr std::string_view kBinaryRow2 = "003802000000";

using Kinds = std::vector<ReplyKind>;
constexpr auto kOk = ReplyKind::kOk;
constexpr auto kErr = ReplyKind::kErr;
constexpr auto kEof = ReplyKind::kEof;
constexpr auto kCount = ReplyKind::kColumnCount;
constexpr auto kDef = ReplyKind::kColumnDefinition;
constexpr auto kRow = ReplyKind::kRow;
constexpr auto kParam = ReplyKind::kParamDefinition;

// Feeds `reply` and checks the kinds; only the last packet may complete
// the reply, and it must.
void ExpectReply(ReplyTracker& tracker,
                 const std::vector<std::string_view>& reply,
                 const Kinds& kinds) {
  ASSERT_EQ(reply.size(), kinds.size());
  for (size_t i = 0; i < reply.size(); ++i) {
    auto packet = tracker.OnPacket(FromHex(reply[i]));
    ASSERT_TRUE(packet.ok())
        << "packet " << i << ": " << packet.status().ToString();
    EXPECT_EQ(ReplyKindName(packet->kind), ReplyKindName(kinds[i]))
        << "packet " << i;
    const bool last = i + 1 == reply.size();
    EXPECT_EQ(packet->reply_complete, last) << "packet " << i;
  }
  EXPECT_TRUE(tracker.complete());
}

Status Send(ReplyTracker& tracker, std::string_view command_hex) {
  return tracker.OnCommandPayload(FromHex(command_hex));
}

const std::string_view kSelectAll = "0373656c656374202a2066726f6d2074";

TEST(ReplyTrackerTest, TextResultWithClassicEof) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(Send(tracker, kSelectAll).ok());
  EXPECT_FALSE(tracker.complete());
  ExpectReply(tracker,
              {"04", kIdDef, kNameDef, kJsonDef, kDateDef, "fe00002200",
               kTextRow1, kTextRow2, "fe00002200"},
              {kCount, kDef, kDef, kDef, kDef, kEof, kRow, kRow, kEof});
  ASSERT_EQ(tracker.columns().size(), 4u);
  EXPECT_EQ(tracker.columns()[1].name, "name");
  EXPECT_EQ(tracker.column_types(),
            (std::vector<uint8_t>{kTypeLong, kTypeVarString, kTypeBlob,
                                  kTypeDateTime}));
}

TEST(ReplyTrackerTest, TextResultWithDeprecateEof) {
  ReplyTracker tracker(kDeprecateEofCaps);
  ASSERT_TRUE(Send(tracker, kSelectAll).ok());
  ExpectReply(tracker,
              {"04", kIdDefExt, kNameDefExt, kJsonDefExt, kDateDefExt,
               kTextRow1, kTextRow2, "fe000022000000"},
              {kCount, kDef, kDef, kDef, kDef, kRow, kRow, kEof});
  EXPECT_EQ(tracker.columns()[2].extended_type_info, "\x01\x04json");
}

TEST(ReplyTrackerTest, MultiResultsClassic) {
  ReplyTracker tracker(kClassicCaps);
  // select 1; select 2 as x
  ASSERT_TRUE(
      Send(tracker, "0373656c65637420313b2073656c65637420322061732078").ok());
  const std::string_view one = "036465660000000131000c3f0001000000038100000000";
  const std::string_view x = "036465660000000178000c3f0001000000038100000000";
  ExpectReply(tracker,
              {"01", one, "fe00000a00", "0131", "fe00000a00", "01", x,
               "fe00000200", "0132", "fe00000200"},
              {kCount, kDef, kEof, kRow, kEof, kCount, kDef, kEof, kRow, kEof});
}

TEST(ReplyTrackerTest, MultiResultsDeprecateEofEndingInOk) {
  ReplyTracker tracker(kDeprecateEofCaps);
  // select * from t where id=1; do 1
  ASSERT_TRUE(Send(tracker,
                   "0373656c656374202a2066726f6d2074207768657265206964"
                   "3d313b20646f2031")
                  .ok());
  ExpectReply(tracker,
              {"04", kIdDefExt, kNameDefExt, kJsonDefExt, kDateDefExt,
               kTextRow1, "fe00000a000000", "00000002000000"},
              {kCount, kDef, kDef, kDef, kDef, kRow, kEof, kOk});
}

TEST(ReplyTrackerTest, OkThenMoreResults) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(tracker.OnCommand({kComQuery, false}).ok());
  // An OK with SERVER_MORE_RESULTS_EXISTS, then an error ends it all.
  ExpectReply(tracker, {"00010008000000", "ff2804233432303030626164"},
              {kOk, kErr});
}

TEST(ReplyTrackerTest, ErrorInTheMiddleOfRowsEndsTheReply) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(Send(tracker, kSelectAll).ok());
  ExpectReply(
      tracker,
      {"04", kIdDef, kNameDef, kJsonDef, kDateDef, "fe00002200", kTextRow1,
       "ff2605233730313030517565727920657865637574696f6e2077617320"
       "696e746572727570746564"},
      {kCount, kDef, kDef, kDef, kDef, kEof, kRow, kErr});
}

TEST(ReplyTrackerTest, BinaryResultClassic) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(Send(tracker, "170100000000010000000001030000000000").ok());
  std::vector<ReplyKind> kinds = {kCount, kDef, kDef, kDef, kDef,
                                  kEof,   kRow, kRow, kEof};
  ExpectReply(tracker,
              {"04", kIdDef, kNameDef, kJsonDef, kDateDef, "fe00000200",
               kBinaryRow1, kBinaryRow2, "fe00000200"},
              kinds);
}

TEST(ReplyTrackerTest, BinaryRowsAreMarkedBinary) {
  ReplyTracker tracker(kDeprecateEofCaps);
  ASSERT_TRUE(Send(tracker, "170700000000010000000001030000000000").ok());
  for (std::string_view hex : std::vector<std::string_view>{
           "04", kIdDefExt, kNameDefExt, kJsonDefExt, kDateDefExt}) {
    ASSERT_TRUE(tracker.OnPacket(FromHex(hex)).ok());
  }
  auto row = tracker.OnPacket(FromHex(kBinaryRow1));
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->kind, kRow);
  EXPECT_TRUE(row->binary);
  // A text row where a binary one is expected.
  auto bad = tracker.OnPacket(FromHex(kTextRow2));
  EXPECT_EQ(bad.status().message(),
            "unexpected 0x01 packet (5 bytes) while expecting a row or the "
            "end of the rows");
  EXPECT_EQ(tracker.OnPacket(FromHex("fe000002000000")).status(), bad.status());
}

TEST(ReplyTrackerTest, CursorThenFetchClassic) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(Send(tracker, "170100000001010000000001030000000000").ok());
  const std::string_view id_cursor =
      "03646566056d7973716c017401740269640269640c3f000b000000030110000000";
  ExpectReply(tracker,
              {"04", id_cursor, kNameDef, kJsonDef, kDateDef, "fe00004200"},
              {kCount, kDef, kDef, kDef, kDef, kEof});
  ASSERT_TRUE(Send(tracker, "1c0100000001000000").ok());
  ExpectReply(tracker, {kBinaryRow1, "fe00004200"}, {kRow, kEof});
  ASSERT_TRUE(Send(tracker, "1c0100000001000000").ok());
  ExpectReply(tracker, {kBinaryRow2, "fe00004200"}, {kRow, kEof});
  ASSERT_TRUE(Send(tracker, "1c0100000001000000").ok());
  ExpectReply(tracker, {"fe00008200"}, {kEof});   // LAST_ROW_SENT
  ASSERT_TRUE(Send(tracker, "1a01000000").ok());  // COM_STMT_RESET
  ExpectReply(tracker, {"00000002000000"}, {kOk});
  ASSERT_TRUE(Send(tracker, "1901000000").ok());  // COM_STMT_CLOSE
  EXPECT_TRUE(tracker.complete());
}

TEST(ReplyTrackerTest, CursorThenFetchDeprecateEof) {
  ReplyTracker tracker(kDeprecateEofCaps);
  ASSERT_TRUE(Send(tracker, "170700000001010000000001030000000000").ok());
  ExpectReply(tracker,
              {"04", kIdDefExt, kNameDefExt, kJsonDefExt, kDateDefExt,
               "fe000042000000"},
              {kCount, kDef, kDef, kDef, kDef, kEof});
  ASSERT_TRUE(Send(tracker, "1c0700000001000000").ok());
  ExpectReply(tracker, {kBinaryRow1, "fe000042000000"}, {kRow, kEof});
  ASSERT_TRUE(Send(tracker, "1c0700000001000000").ok());
  ExpectReply(tracker, {"fe000082000000"}, {kEof});
}

TEST(ReplyTrackerTest, CursorRequestedButNotOpened) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(Send(tracker, "170100000001010000000001030000000000").ok());
  ExpectReply(tracker,
              {"04", kIdDef, kNameDef, kJsonDef, kDateDef, "fe00000200",
               kBinaryRow1, "fe00000200"},
              {kCount, kDef, kDef, kDef, kDef, kEof, kRow, kEof});
}

TEST(ReplyTrackerTest, PrepareWithParamsAndColumnsClassic) {
  ReplyTracker tracker(kClassicCaps);
  // select * from t where id > ?
  ASSERT_TRUE(Send(tracker,
                   "1673656c656374202a2066726f6d207420776865726520"
                   "6964203e203f")
                  .ok());
  ExpectReply(
      tracker,
      {"000100000004000100000000", kParamDef, "fe00000200", kIdDef, kNameDef,
       kJsonDef, kDateDef, "fe00000200"},
      {ReplyKind::kPrepareOk, kParam, kEof, kDef, kDef, kDef, kDef, kEof});
  ASSERT_TRUE(tracker.prepare_ok().has_value());
  EXPECT_EQ(tracker.prepare_ok()->statement_id, 1u);
  EXPECT_EQ(tracker.params().size(), 1u);
  EXPECT_EQ(tracker.columns().size(), 4u);
}

TEST(ReplyTrackerTest, PrepareDeprecateEof) {
  ReplyTracker tracker(kDeprecateEofCaps);
  ASSERT_TRUE(tracker.OnCommand({kComStmtPrepare, false}).ok());
  ExpectReply(tracker,
              {"000700000004000100000000", kParamDefExt, kIdDefExt, kNameDefExt,
               kJsonDefExt, kDateDefExt},
              {ReplyKind::kPrepareOk, kParam, kDef, kDef, kDef, kDef});
  // insert into t values (?, ?, null, null): params only.
  ASSERT_TRUE(tracker.OnCommand({kComStmtPrepare, false}).ok());
  ExpectReply(tracker, {"000500000000000200000000", kParamDefExt, kParamDefExt},
              {ReplyKind::kPrepareOk, kParam, kParam});
  // do 1: neither.
  ASSERT_TRUE(tracker.OnCommand({kComStmtPrepare, false}).ok());
  ExpectReply(tracker, {"000600000000000000000000"}, {ReplyKind::kPrepareOk});
}

TEST(ReplyTrackerTest, PrepareParamsOnlyClassic) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(tracker.OnCommand({kComStmtPrepare, false}).ok());
  ExpectReply(tracker,
              {"000200000000000200000000", kParamDef, kParamDef, "fe00000200"},
              {ReplyKind::kPrepareOk, kParam, kParam, kEof});
}

TEST(ReplyTrackerTest, LocalInfile) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(tracker.OnCommand({kComQuery, false}).ok());
  auto request = tracker.OnPacket(FromHex("fb2f746d702f78"));
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->kind, ReplyKind::kLocalInfileRequest);
  EXPECT_TRUE(request->awaiting_client_data);
  EXPECT_FALSE(request->reply_complete);
  EXPECT_TRUE(tracker.awaiting_client_data());
  EXPECT_EQ(tracker.OnPacket(FromHex("00000002000000")).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(tracker.ClientDataSent().ok());
  ExpectReply(tracker, {"00010002000000"}, {kOk});
  EXPECT_EQ(tracker.ClientDataSent().code(), StatusCode::kFailedPrecondition);
}

TEST(ReplyTrackerTest, FieldListAndStatistics) {
  ReplyTracker classic(kClassicCaps);
  ASSERT_TRUE(Send(classic, "047400").ok());
  ExpectReply(classic,
              {"03646566056d7973716c017401740269640269640c3f000b00000003035000"
               "00000130",
               "fe00000200"},
              {kDef, kEof});
  ReplyTracker modern(kDeprecateEofCaps);
  ASSERT_TRUE(Send(modern, "047400").ok());
  ExpectReply(modern,
              {"03646566056d7973716c01740174026964026964000c3f000b0000000303"
               "500000000130",
               "fe000002000000"},
              {kDef, kEof});
  ASSERT_TRUE(Send(modern, "09").ok());
  ExpectReply(modern, {"557074696d653a203237"}, {ReplyKind::kStatistics});
}

TEST(ReplyTrackerTest, SimpleCommandsAndNoReplyCommands) {
  ReplyTracker tracker(kClassicCaps);
  for (uint8_t command : {kComPing, kComInitDb, kComResetConnection,
                          kComStmtReset, kComSetOption}) {
    ASSERT_TRUE(tracker.OnCommand({command, false}).ok());
    ExpectReply(tracker, {"00000000000000"}, {kOk});
  }
  ASSERT_TRUE(tracker.OnCommand({kComSetOption, false}).ok());
  ExpectReply(tracker, {"fe00000200"}, {kEof});
  for (uint8_t command : {kComQuit, kComStmtClose, kComStmtSendLongData}) {
    ASSERT_TRUE(tracker.OnCommand({command, false}).ok());
    EXPECT_TRUE(tracker.complete());
  }
  EXPECT_EQ(tracker.OnPacket(FromHex("00000000000000")).status().message(),
            "unexpected 0x00 packet from the server while no reply is "
            "expected");
}

TEST(ReplyTrackerTest, PipelinedCommandsAreAnsweredInOrder) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(tracker.OnCommand({kComStmtPrepare, false}).ok());
  ASSERT_TRUE(tracker.OnCommand({kComStmtExecute, false}).ok());
  ASSERT_TRUE(tracker.OnCommand({kComStmtClose, false}).ok());
  auto prepared = tracker.OnPacket(FromHex("000300000000000000000000"));
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  EXPECT_EQ(prepared->kind, ReplyKind::kPrepareOk);
  EXPECT_TRUE(prepared->reply_complete);
  EXPECT_FALSE(tracker.complete());  // the EXECUTE's reply is due
  ExpectReply(tracker, {"00010000000000"}, {kOk});  // then CLOSE: none
}

TEST(ReplyTrackerTest, ChangeUserWithAuthSwitch) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(tracker.OnCommand({kComChangeUser, false}).ok());
  auto change = tracker.OnPacket(
      FromHex("fe6d7973716c5f6e61746976655f70617373776f7264003031323334"));
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(change->kind, ReplyKind::kAuthSwitchRequest);
  EXPECT_TRUE(change->awaiting_client_data);
  ASSERT_TRUE(tracker.ClientDataSent().ok());
  ExpectReply(tracker, {"0103", "00000002000000"},
              {ReplyKind::kAuthMoreData, kOk});
}

TEST(ReplyTrackerTest, ProgressReportsDoNotEndTheReply) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(tracker.OnCommand({kComQuery, false}).ok());
  ExpectReply(tracker, {"ffffff0101e8030000", "00000002000000"},
              {ReplyKind::kProgress, kOk});
}

TEST(ReplyTrackerTest, UnexpectedPacketsAreSpecificErrors) {
  ReplyTracker tracker(kClassicCaps);
  ASSERT_TRUE(Send(tracker, kSelectAll).ok());
  ASSERT_TRUE(tracker.OnPacket(FromHex("02")).ok());
  ASSERT_TRUE(tracker.OnPacket(FromHex(kIdDef)).ok());
  EXPECT_EQ(tracker.OnPacket(FromHex("fe00002200")).status().message(),
            "unexpected 0xfe packet (5 bytes) while expecting a column "
            "definition");

  ReplyTracker eof(kClassicCaps);
  ASSERT_TRUE(Send(eof, kSelectAll).ok());
  ASSERT_TRUE(eof.OnPacket(FromHex("01")).ok());
  ASSERT_TRUE(eof.OnPacket(FromHex(kIdDef)).ok());
  EXPECT_EQ(eof.OnPacket(FromHex(kTextRow2)).status().message(),
            "unexpected 0x01 packet (5 bytes) while expecting the EOF after "
            "the column definitions");

  ReplyTracker first(kClassicCaps);
  ASSERT_TRUE(Send(first, kSelectAll).ok());
  EXPECT_EQ(first.OnPacket({}).status().message(),
            "unexpected empty packet while expecting the start of a result "
            "(OK, ERR, LOCAL INFILE request or column count)");

  ReplyTracker broken_def(kClassicCaps);
  ASSERT_TRUE(Send(broken_def, kSelectAll).ok());
  ASSERT_TRUE(broken_def.OnPacket(FromHex("01")).ok());
  EXPECT_EQ(broken_def.OnPacket(FromHex("0364656605")).status().message(),
            "a column definition: column definition truncated: schema needs "
            "5 bytes at offset 5, 0 left");
}

TEST(ReplyTrackerTest, ResultWithoutMetadataIsUnimplemented) {
  ReplyTracker tracker(kClassicCaps | kMariaDbClientCacheMetadata);
  ASSERT_TRUE(tracker.OnCommand({kComStmtExecute, false}).ok());
  EXPECT_EQ(tracker.OnPacket(FromHex("0400")).status().code(),
            StatusCode::kUnimplemented);
}

TEST(ReplyTrackerTest, ReplicationCommandsAreUnimplemented) {
  ReplyTracker tracker(kClassicCaps);
  EXPECT_EQ(tracker.OnCommand({kComBinlogDump, false}).code(),
            StatusCode::kUnimplemented);
  EXPECT_TRUE(tracker.complete());
}

TEST(ReplyTrackerTest, CommandFromPayload) {
  auto execute =
      CommandFromPayload(FromHex("170100000001010000000001030000000000"));
  ASSERT_TRUE(execute.ok());
  EXPECT_EQ(execute->code, kComStmtExecute);
  EXPECT_TRUE(execute->cursor_requested);
  EXPECT_EQ(CommandFromPayload({}).status().message(), "empty command packet");
  EXPECT_EQ(CommandFromPayload(FromHex("1701")).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::mysql

// ParseCollateral, ParseTcbInfo and ParseQeIdentity on the real collateral
// files and on broken ones; RFC 3339 times.
#include "attest/collateral.h"

#include <gtest/gtest.h>

#include <string>

#include "attest/test_util.h"
#include "attest/timestamp.h"

namespace coffer::attest {
namespace {

using testing::Date;
using testing::LoadCollateral;
using testing::ReadTestText;
using testing::ValueOrDie;

// The object under `key` in Intel's {"tcbInfo": {...}, "signature": "..."}
// files, as the exact text Intel signed.
std::string SignedObject(const std::string& file, const std::string& key) {
  const std::string prefix = "{\"" + key + "\":";
  const size_t end = file.rfind(",\"signature\"");
  EXPECT_EQ(file.rfind(prefix, 0), 0u);
  EXPECT_NE(end, std::string::npos);
  return file.substr(prefix.size(), end - prefix.size());
}

TEST(CollateralTest, ParsesTheSgxCollateral) {
  const Collateral collateral = LoadCollateral("sgx_quote_collateral.json");
  EXPECT_EQ(collateral.tcb_info_signature.size(), 64u);
  EXPECT_EQ(collateral.tcb_info_json.rfind("{\"id\":\"SGX\",\"version\":3,", 0),
            0u);
  const TcbInfo& info = collateral.tcb_info;
  EXPECT_EQ(info.id, "SGX");
  EXPECT_EQ(info.version, 3);
  EXPECT_EQ(FormatRfc3339(info.issue_date), "2025-06-19T10:56:11Z");
  EXPECT_EQ(FormatRfc3339(info.next_update), "2025-07-19T10:56:11Z");
  EXPECT_EQ(HexEncode(info.fmspc), "00a067110000");
  EXPECT_EQ(info.tcb_evaluation_data_number, 17u);
  EXPECT_FALSE(info.tdx_module.has_value());
  ASSERT_EQ(info.tcb_levels.size(), 11u);
  EXPECT_EQ(HexEncode(info.tcb_levels[0].sgx_components),
            "0b0b0202ff010c000000000000000000");
  EXPECT_EQ(info.tcb_levels[0].pce_svn, 13);
  EXPECT_EQ(info.tcb_levels[0].status, TcbStatus::kSwHardeningNeeded);
  EXPECT_EQ(info.tcb_levels[0].advisory_ids,
            std::vector<std::string>{"INTEL-SA-00615"});
  EXPECT_EQ(info.tcb_levels[0].tcb_date, "2024-03-13T00:00:00Z");

  const QeIdentity& qe = collateral.qe_identity;
  EXPECT_EQ(qe.id, "QE");
  EXPECT_EQ(qe.version, 2);
  EXPECT_EQ(HexEncode(qe.mr_signer),
            "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff");
  EXPECT_EQ(qe.isv_prod_id, 1);
  EXPECT_EQ(HexEncode(qe.attributes_mask), "fbffffffffffffff0000000000000000");
  ASSERT_EQ(qe.tcb_levels.size(), 6u);
  EXPECT_EQ(qe.tcb_levels[1].isv_svn, 6);
  EXPECT_EQ(qe.tcb_levels[1].status, TcbStatus::kOutOfDate);
}

TEST(CollateralTest, ParsesTheTdxCollateral) {
  const Collateral collateral = LoadCollateral("tdx_quote_collateral.json");
  const TcbInfo& info = collateral.tcb_info;
  EXPECT_EQ(info.id, "TDX");
  ASSERT_TRUE(info.tdx_module.has_value());
  EXPECT_EQ(info.tdx_module->mr_signer, (std::array<uint8_t, 48>{}));
  EXPECT_EQ(HexEncode(info.tdx_module->attributes_mask), "ffffffffffffffff");
  ASSERT_EQ(info.tdx_module_identities.size(), 2u);
  EXPECT_EQ(info.tdx_module_identities[1].id, "TDX_01");
  EXPECT_EQ(info.tdx_module_identities[1].tcb_levels[1].status,
            TcbStatus::kOutOfDate);
  ASSERT_TRUE(info.tcb_levels[0].tdx_components.has_value());
  EXPECT_EQ(HexEncode(*info.tcb_levels[0].tdx_components),
            "05000200000000000000000000000000");
  EXPECT_EQ(collateral.qe_identity.id, "TD_QE");
}

TEST(CollateralTest, HexIsReadInEitherCase) {
  const Collateral collateral = LoadCollateral("more/automata_collateral.json");
  EXPECT_EQ(HexEncode(collateral.tcb_info.fmspc), "00606a000000");
}

TEST(CollateralTest, ParsesVersion2TcbInfoAndIntelsEnvelope) {
  const TcbInfo info = ValueOrDie(ParseTcbInfo(SignedObject(
      ReadTestText("more/intel-test-root/tcbInfo.json"), "tcbInfo")));
  EXPECT_EQ(info.version, 2);
  EXPECT_EQ(info.id, "SGX");
  EXPECT_EQ(HexEncode(info.fmspc), "00707f000000");
  EXPECT_EQ(HexEncode(info.tcb_levels[0].sgx_components),
            "00030000000101000000000000000000");
  EXPECT_EQ(info.tcb_levels[1].status, TcbStatus::kConfigurationNeeded);
  const QeIdentity qe = ValueOrDie(ParseQeIdentity(
      SignedObject(ReadTestText("more/intel-test-root/qeIdentity.json"),
                   "enclaveIdentity")));
  EXPECT_EQ(HexEncode(qe.miscselect), "d182b18c");
}

TEST(CollateralTest, ReportsTheBrokenField) {
  const std::string text = ReadTestText("sgx_quote_collateral.json");
  auto parse_with = [&](const std::string& from, const std::string& to) {
    std::string edited = text;
    const size_t at = edited.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    edited.replace(at, from.size(), to);
    return ParseCollateral(edited).status();
  };
  EXPECT_EQ(ParseCollateral("{").status(),
            InvalidArgumentError("collateral: malformed JSON"));
  EXPECT_EQ(ParseCollateral("[1]").status(),
            InvalidArgumentError("collateral: must be a JSON object"));
  EXPECT_EQ(ParseCollateral("{}").status(),
            InvalidArgumentError("collateral: pck_crl_issuer_chain: missing"));
  EXPECT_EQ(parse_with("\"root_ca_crl\": \"", "\"root_ca_crl\": \"x"),
            InvalidArgumentError(
                "collateral: root_ca_crl: hex string has an odd length (585 "
                "characters)"));
  EXPECT_EQ(
      parse_with("\"tcb_info_signature\": \"", "\"tcb_info_signature\": \"00"),
      InvalidArgumentError("collateral: tcb_info_signature: must be 64 "
                           "bytes (128 hex digits), not 65"));
  EXPECT_EQ(parse_with("\"pck_crl\": \"", "\"pck_crl\": 1, \"x\": \""),
            InvalidArgumentError("collateral: pck_crl: must be a string"));
  EXPECT_EQ(parse_with("\\\"pcesvn\\\":13", "\\\"pcesvn\\\":65536"),
            InvalidArgumentError("tcb_info: tcbLevels[0].tcb.pcesvn: must be "
                                 "an integer from 0 to 65535"));
  EXPECT_EQ(parse_with("\\\"tcbStatus\\\":\\\"SWHardeningNeeded\\\"",
                       "\\\"tcbStatus\\\":\\\"Fine\\\""),
            InvalidArgumentError("tcb_info: tcbLevels[0].tcbStatus: unknown "
                                 "status \"Fine\""));
  EXPECT_EQ(parse_with("{\\\"svn\\\":11},", ""),
            InvalidArgumentError("tcb_info: tcbLevels[0].tcb.sgxtcbcomponents: "
                                 "must list 16 components, not 15"));
  EXPECT_EQ(parse_with("\\\"nextUpdate\\\":\\\"2025-07-19T10:56:11Z",
                       "\\\"nextUpdate\\\":\\\"2025-07-19 10:56:11Z"),
            InvalidArgumentError("tcb_info: nextUpdate: \"2025-07-19 "
                                 "10:56:11Z\" is not an RFC 3339 time like "
                                 "2025-07-01T00:00:00Z"));
  EXPECT_EQ(parse_with("\\\"id\\\":\\\"SGX\\\"", "\\\"id\\\":\\\"AMD\\\""),
            InvalidArgumentError(
                "tcb_info: id: must be \"SGX\" or \"TDX\", not \"AMD\""));
  EXPECT_EQ(parse_with("\\\"tcbType\\\":0", "\\\"tcbType\\\":1"),
            InvalidArgumentError(
                "tcb_info: tcbType: must be an integer from 0 to 0"));
  EXPECT_EQ(parse_with("\\\"isvprodid\\\":1", "\\\"isvprodid\\\":-1"),
            InvalidArgumentError(
                "qe_identity: isvprodid: must be an integer from 0 to 65535"));
  EXPECT_EQ(parse_with("{\\\"tcb\\\":{\\\"isvsvn\\\":8},\\\"tcbDate\\\":"
                       "\\\"2024-03-13T00:00:00Z\\\",\\\"tcbStatus\\\":"
                       "\\\"UpToDate\\\"}",
                       "{\\\"tcb\\\":{\\\"isvsvn\\\":8},\\\"tcbDate\\\":"
                       "\\\"2024-03-13T00:00:00Z\\\",\\\"tcbStatus\\\":"
                       "\\\"SWHardeningNeeded\\\"}"),
            InvalidArgumentError("qe_identity: tcbLevels[0].tcbStatus: "
                                 "unknown status \"SWHardeningNeeded\""));
}

TEST(CollateralTest, EveryTruncationFailsCleanly) {
  const std::string text = ReadTestText("tdx_quote_collateral.json");
  for (size_t length = 0; length < text.size(); length += 7) {
    const Status status = ParseCollateral(text.substr(0, length)).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << length;
  }
}

TEST(TimestampTest, ParsesRfc3339) {
  EXPECT_EQ(ValueOrDie(ParseRfc3339("2025-07-01T00:00:00Z")), Date(2025, 7, 1));
  EXPECT_EQ(ValueOrDie(ParseRfc3339("2025-08-15t05:45:00.123z")),
            Date(2025, 8, 15, 5, 45));
  EXPECT_EQ(ValueOrDie(ParseRfc3339("2025-08-15T07:45:00+02:00")),
            Date(2025, 8, 15, 5, 45));
  EXPECT_EQ(ValueOrDie(ParseRfc3339("2025-08-15T04:15:00-01:30")),
            Date(2025, 8, 15, 5, 45));
  EXPECT_EQ(ValueOrDie(ParseRfc3339("2024-02-29T23:59:59Z")),
            Date(2024, 3, 1) - std::chrono::seconds(1));
  for (const char* bad :
       {"", "2025-07-01", "2025-07-01T00:00:00", "2025-02-30T00:00:00Z",
        "2025-07-01T24:00:00Z", "2025-07-01T00:00:60Z", "2025-07-01T00:00:00.Z",
        "2025-07-01T00:00:00+0200", "2025-07-01T00:00:00Zjunk",
        "2025-7-01T00:00:00Z", "+025-07-01T00:00:00Z"}) {
    EXPECT_EQ(ParseRfc3339(bad).status(),
              InvalidArgumentError("\"" + std::string(bad) +
                                   "\" is not an RFC 3339 time like "
                                   "2025-07-01T00:00:00Z"));
  }
  EXPECT_EQ(FormatRfc3339(Date(2026, 11, 29, 13, 7) + std::chrono::seconds(5)),
            "2026-11-29T13:07:05Z");
  EXPECT_EQ(FormatRfc3339(Date(1969, 12, 31, 23, 59)), "1969-12-31T23:59:00Z");
}

}  // namespace
}  // namespace coffer::attest

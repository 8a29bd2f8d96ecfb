#include "mysql/result_rows.h"

#include <gtest/gtest.h>

#include "mysql/capabilities.h"
#include "mysql/test_bytes.h"

namespace coffer::mysql {
namespace {

using testing::FromHex;

// Rows of "select * from t" (int, varchar(20), json, datetime), captured
// from MariaDB 10.11 in the text and the binary protocol.
constexpr std::string_view kTextRow =
    "013103616e6e027b7d13323032342d30312d30322030333a30343a3035";
constexpr std::string_view kTextRowWithNulls = "0132fbfbfb";
constexpr std::string_view kBinaryRow =
    "00000100000003616e6e027b7d07e8070102030405";
constexpr std::string_view kBinaryRowWithNulls = "003802000000";
const std::vector<uint8_t> kTypes = {kTypeLong, kTypeVarString, kTypeBlob,
                                     kTypeDateTime};

std::string ValueAt(ByteView row, const ValueSpan& span) {
  return std::string(AsString(row.subspan(span.offset, span.length)));
}

TEST(TextRowTest, LocatesEveryValue) {
  const Bytes row = FromHex(kTextRow);
  auto values = TextRowValues(row, 4);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->size(), 4u);
  EXPECT_EQ(ValueAt(row, (*values)[0]), "1");
  EXPECT_EQ(ValueAt(row, (*values)[1]), "ann");
  EXPECT_EQ(ValueAt(row, (*values)[2]), "{}");
  EXPECT_EQ(ValueAt(row, (*values)[3]), "2024-01-02 03:04:05");
  EXPECT_EQ((*values)[1], (ValueSpan{3, 3, false}));
}

TEST(TextRowTest, NullValues) {
  auto values = TextRowValues(FromHex(kTextRowWithNulls), 4);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_FALSE((*values)[0].is_null);
  EXPECT_TRUE((*values)[1].is_null);
  EXPECT_TRUE((*values)[3].is_null);
}

TEST(TextRowTest, InPlaceRewriteKeepsTheRowValid) {
  Bytes row = FromHex(kTextRow);
  auto values = TextRowValues(row, 4);
  ASSERT_TRUE(values.ok());
  for (size_t i = 0; i < (*values)[1].length; ++i) {
    row[(*values)[1].offset + i] = 'x';
  }
  auto again = TextRowValues(row, 4);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ValueAt(row, (*again)[1]), "xxx");
}

TEST(TextRowTest, WrongColumnCountIsAnError) {
  const Bytes row = FromHex(kTextRow);
  EXPECT_EQ(TextRowValues(row, 3).status().message(),
            "text row: has 20 unexpected trailing bytes at offset 9");
  EXPECT_EQ(TextRowValues(row, 5).status().message(),
            "text row truncated: length of value of column 4 needs 1 bytes "
            "at offset 29, 0 left");
  EXPECT_EQ(TextRowValues(row, 1000).status().message(),
            "text row of 29 bytes cannot hold 1000 values");
}

TEST(TextRowTest, EveryTruncationFails) {
  for (std::string_view hex : {kTextRow, kTextRowWithNulls}) {
    const Bytes row = FromHex(hex);
    for (size_t size = 0; size < row.size(); ++size) {
      EXPECT_EQ(TextRowValues(ByteView(row).first(size), 4).status().code(),
                StatusCode::kInvalidArgument)
          << size;
    }
  }
  EXPECT_EQ(TextRowValues(FromHex("0531"), 1).status().message(),
            "text row: value of column 0 of 5 bytes is truncated at offset 1");
}

TEST(BinaryRowTest, LocatesEveryValue) {
  const Bytes row = FromHex(kBinaryRow);
  auto values = BinaryRowValues(row, kTypes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->size(), 4u);
  EXPECT_EQ((*values)[0], (ValueSpan{2, 4, false}));
  EXPECT_EQ(ValueAt(row, (*values)[1]), "ann");
  EXPECT_EQ(ValueAt(row, (*values)[2]), "{}");
  EXPECT_EQ((*values)[3], (ValueSpan{14, 7, false}));
}

TEST(BinaryRowTest, NullBitmapStartsAtBitTwo) {
  auto values = BinaryRowValues(FromHex(kBinaryRowWithNulls), kTypes);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ((*values)[0], (ValueSpan{2, 4, false}));
  EXPECT_TRUE((*values)[1].is_null);
  EXPECT_TRUE((*values)[2].is_null);
  EXPECT_TRUE((*values)[3].is_null);
}

TEST(BinaryRowTest, EveryFixedAndVariableLayout) {
  // TINY, SHORT, YEAR, INT24, FLOAT, LONGLONG, DOUBLE, NULL, TIME (empty),
  // NEWDECIMAL, ENUM, BIT, GEOMETRY.
  const std::vector<uint8_t> types = {
      kTypeTiny,     kTypeShort,  kTypeYear,    kTypeInt24, kTypeFloat,
      kTypeLongLong, kTypeDouble, kTypeNull,    kTypeTime,  kTypeNewDecimal,
      kTypeEnum,     kTypeBit,    kTypeGeometry};
  const Bytes row = FromHex(
      "00"
      "0000"  // header, 2-byte bitmap (13 columns)
      "01"
      "0200"
      "e707"
      "04000000"
      "0000803f"
      "0800000000000000"
      "0000000000002440"
      "00"
      "0431322e35"
      "0161"
      "0101"
      "00");
  auto values = BinaryRowValues(row, types);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  const std::vector<size_t> lengths = {1, 2, 2, 4, 4, 8, 8, 0, 0, 4, 1, 1, 0};
  for (size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ((*values)[i].length, lengths[i]) << i;
  }
  EXPECT_EQ(ValueAt(row, (*values)[9]), "12.5");
}

TEST(BinaryRowTest, ErrorsAreSpecific) {
  EXPECT_EQ(BinaryRowValues(FromHex("01"
                                    "00"
                                    "01000000"),
                            {kTypeLong})
                .status()
                .message(),
            "binary row: header is not 0x00 at offset 1");
  EXPECT_EQ(BinaryRowValues(FromHex("00"
                                    "00"
                                    "01"),
                            {20})
                .status()
                .message(),
            "binary row: column 0 has unknown type 20 at offset 2");
  EXPECT_EQ(BinaryRowValues(FromHex("00"), kTypes).status().message(),
            "binary row truncated: NULL bitmap needs 1 bytes at offset 1, 0 "
            "left");
  const Bytes row = FromHex(kBinaryRow);
  for (size_t size = 0; size < row.size(); ++size) {
    EXPECT_EQ(
        BinaryRowValues(ByteView(row).first(size), kTypes).status().code(),
        StatusCode::kInvalidArgument)
        << size;
  }
  EXPECT_EQ(BinaryRowValues(row, {kTypeLong, kTypeVarString, kTypeBlob})
                .status()
                .message(),
            "binary row: has 8 unexpected trailing bytes at offset 13");
}

}  // namespace
}  // namespace coffer::mysql

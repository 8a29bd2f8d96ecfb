#include "mysql/wire.h"

#include <gtest/gtest.h>

#include <limits>

#include "mysql/test_bytes.h"

namespace coffer::mysql {
namespace {

using testing::FromHex;

TEST(WireTest, LenencRoundTripsAtEveryWidthBoundary) {
  for (uint64_t value :
       {uint64_t{0}, uint64_t{250}, uint64_t{251}, uint64_t{0xFFFF},
        uint64_t{0x10000}, uint64_t{0xFFFFFF}, uint64_t{0x1000000},
        std::numeric_limits<uint64_t>::max()}) {
    Writer writer;
    writer.Lenenc(value);
    EXPECT_EQ(writer.size(), LenencSize(value)) << value;
    Reader reader(writer.bytes(), "test");
    auto read = reader.ReadLenenc("value");
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, value);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(WireTest, LenencEncodingsMatchTheProtocol) {
  Writer writer;
  writer.Lenenc(250);
  writer.Lenenc(251);
  writer.Lenenc(0x10000);
  writer.Lenenc(0x1000000);
  EXPECT_EQ(HexEncode(writer.bytes()),
            "fa"
            "fcfb00"
            "fd000001"
            "fe0000000100000000");
}

TEST(WireTest, NullMarkerIsOnlyAcceptedWhereAllowed) {
  const Bytes null = FromHex("fb");
  Reader nullable(null, "row");
  auto value = nullable.ReadLenencOrNull("value");
  ASSERT_TRUE(value.ok());
  EXPECT_FALSE(value->has_value());

  Reader strict(null, "row");
  auto length = strict.ReadLenenc("length");
  EXPECT_EQ(length.status().message(),
            "row: length is NULL (0xfb) where a length is required at offset "
            "0");
}

TEST(WireTest, ErrHeaderIsNotALength) {
  const Bytes bytes = FromHex("ff0000");
  Reader reader(bytes, "packet");
  EXPECT_EQ(reader.ReadLenenc("count").status().message(),
            "packet: count is not a length-encoded integer (first byte 0xff) "
            "at offset 0");
}

TEST(WireTest, TruncationNamesFieldOffsetAndRemainder) {
  const Bytes bytes = FromHex("01fc05");
  Reader reader(bytes, "OK packet");
  ASSERT_TRUE(reader.ReadU8("header").ok());
  auto value = reader.ReadLenenc("affected rows");
  EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(value.status().message(),
            "OK packet truncated: affected rows needs 2 bytes at offset 2, 1 "
            "left");
}

TEST(WireTest, LenencStringLongerThanThePayloadIsAnError) {
  const Bytes bytes = FromHex("fdffffff41");
  Reader reader(bytes, "row");
  EXPECT_EQ(reader.ReadLenencString("value").status().message(),
            "row truncated: value needs 16777215 bytes at offset 4, 1 left");
}

TEST(WireTest, FixedWidthIntegersAreLittleEndian) {
  const Bytes bytes = FromHex(
      "0102030405060708"
      "010203"
      "010203040506");
  Reader reader(bytes, "test");
  EXPECT_EQ(*reader.ReadU64("a"), 0x0807060504030201u);
  EXPECT_EQ(*reader.ReadU24("b"), 0x030201u);
  EXPECT_EQ(*reader.ReadU48("c"), 0x060504030201u);
  EXPECT_TRUE(reader.ExpectEnd().ok());
}

TEST(WireTest, NulStringNeedsItsTerminator) {
  const Bytes bytes = FromHex(
      "61626300"
      "6465");
  Reader reader(bytes, "greeting");
  EXPECT_EQ(*reader.ReadNulString("version"), "abc");
  EXPECT_EQ(reader.ReadNulString("name").status().message(),
            "greeting: name has no terminating NUL at offset 4");
  EXPECT_EQ(reader.ReadRest(), "de");
}

TEST(WireTest, ExpectEndReportsTrailingBytes) {
  const Bytes bytes = FromHex("0001");
  Reader reader(bytes, "EOF packet");
  ASSERT_TRUE(reader.ReadU8("header").ok());
  EXPECT_EQ(reader.ExpectEnd().message(),
            "EOF packet: has 1 unexpected trailing bytes at offset 1");
}

TEST(WireTest, WriterStrings) {
  Writer writer;
  writer.LenencString("ab");
  writer.NulString("c");
  writer.LenencNull();
  EXPECT_EQ(HexEncode(writer.bytes()),
            "026162"
            "6300"
            "fb");
}

}  // namespace
}  // namespace coffer::mysql

#include "mysql/packet_framer.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "mysql/test_bytes.h"

namespace coffer::mysql {
namespace {

using testing::FromHex;

Bytes Pattern(size_t size, uint8_t seed) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 13));
  }
  return bytes;
}

TEST(PacketFramerTest, NeedsTheWholeHeaderAndPayload) {
  const Bytes stream = FromHex(
      "03000005"
      "616263"
      "01");
  PacketFramer framer;
  for (size_t size = 0; size < 7; ++size) {
    FrameResult result = framer.Next(ByteView(stream).first(size));
    EXPECT_EQ(result.status, FrameStatus::kNeedMore) << size;
    EXPECT_EQ(result.consumed, 0u);
  }
  FrameResult result = framer.Next(stream);
  ASSERT_EQ(result.status, FrameStatus::kGood);
  EXPECT_EQ(result.consumed, 7u);
  EXPECT_EQ(result.packet.sequence_id, 5);
  EXPECT_EQ(AsString(result.packet.payload), "abc");
  EXPECT_FALSE(result.packet.is_max_size());
}

TEST(PacketFramerTest, RejectsLengthsOverTheLimitFromTheHeaderAlone) {
  const Bytes header = FromHex("01010000");
  FrameResult result = PacketFramer(256).Next(header);
  EXPECT_EQ(result.status, FrameStatus::kBad);
  EXPECT_EQ(result.error.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(result.error.message(),
            "packet header announces a payload of 257 bytes, over the limit "
            "of 256");
}

TEST(PacketFramerTest, EmptyPayloadIsAPacket) {
  const Bytes stream = FromHex("00000003");
  FrameResult result = PacketFramer().Next(stream);
  ASSERT_EQ(result.status, FrameStatus::kGood);
  EXPECT_EQ(result.consumed, 4u);
  EXPECT_TRUE(result.packet.payload.empty());
}

TEST(EncodePacketsTest, SmallPayloadIsOnePacket) {
  const Bytes payload = FromHex("0e");
  EncodedPackets out = EncodePackets(payload, 0);
  EXPECT_EQ(HexEncode(out.bytes), "010000000e");
  EXPECT_EQ(out.next_sequence_id, 1);
}

TEST(EncodePacketsTest, EmptyPayloadIsOneEmptyPacket) {
  EncodedPackets out = EncodePackets({}, 255);
  EXPECT_EQ(HexEncode(out.bytes), "000000ff");
  EXPECT_EQ(out.next_sequence_id, 0);  // wraps
}

TEST(EncodePacketsTest, ExactMultipleEndsWithAnEmptyPacket) {
  const Bytes payload = Pattern(kMaxPacketPayload, 1);
  EncodedPackets out = EncodePackets(payload, 3);
  ASSERT_EQ(out.bytes.size(), payload.size() + 8);
  EXPECT_EQ(HexEncode(ByteView(out.bytes).first(4)), "ffffff03");
  EXPECT_EQ(HexEncode(ByteView(out.bytes).last(4)), "00000004");
  EXPECT_EQ(out.next_sequence_id, 5);
}

TEST(EncodePacketsTest, LargePayloadIsSplitInMaxSizeChunks) {
  const Bytes payload = Pattern(2 * kMaxPacketPayload + 10, 2);
  EncodedPackets out = EncodePackets(payload, 0);
  ASSERT_EQ(out.bytes.size(), payload.size() + 12);
  EXPECT_EQ(HexEncode(ByteView(out.bytes).subspan(kMaxPacketPayload + 4, 4)),
            "ffffff01");
  EXPECT_EQ(
      HexEncode(ByteView(out.bytes).subspan(2 * kMaxPacketPayload + 8, 4)),
      "0a000002");
  EXPECT_EQ(out.next_sequence_id, 3);
}

TEST(LogicalPacketAssemblerTest, RejectsASequenceGap) {
  LogicalPacketAssembler assembler;
  const Bytes payload = FromHex("01");
  ASSERT_TRUE(assembler.Add({0, payload}).ok());
  auto result = assembler.Add({2, payload});
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "packet out of order: sequence id 2, expected 1");
}

TEST(LogicalPacketAssemblerTest, ExpectedSequenceCanBeSetForANewCommand) {
  LogicalPacketAssembler assembler;
  assembler.ExpectSequenceId(1);
  const Bytes payload = FromHex("00");
  EXPECT_EQ(assembler.Add({0, payload}).status().message(),
            "packet out of order: sequence id 0, expected 1");
  assembler.ExpectSequenceId(std::nullopt);
  EXPECT_TRUE(assembler.Add({200, payload}).ok());
  EXPECT_EQ(assembler.expected_sequence_id(), 201);
}

TEST(LogicalPacketAssemblerTest, EnforcesTheLogicalSizeLimit) {
  LogicalPacketAssembler assembler(kMaxPacketPayload + 5);
  const Bytes chunk = Pattern(kMaxPacketPayload, 0);
  auto first = assembler.Add({0, chunk});
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  EXPECT_TRUE(assembler.in_progress());
  const Bytes tail = Pattern(6, 0);
  auto second = assembler.Add({1, tail});
  EXPECT_EQ(second.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(second.status().message(),
            "logical packet of at least 16777221 bytes is over the limit of "
            "16777220");
}

TEST(LogicalPacketStreamTest, BrokenStreamKeepsFailing) {
  LogicalPacketStream stream;
  const Bytes bad = FromHex(
      "01000000"
      "00"
      "01000005"
      "00");
  Status status = stream.Feed(bad);
  EXPECT_EQ(status.message(), "packet out of order: sequence id 5, expected 1");
  EXPECT_EQ(stream.Feed(FromHex("00")), status);
}

// The stream of the split test: small packets, a logical packet of
// exactly 0xFFFFFF bytes (a full chunk and an empty one), one of more than
// 16 MiB, and an empty one.
struct TestStream {
  std::vector<Bytes> payloads;
  Bytes bytes;
};

TestStream MakeStream(bool with_big) {
  TestStream stream;
  stream.payloads.push_back(
      FromHex("03"
              "73656c6563742031"));
  stream.payloads.push_back(FromHex("0e"));
  if (with_big) {
    stream.payloads.push_back(Pattern(kMaxPacketPayload, 3));
    stream.payloads.push_back(Pattern(kMaxPacketPayload + 1000, 4));
  }
  stream.payloads.push_back({});
  stream.payloads.push_back(FromHex("fe00000200"));
  uint8_t sequence = 0;
  for (const Bytes& payload : stream.payloads) {
    EncodedPackets packets = EncodePackets(payload, sequence);
    sequence = packets.next_sequence_id;
    stream.bytes.insert(stream.bytes.end(), packets.bytes.begin(),
                        packets.bytes.end());
  }
  return stream;
}

// Feeds `bytes` split at `cuts` (ascending) and returns what came out.
std::vector<LogicalPacket> Decode(const Bytes& bytes,
                                  const std::vector<size_t>& cuts) {
  LogicalPacketStream stream(size_t{64} << 20);
  std::vector<LogicalPacket> out;
  size_t start = 0;
  auto feed = [&](size_t end) {
    Status status = stream.Feed(ByteView(bytes).subspan(start, end - start));
    EXPECT_TRUE(status.ok()) << status.ToString();
    while (auto packet = stream.Pop()) out.push_back(std::move(*packet));
    start = end;
  };
  for (size_t cut : cuts) feed(cut);
  feed(bytes.size());
  EXPECT_EQ(stream.buffered(), 0u);
  return out;
}

void ExpectPayloads(const std::vector<LogicalPacket>& got,
                    const TestStream& want, const std::string& where) {
  ASSERT_EQ(got.size(), want.payloads.size()) << where;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(got[i].payload == want.payloads[i]) << where << " packet " << i;
  }
}

TEST(LogicalPacketStreamTest, SmallStreamSplitAtEveryByteAndPair) {
  const TestStream stream = MakeStream(false);
  for (size_t a = 0; a <= stream.bytes.size(); ++a) {
    ExpectPayloads(Decode(stream.bytes, {a}), stream,
                   "cut at " + std::to_string(a));
    for (size_t b = a; b <= stream.bytes.size(); ++b) {
      ExpectPayloads(Decode(stream.bytes, {a, b}), stream,
                     "cuts at " + std::to_string(a) + "," + std::to_string(b));
    }
  }
}

TEST(LogicalPacketStreamTest, ByteAtATime) {
  const TestStream stream = MakeStream(false);
  std::vector<size_t> cuts;
  for (size_t i = 1; i < stream.bytes.size(); ++i) cuts.push_back(i);
  ExpectPayloads(Decode(stream.bytes, cuts), stream, "byte at a time");
}

// Built once: 32 MiB of pattern is slow to make under the sanitizers.
const TestStream& BigStream() {
  static const TestStream* stream = new TestStream(MakeStream(true));
  return *stream;
}

TEST(LogicalPacketStreamTest, BigStreamSplitAroundEveryChunkBoundary) {
  const TestStream& stream = BigStream();
  // The header positions of the 0xFFFFFF chunks and of the packets after
  // them (the small packets are covered by the exhaustive test above).
  std::set<size_t> cuts;
  size_t offset = 0;
  bool after_big = false;
  while (offset < stream.bytes.size()) {
    FrameResult frame =
        PacketFramer().Next(ByteView(stream.bytes).subspan(offset));
    ASSERT_EQ(frame.status, FrameStatus::kGood);
    if (frame.packet.is_max_size() || after_big) {
      // Inside the previous payload, at the header, inside it, at the
      // payload, inside the payload.
      for (size_t cut : {offset - std::min<size_t>(offset, 1), offset,
                         offset + 1, offset + 3, offset + 4, offset + 5}) {
        cuts.insert(cut);
      }
    }
    after_big = frame.packet.is_max_size();
    offset += frame.consumed;
  }
  cuts.insert(stream.bytes.size() / 3);
  cuts.insert(stream.bytes.size() - 1);
  for (size_t cut : cuts) {
    ASSERT_LE(cut, stream.bytes.size());
    ExpectPayloads(Decode(stream.bytes, {cut}), stream,
                   "cut at " + std::to_string(cut));
  }
  EXPECT_GE(cuts.size(), 20u);
}

TEST(LogicalPacketStreamTest, MaxSizeChunksKeepTheirSequenceIds) {
  const TestStream& stream = BigStream();
  std::vector<LogicalPacket> packets = Decode(stream.bytes, {});
  ASSERT_EQ(packets.size(), 6u);
  EXPECT_EQ(packets[2].first_sequence_id, 2);
  EXPECT_EQ(packets[2].last_sequence_id, 3);  // the empty chunk
  EXPECT_EQ(packets[3].first_sequence_id, 4);
  EXPECT_EQ(packets[3].last_sequence_id, 5);
  EXPECT_EQ(packets[5].last_sequence_id, 7);
}

}  // namespace
}  // namespace coffer::mysql

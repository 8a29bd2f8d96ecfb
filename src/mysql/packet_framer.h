// Packet framing of the MariaDB/MySQL protocol.
//
// On the wire every packet is a 3-byte little-endian payload length, a
// 1-byte sequence id and the payload. A payload of 0xFFFFFF bytes (16 MiB
// - 1) means that the logical packet continues in the next physical
// packet; a logical packet ends with the first shorter one, which may be
// empty. Sequence ids go up by one (mod 256) from packet to packet within
// one command/reply exchange.
//
//   PacketFramer           cuts one physical packet off the front of a
//                          byte stream: good (with what it consumed),
//                          need-more, or bad.
//   LogicalPacketAssembler joins physical packets into logical payloads,
//                          checks sequence ids and a size limit.
//   LogicalPacketStream    both over a buffer that owns the bytes: feed
//                          it whatever the socket gave, pop logical
//                          packets.
//   EncodePackets          splits a logical payload into physical packets.
//
// All of them take untrusted bytes and report malformed input as a Status
// (kInvalidArgument for broken framing or sequence ids,
// kResourceExhausted for limits); none of them crashes on any input.
// Thread safety: one thread per object; PacketFramer::Next is const.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "common/encoding.h"
#include "common/status.h"
#include "mysql/wire.h"

namespace coffer::mysql {

inline constexpr size_t kPacketHeaderSize = 4;
inline constexpr size_t kMaxPacketPayload = 0xFFFFFF;
inline constexpr size_t kDefaultMaxLogicalPacket = size_t{64} << 20;

// One physical packet; `payload` points into the framer's input.
struct PhysicalPacket {
  uint8_t sequence_id = 0;
  ByteView payload;
  // A continuation packet follows.
  bool is_max_size() const { return payload.size() == kMaxPacketPayload; }
};

enum class FrameStatus { kGood, kNeedMore, kBad };

struct FrameResult {
  FrameStatus status = FrameStatus::kNeedMore;
  // Bytes of input that make up `packet` (header included); 0 unless kGood.
  size_t consumed = 0;
  PhysicalPacket packet;  // valid when kGood
  Status error;           // set when kBad
};

class PacketFramer {
 public:
  // Payloads longer than `max_payload` (at most 0xFFFFFF) are kBad.
  explicit PacketFramer(size_t max_payload = kMaxPacketPayload)
      : max_payload_(max_payload < kMaxPacketPayload ? max_payload
                                                     : kMaxPacketPayload) {}

  // Looks at the front of `input`: kGood when a whole packet is there,
  // kNeedMore (consumed 0) when its header or payload is incomplete, kBad
  // (kResourceExhausted) when the header announces more than the limit.
  // Stateless: the caller keeps unconsumed bytes and calls again with more.
  FrameResult Next(ByteView input) const;

 private:
  size_t max_payload_;
};

struct LogicalPacket {
  uint8_t first_sequence_id = 0;  // of its first physical packet
  uint8_t last_sequence_id = 0;   // of its last physical packet
  coffer::Bytes payload;
};

class LogicalPacketAssembler {
 public:
  explicit LogicalPacketAssembler(
      size_t max_logical_size = kDefaultMaxLogicalPacket)
      : max_logical_size_(max_logical_size) {}

  // Adds one physical packet. Returns the logical packet it completes, or
  // nullopt when it was a 0xFFFFFF chunk and more must follow. Errors:
  // kInvalidArgument when the sequence id is not the expected one,
  // kResourceExhausted when the logical packet would exceed the limit.
  // After an error the assembler is reset; the stream is not usable.
  StatusOr<std::optional<LogicalPacket>> Add(const PhysicalPacket& packet);

  // The sequence id the next packet must carry. Unset (the default) accepts
  // any id for the next packet; it is set after each packet to its id + 1.
  void ExpectSequenceId(std::optional<uint8_t> id) { expected_ = id; }
  std::optional<uint8_t> expected_sequence_id() const { return expected_; }

  // Whether the id must also follow on from the previous logical packet
  // (the default). A relay turns it off: each command starts again at 0,
  // and a client may send the next command before a reply ends. Chunks of
  // one logical packet are always checked.
  void CheckSequenceAcrossPackets(bool check) { across_packets_ = check; }

  // True while chunks of an unfinished logical packet are buffered.
  bool in_progress() const { return in_progress_; }

 private:
  size_t max_logical_size_;
  std::optional<uint8_t> expected_;
  bool across_packets_ = true;
  bool in_progress_ = false;
  LogicalPacket current_;
};

// Framer + assembler over an owned buffer.
class LogicalPacketStream {
 public:
  explicit LogicalPacketStream(
      size_t max_logical_size = kDefaultMaxLogicalPacket)
      : assembler_(max_logical_size) {}

  // Appends bytes and decodes every complete logical packet in them. On
  // error the stream is broken: later calls return the same error.
  Status Feed(ByteView bytes);
  // The oldest decoded logical packet, if any.
  std::optional<LogicalPacket> Pop();
  LogicalPacketAssembler& assembler() { return assembler_; }
  // Bytes received but not yet part of a whole physical packet.
  size_t buffered() const { return buffer_.size(); }

 private:
  // Decodes whole physical packets from the front of `bytes`, adding to
  // `consumed`.
  Status Drain(ByteView bytes, size_t& consumed);

  PacketFramer framer_;
  LogicalPacketAssembler assembler_;
  coffer::Bytes buffer_;
  std::deque<LogicalPacket> ready_;
  Status error_;
};

struct EncodedPackets {
  coffer::Bytes bytes;       // headers and payloads, ready to send
  uint8_t next_sequence_id;  // for the packet after these
};

// Splits `payload` into physical packets of at most 0xFFFFFF bytes
// numbered from `first_sequence_id`; a payload whose length is a multiple
// of 0xFFFFFF (including 0) ends with an empty packet.
EncodedPackets EncodePackets(ByteView payload, uint8_t first_sequence_id);

}  // namespace coffer::mysql

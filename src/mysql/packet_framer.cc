#include "mysql/packet_framer.h"

#include <algorithm>
#include <string>

namespace coffer::mysql {

FrameResult PacketFramer::Next(ByteView input) const {
  FrameResult result;
  if (input.size() < kPacketHeaderSize) return result;
  const size_t length =
      size_t{input[0]} | (size_t{input[1]} << 8) | (size_t{input[2]} << 16);
  if (length > max_payload_) {
    result.status = FrameStatus::kBad;
    result.error = ResourceExhaustedError(
        "packet header announces a payload of " + std::to_string(length) +
        " bytes, over the limit of " + std::to_string(max_payload_));
    return result;
  }
  if (input.size() - kPacketHeaderSize < length) return result;
  result.status = FrameStatus::kGood;
  result.consumed = kPacketHeaderSize + length;
  result.packet.sequence_id = input[3];
  result.packet.payload = input.subspan(kPacketHeaderSize, length);
  return result;
}

StatusOr<std::optional<LogicalPacket>> LogicalPacketAssembler::Add(
    const PhysicalPacket& packet) {
  if (expected_.has_value() && packet.sequence_id != *expected_) {
    const int expected = *expected_;
    *this = LogicalPacketAssembler(max_logical_size_);
    return InvalidArgumentError("packet out of order: sequence id " +
                                std::to_string(packet.sequence_id) +
                                ", expected " + std::to_string(expected));
  }
  if (current_.payload.size() + packet.payload.size() > max_logical_size_) {
    const size_t size = current_.payload.size() + packet.payload.size();
    *this = LogicalPacketAssembler(max_logical_size_);
    return ResourceExhaustedError(
        "logical packet of at least " + std::to_string(size) +
        " bytes is over the limit of " + std::to_string(max_logical_size_));
  }
  if (!in_progress_) current_.first_sequence_id = packet.sequence_id;
  current_.last_sequence_id = packet.sequence_id;
  current_.payload.insert(current_.payload.end(), packet.payload.begin(),
                          packet.payload.end());
  expected_ = static_cast<uint8_t>(packet.sequence_id + 1);
  if (packet.is_max_size()) {
    in_progress_ = true;
    return std::optional<LogicalPacket>();
  }
  in_progress_ = false;
  if (!across_packets_) expected_.reset();
  std::optional<LogicalPacket> done(std::move(current_));
  current_ = LogicalPacket();
  return done;
}

Status LogicalPacketStream::Feed(ByteView bytes) {
  COFFER_RETURN_IF_ERROR(error_);
  // Decode straight from `bytes` when nothing is buffered: the common
  // case, and big packets are then copied once, not twice.
  if (buffer_.empty()) {
    size_t consumed = 0;
    COFFER_RETURN_IF_ERROR(Drain(bytes, consumed));
    buffer_.assign(bytes.begin() + static_cast<std::ptrdiff_t>(consumed),
                   bytes.end());
    return OkStatus();
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t consumed = 0;
  COFFER_RETURN_IF_ERROR(Drain(buffer_, consumed));
  buffer_.erase(buffer_.begin(),
                buffer_.begin() + static_cast<std::ptrdiff_t>(consumed));
  return OkStatus();
}

Status LogicalPacketStream::Drain(ByteView bytes, size_t& consumed) {
  while (true) {
    FrameResult frame = framer_.Next(bytes.subspan(consumed));
    if (frame.status == FrameStatus::kNeedMore) return OkStatus();
    if (frame.status == FrameStatus::kBad) {
      error_ = frame.error;
      return error_;
    }
    auto logical = assembler_.Add(frame.packet);
    if (!logical.ok()) {
      error_ = logical.status();
      return error_;
    }
    if (logical->has_value()) ready_.push_back(std::move(**logical));
    consumed += frame.consumed;
  }
}

std::optional<LogicalPacket> LogicalPacketStream::Pop() {
  if (ready_.empty()) return std::nullopt;
  LogicalPacket packet = std::move(ready_.front());
  ready_.pop_front();
  return packet;
}

EncodedPackets EncodePackets(ByteView payload, uint8_t first_sequence_id) {
  EncodedPackets out{{}, first_sequence_id};
  out.bytes.reserve(payload.size() +
                    kPacketHeaderSize *
                        (payload.size() / kMaxPacketPayload + 1));
  size_t offset = 0;
  while (true) {
    const size_t chunk = std::min(payload.size() - offset, kMaxPacketPayload);
    Writer header;
    header.U24(static_cast<uint32_t>(chunk));
    header.U8(out.next_sequence_id++);
    out.bytes.insert(out.bytes.end(), header.bytes().begin(),
                     header.bytes().end());
    out.bytes.insert(out.bytes.end(), payload.begin() + offset,
                     payload.begin() + offset + chunk);
    offset += chunk;
    if (chunk < kMaxPacketPayload) break;
  }
  return out;
}

}  // namespace coffer::mysql

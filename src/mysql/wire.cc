#include "mysql/wire.h"

#include <algorithm>
#include <string>

namespace coffer::mysql {

Status Reader::Truncated(size_t size, std::string_view field) const {
  return InvalidArgumentError(
      std::string(what_) + " truncated: " + std::string(field) + " needs " +
      std::to_string(size) + " bytes at offset " + std::to_string(position_) +
      ", " + std::to_string(remaining()) + " left");
}

Status Reader::Error(std::string_view message) const {
  return InvalidArgumentError(std::string(what_) + ": " + std::string(message) +
                              " at offset " + std::to_string(position_));
}

StatusOr<uint8_t> Reader::Peek(std::string_view field) const {
  if (empty()) return Truncated(1, field);
  return data_[position_];
}

StatusOr<ByteView> Reader::ReadBytes(size_t size, std::string_view field) {
  if (size > remaining()) return Truncated(size, field);
  ByteView bytes = data_.subspan(position_, size);
  position_ += size;
  return bytes;
}

Status Reader::Skip(size_t size, std::string_view field) {
  return ReadBytes(size, field).status();
}

StatusOr<uint64_t> Reader::ReadFixed(size_t width, std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(ByteView bytes, ReadBytes(width, field));
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) {
    value |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  }
  return value;
}

StatusOr<uint8_t> Reader::ReadU8(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(uint64_t value, ReadFixed(1, field));
  return static_cast<uint8_t>(value);
}
StatusOr<uint16_t> Reader::ReadU16(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(uint64_t value, ReadFixed(2, field));
  return static_cast<uint16_t>(value);
}
StatusOr<uint32_t> Reader::ReadU24(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(uint64_t value, ReadFixed(3, field));
  return static_cast<uint32_t>(value);
}
StatusOr<uint32_t> Reader::ReadU32(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(uint64_t value, ReadFixed(4, field));
  return static_cast<uint32_t>(value);
}
StatusOr<uint64_t> Reader::ReadU48(std::string_view field) {
  return ReadFixed(6, field);
}
StatusOr<uint64_t> Reader::ReadU64(std::string_view field) {
  return ReadFixed(8, field);
}

StatusOr<std::optional<uint64_t>> Reader::ReadLenencOrNull(
    std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(uint8_t first, ReadU8(field));
  size_t width = 0;
  switch (first) {
    case kLenencNull: return std::optional<uint64_t>();
    case 0xFC: width = 2; break;
    case 0xFD: width = 3; break;
    case 0xFE: width = 8; break;
    case 0xFF:
      --position_;
      return Error(std::string(field) +
                   " is not a length-encoded integer (first byte 0xff)");
    default: return std::optional<uint64_t>(first);
  }
  COFFER_ASSIGN_OR_RETURN(uint64_t value, ReadFixed(width, field));
  return std::optional<uint64_t>(value);
}

StatusOr<uint64_t> Reader::ReadLenenc(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(std::optional<uint64_t> value,
                          ReadLenencOrNull(field));
  if (!value.has_value()) {
    --position_;
    return Error(std::string(field) +
                 " is NULL (0xfb) where a length is "
                 "required");
  }
  return *value;
}

StatusOr<std::string_view> Reader::ReadString(size_t size,
                                              std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(ByteView bytes, ReadBytes(size, field));
  return AsString(bytes);
}

StatusOr<std::string_view> Reader::ReadLenencString(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(uint64_t size, ReadLenenc(field));
  if (size > remaining()) return Truncated(size, field);
  return ReadString(static_cast<size_t>(size), field);
}

StatusOr<std::string_view> Reader::ReadNulString(std::string_view field) {
  ByteView rest = data_.subspan(position_);
  auto nul = std::find(rest.begin(), rest.end(), uint8_t{0});
  if (nul == rest.end()) {
    return Error(std::string(field) + " has no terminating NUL");
  }
  const size_t size = static_cast<size_t>(nul - rest.begin());
  std::string_view value = AsString(rest.first(size));
  position_ += size + 1;
  return value;
}

std::string_view Reader::ReadRest() {
  std::string_view rest = AsString(data_.subspan(position_));
  position_ = data_.size();
  return rest;
}

Status Reader::ExpectEnd() const {
  if (empty()) return OkStatus();
  return Error("has " + std::to_string(remaining()) +
               " unexpected trailing bytes");
}

void Writer::Fixed(uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) {
    bytes_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

size_t LenencSize(uint64_t value) {
  if (value < 0xFB) return 1;
  if (value <= 0xFFFF) return 3;
  if (value <= 0xFFFFFF) return 4;
  return 9;
}

void Writer::Lenenc(uint64_t value) {
  switch (LenencSize(value)) {
    case 1: U8(static_cast<uint8_t>(value)); break;
    case 3:
      U8(0xFC);
      Fixed(value, 2);
      break;
    case 4:
      U8(0xFD);
      Fixed(value, 3);
      break;
    default:
      U8(0xFE);
      Fixed(value, 8);
      break;
  }
}

void Writer::LenencString(std::string_view value) {
  Lenenc(value.size());
  Append(value);
}

void Writer::NulString(std::string_view value) {
  Append(value);
  U8(0);
}

void Writer::Append(std::string_view value) { Append(AsBytes(value)); }

void Writer::Append(ByteView value) {
  bytes_.insert(bytes_.end(), value.begin(), value.end());
}

}  // namespace coffer::mysql

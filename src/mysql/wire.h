// Primitive encodings of the MariaDB/MySQL client/server protocol.
//
// Reader is a cursor over one untrusted payload that never reads past its
// end: every read checks the length first and, when the bytes are not
// there, returns kInvalidArgument naming the field, its offset and what is
// left ("OK packet truncated: status flags needs 2 bytes at offset 3, 1
// left"). Writer appends the same encodings to a growing payload.
//
// Integers are little-endian. A length-encoded integer ("lenenc") is one
// byte below 0xFB, or 0xFC + 2 bytes, 0xFD + 3 bytes, 0xFE + 8 bytes;
// 0xFB is the NULL marker of text rows and 0xFF starts an ERR packet, so
// neither is an integer.
//
// Strings returned by Reader are views into the payload: they live as
// long as the caller's buffer. Thread safety: one thread per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/status.h"

namespace coffer::mysql {

using ByteView = std::span<const uint8_t>;

inline constexpr uint8_t kLenencNull = 0xFB;

class Reader {
 public:
  // `what` names the payload in errors ("OK packet").
  Reader(ByteView data, std::string_view what) : data_(data), what_(what) {}

  size_t offset() const { return position_; }
  size_t remaining() const { return data_.size() - position_; }
  bool empty() const { return remaining() == 0; }

  // The next byte without consuming it.
  StatusOr<uint8_t> Peek(std::string_view field) const;

  // Fixed-width little-endian integers of `width` 1..8 bytes.
  StatusOr<uint64_t> ReadFixed(size_t width, std::string_view field);
  StatusOr<uint8_t> ReadU8(std::string_view field);
  StatusOr<uint16_t> ReadU16(std::string_view field);
  StatusOr<uint32_t> ReadU24(std::string_view field);
  StatusOr<uint32_t> ReadU32(std::string_view field);
  StatusOr<uint64_t> ReadU48(std::string_view field);
  StatusOr<uint64_t> ReadU64(std::string_view field);

  // A length-encoded integer; 0xFB (NULL) and 0xFF are errors.
  StatusOr<uint64_t> ReadLenenc(std::string_view field);
  // Same, but 0xFB reads as nullopt (text-row values).
  StatusOr<std::optional<uint64_t>> ReadLenencOrNull(std::string_view field);

  StatusOr<ByteView> ReadBytes(size_t size, std::string_view field);
  StatusOr<std::string_view> ReadString(size_t size, std::string_view field);
  // A lenenc length followed by that many bytes.
  StatusOr<std::string_view> ReadLenencString(std::string_view field);
  // Bytes up to a NUL, which is consumed and not returned; an error when
  // there is no NUL.
  StatusOr<std::string_view> ReadNulString(std::string_view field);
  // Everything that is left (possibly empty).
  std::string_view ReadRest();
  Status Skip(size_t size, std::string_view field);

  // kInvalidArgument "WHAT has N unexpected trailing bytes at offset O"
  // unless the payload has been read to its end.
  Status ExpectEnd() const;

  // An error "WHAT: MESSAGE at offset O", for checks made by the caller.
  Status Error(std::string_view message) const;

 private:
  Status Truncated(size_t size, std::string_view field) const;

  ByteView data_;
  std::string_view what_;
  size_t position_ = 0;
};

// Appends protocol encodings to a payload.
class Writer {
 public:
  void U8(uint8_t value) { bytes_.push_back(value); }
  void U16(uint16_t value) { Fixed(value, 2); }
  void U24(uint32_t value) { Fixed(value, 3); }
  void U32(uint32_t value) { Fixed(value, 4); }
  void U64(uint64_t value) { Fixed(value, 8); }
  void Fixed(uint64_t value, size_t width);
  // The shortest lenenc encoding of `value`.
  void Lenenc(uint64_t value);
  void LenencNull() { U8(kLenencNull); }
  void LenencString(std::string_view value);
  // The bytes then a NUL. `value` must not contain a NUL: the reader would
  // stop there, so callers check with HasNul() first.
  void NulString(std::string_view value);
  void Append(std::string_view value);
  void Append(ByteView value);
  void Zeros(size_t count) { bytes_.insert(bytes_.end(), count, 0); }

  size_t size() const { return bytes_.size(); }
  const coffer::Bytes& bytes() const { return bytes_; }
  coffer::Bytes Take() && { return std::move(bytes_); }

 private:
  coffer::Bytes bytes_;
};

inline bool HasNul(std::string_view value) {
  return value.find('\0') != std::string_view::npos;
}

// Number of bytes Writer::Lenenc uses for `value`.
size_t LenencSize(uint64_t value);

}  // namespace coffer::mysql

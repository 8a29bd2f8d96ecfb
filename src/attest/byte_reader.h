// ByteReader: a cursor over untrusted bytes that never reads past the end.
//
// Quotes are binary structures whose length fields come from whoever sent
// the quote. Every read goes through Take(), which checks the length first
// and names the field, its offset and what is left when it cannot be read:
//   quote truncated: QE report signature needs 64 bytes at offset 1012,
//   40 left
// Offsets are absolute (from the start of the outermost buffer), so a
// nested reader over a part of the quote still reports positions in the
// quote.
//
// Integers are little-endian, as in every Intel SGX/TDX structure.
// Thread safety: a reader is used by one thread at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer::attest {

class ByteReader {
 public:
  // `what` names the buffer in errors ("quote"); `base_offset` is the
  // buffer's position in the outermost one.
  ByteReader(std::span<const uint8_t> data, std::string_view what,
             size_t base_offset = 0)
      : data_(data), what_(what), base_offset_(base_offset) {}

  // Absolute offset of the next byte.
  size_t offset() const { return base_offset_ + position_; }
  size_t remaining() const { return data_.size() - position_; }

  // The next `size` bytes, named `field` in the error if they are not
  // there. kInvalidArgument "WHAT truncated: FIELD needs N bytes at offset
  // O, R left".
  StatusOr<std::span<const uint8_t>> Take(size_t size, std::string_view field);

  StatusOr<uint16_t> ReadU16(std::string_view field);
  StatusOr<uint32_t> ReadU32(std::string_view field);
  StatusOr<uint64_t> ReadU64(std::string_view field);

  template <size_t N>
  Status ReadArray(std::string_view field, std::array<uint8_t, N>& out) {
    StatusOr<std::span<const uint8_t>> bytes = Take(N, field);
    if (!bytes.ok()) return bytes.status();
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return OkStatus();
  }

 private:
  std::span<const uint8_t> data_;
  std::string what_;
  size_t base_offset_;
  size_t position_ = 0;
};

// Little-endian integer from exactly sizeof(T) bytes; for fields the
// caller has already bounds-checked.
template <typename T>
T LoadLittleEndian(std::span<const uint8_t, sizeof(T)> bytes) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>(value | (static_cast<T>(bytes[i]) << (8 * i)));
  }
  return value;
}

}  // namespace coffer::attest

#include "attest/der_reader.h"

#include <string>

namespace coffer::attest::internal {

Status DerReader::Error(std::string_view problem) const {
  return InvalidArgumentError("malformed DER at offset " +
                              std::to_string(base_offset_ + position_) + ": " +
                              std::string(problem));
}

StatusOr<DerElement> DerReader::Next() {
  const size_t left = data_.size() - position_;
  if (left < 2) return Error("truncated element header");
  DerElement element;
  element.offset = base_offset_ + position_;
  element.tag = data_[position_];
  if ((element.tag & 0x1F) == 0x1F) return Error("multi-byte tag");
  size_t header = 2;
  size_t length = data_[position_ + 1];
  if (length == 0x80) return Error("indefinite length");
  if (length > 0x80) {
    const size_t length_bytes = length & 0x7F;
    if (length_bytes > 4) return Error("length longer than 4 bytes");
    if (left < 2 + length_bytes) return Error("truncated length");
    length = 0;
    for (size_t i = 0; i < length_bytes; ++i) {
      length = (length << 8) | data_[position_ + 2 + i];
    }
    header += length_bytes;
  }
  if (length > left - header) {
    return Error("element of " + std::to_string(length) + " bytes, only " +
                 std::to_string(left - header) + " left");
  }
  element.content = data_.subspan(position_ + header, length);
  element.content_offset = element.offset + header;
  position_ += header + length;
  return element;
}

StatusOr<DerElement> DerReader::Expect(uint8_t tag, std::string_view what) {
  const size_t offset = base_offset_ + position_;
  COFFER_ASSIGN_OR_RETURN(DerElement element, Next());
  if (element.tag != tag) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const std::string found = {kDigits[element.tag >> 4],
                               kDigits[element.tag & 0xF]};
    return InvalidArgumentError("malformed DER at offset " +
                                std::to_string(offset) + ": " +
                                std::string(what) + " has tag 0x" + found);
  }
  return element;
}

StatusOr<uint32_t> DerUnsigned(const DerElement& element, uint32_t max,
                               std::string_view what) {
  std::span<const uint8_t> bytes = element.content;
  auto bad = [&] {
    return InvalidArgumentError(std::string(what) +
                                " must be an INTEGER from 0 to " +
                                std::to_string(max));
  };
  if (element.tag != kDerInteger && element.tag != kDerEnumerated) return bad();
  if (bytes.empty() || (bytes[0] & 0x80) != 0) return bad();  // negative
  // A leading zero only makes room for a high bit.
  if (bytes.size() > 1 && bytes[0] == 0) bytes = bytes.subspan(1);
  if (bytes.size() > 4) return bad();
  uint64_t value = 0;
  for (uint8_t byte : bytes) value = (value << 8) | byte;
  if (value > max) return bad();
  return static_cast<uint32_t>(value);
}

StatusOr<bool> DerBoolean(const DerElement& element, std::string_view what) {
  if (element.tag != kDerBoolean || element.content.size() != 1) {
    return InvalidArgumentError(std::string(what) + " must be a BOOLEAN");
  }
  return element.content[0] != 0;
}

}  // namespace coffer::attest::internal

#include "attest/byte_reader.h"

namespace coffer::attest {

StatusOr<std::span<const uint8_t>> ByteReader::Take(size_t size,
                                                    std::string_view field) {
  if (size > remaining()) {
    return InvalidArgumentError(what_ + " truncated: " + std::string(field) +
                                " needs " + std::to_string(size) +
                                " bytes at offset " + std::to_string(offset()) +
                                ", " + std::to_string(remaining()) + " left");
  }
  std::span<const uint8_t> bytes = data_.subspan(position_, size);
  position_ += size;
  return bytes;
}

StatusOr<uint16_t> ByteReader::ReadU16(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, Take(2, field));
  return LoadLittleEndian<uint16_t>(bytes.first<2>());
}

StatusOr<uint32_t> ByteReader::ReadU32(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, Take(4, field));
  return LoadLittleEndian<uint32_t>(bytes.first<4>());
}

StatusOr<uint64_t> ByteReader::ReadU64(std::string_view field) {
  COFFER_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, Take(8, field));
  return LoadLittleEndian<uint64_t>(bytes.first<8>());
}

}  // namespace coffer::attest

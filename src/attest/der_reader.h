// Internal to src/attest: a minimal, bounds-checked DER reader for the SGX
// extension of PCK certificates.
//
// It reads tag-length-value elements with single-byte tags and definite
// lengths of up to 4 length bytes; anything else is kInvalidArgument with
// the offset, never a read past the end. OpenSSL parses the certificate
// itself; this reads only the extension's contents, which OpenSSL leaves
// as an opaque OCTET STRING.
// Thread safety: a reader is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"

namespace coffer::attest::internal {

inline constexpr uint8_t kDerBoolean = 0x01;
inline constexpr uint8_t kDerInteger = 0x02;
inline constexpr uint8_t kDerOctetString = 0x04;
inline constexpr uint8_t kDerOid = 0x06;
inline constexpr uint8_t kDerEnumerated = 0x0A;
inline constexpr uint8_t kDerSequence = 0x30;

struct DerElement {
  uint8_t tag = 0;
  std::span<const uint8_t> content;
  size_t offset = 0;          // of the tag, within the outermost buffer
  size_t content_offset = 0;  // of the contents
};

class DerReader {
 public:
  explicit DerReader(std::span<const uint8_t> data, size_t base_offset = 0)
      : data_(data), base_offset_(base_offset) {}

  bool empty() const { return position_ == data_.size(); }

  StatusOr<DerElement> Next();
  // Next(), which must have `tag`; `what` names it in the error.
  StatusOr<DerElement> Expect(uint8_t tag, std::string_view what);

 private:
  Status Error(std::string_view problem) const;

  std::span<const uint8_t> data_;
  size_t base_offset_;
  size_t position_ = 0;
};

// A reader over the contents of a constructed element (a SEQUENCE).
inline DerReader Inside(const DerElement& element) {
  return DerReader(element.content, element.content_offset);
}

// An INTEGER's value, which must be from 0 to `max`.
StatusOr<uint32_t> DerUnsigned(const DerElement& element, uint32_t max,
                               std::string_view what);
// A BOOLEAN's value (0x00 false, 0xFF true).
StatusOr<bool> DerBoolean(const DerElement& element, std::string_view what);

}  // namespace coffer::attest::internal

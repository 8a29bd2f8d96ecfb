// Hex and base64 encodings of byte strings.
//
// Decoders take untrusted text and return a clear error naming the first bad
// character; they never crash. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coffer {

using Bytes = std::vector<uint8_t>;

// Lower-case hex, two characters a byte.
std::string HexEncode(std::span<const uint8_t> data);
inline std::string HexEncode(std::string_view data) {
  return HexEncode(
      std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}
// Accepts upper and lower case; rejects odd lengths and non-hex characters.
StatusOr<Bytes> HexDecode(std::string_view hex);
// True when `text` is exactly `length` hex digits.
bool IsHex(std::string_view text, size_t length);

// Standard base64 (RFC 4648, section 4) with padding.
std::string Base64Encode(std::span<const uint8_t> data);
// Accepts padded or unpadded standard base64; rejects anything else.
StatusOr<Bytes> Base64Decode(std::string_view text);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsString(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace coffer

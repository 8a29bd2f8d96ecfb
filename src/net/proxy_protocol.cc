#include "net/proxy_protocol.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

namespace coffer::net {
namespace {

constexpr std::array<uint8_t, 12> kV2Signature = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// v2 family (high nibble) and transport (low nibble) of byte 13.
constexpr int kFamilyUnspec = 0;
constexpr int kFamilyInet = 1;
constexpr int kFamilyInet6 = 2;
constexpr int kFamilyUnix = 3;
constexpr int kTransportUnspec = 0;
constexpr int kTransportStream = 1;
constexpr int kTransportDgram = 2;

// Sizes of the v2 address blocks: two addresses then two ports (INET,
// INET6), or two 108-byte paths (UNIX).
constexpr size_t kInetBlockBytes = 4 + 4 + 2 + 2;
constexpr size_t kInet6BlockBytes = 16 + 16 + 2 + 2;
constexpr size_t kUnixBlockBytes = 108 + 108;
constexpr size_t kTlvHeaderBytes = 3;  // type, 2-byte length

constexpr std::string_view kV1Prefix = "PROXY ";

std::string Hex(uint8_t byte) {
  char text[5];
  std::snprintf(text, sizeof(text), "0x%02x", byte);
  return text;
}

ProxyParseResult NeedMore() { return ProxyParseResult{}; }

ProxyParseResult Bad(Status error) {
  ProxyParseResult result;
  result.state = ProxyParse::kBad;
  result.error = std::move(error);
  return result;
}

ProxyParseResult BadV1(const std::string& why) {
  return Bad(InvalidArgumentError("PROXY protocol v1: " + why));
}

ProxyParseResult BadV2(const std::string& why) {
  return Bad(InvalidArgumentError("PROXY protocol v2: " + why));
}

ProxyParseResult Good(size_t consumed, ProxyHeader header) {
  ProxyParseResult result;
  result.state = ProxyParse::kGood;
  result.consumed = consumed;
  result.header = std::move(header);
  return result;
}

uint16_t BigEndian16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

std::string FormatAddress(int af, const uint8_t* raw) {
  char text[INET6_ADDRSTRLEN] = {};
  // Cannot fail: the buffer fits any IPv4 or IPv6 address.
  if (inet_ntop(af, raw, text, sizeof(text)) == nullptr) return "";
  return text;
}

// ---------------------------------------------------------------- v2

std::string_view FamilyName(int family) {
  switch (family) {
    case kFamilyUnspec: return "UNSPEC";
    case kFamilyInet: return "INET";
    case kFamilyInet6: return "INET6";
    case kFamilyUnix: return "UNIX";
  }
  return "?";
}

std::string_view TransportName(int transport) {
  switch (transport) {
    case kTransportUnspec: return "UNSPEC";
    case kTransportStream: return "STREAM";
    case kTransportDgram: return "DGRAM";
  }
  return "?";
}

size_t AddressBlockBytes(int family) {
  switch (family) {
    case kFamilyInet: return kInetBlockBytes;
    case kFamilyInet6: return kInet6BlockBytes;
    case kFamilyUnix: return kUnixBlockBytes;
  }
  return 0;
}

// Checks that `tlvs` is a sequence of whole TLVs; `offset` is where it
// starts in the header, for the message.
Status CheckTlvs(std::span<const uint8_t> tlvs, size_t offset) {
  size_t at = 0;
  while (at < tlvs.size()) {
    const size_t left = tlvs.size() - at;
    if (left < kTlvHeaderBytes) {
      return InvalidArgumentError(
          "PROXY protocol v2: truncated TLV at offset " +
          std::to_string(offset + at) + " (" + std::to_string(left) +
          " bytes left, a TLV needs at least 3)");
    }
    const size_t value_bytes = BigEndian16(&tlvs[at + 1]);
    if (value_bytes > left - kTlvHeaderBytes) {
      return InvalidArgumentError(
          "PROXY protocol v2: TLV of type " + Hex(tlvs[at]) + " at offset " +
          std::to_string(offset + at) + " has length " +
          std::to_string(value_bytes) + " but only " +
          std::to_string(left - kTlvHeaderBytes) + " bytes follow");
    }
    at += kTlvHeaderBytes + value_bytes;
  }
  return OkStatus();
}

// bytes[0] is 0x0D. The checks run in wire order, each as soon as its bytes
// have arrived, so that a bad header is refused without waiting for more.
ProxyParseResult ParseV2(std::span<const uint8_t> bytes, size_t max_payload) {
  const size_t signature_seen = std::min(bytes.size(), kV2Signature.size());
  if (!std::equal(bytes.begin(), bytes.begin() + signature_seen,
                  kV2Signature.begin())) {
    return Bad(InvalidArgumentError(
        "PROXY protocol: no PROXY header (the bytes starting with 0x0d do "
        "not match the v2 signature)"));
  }
  if (bytes.size() <= 12) return NeedMore();

  const int version = bytes[12] >> 4;
  const int command = bytes[12] & 0x0F;
  if (version != 2) {
    return Bad(InvalidArgumentError("PROXY protocol: unsupported version " +
                                    std::to_string(version)));
  }
  if (command != 0 && command != 1) {
    return BadV2("unsupported command " + std::to_string(command) +
                 " (0 LOCAL and 1 PROXY are defined)");
  }
  const bool local = command == 0;
  if (bytes.size() <= 13) return NeedMore();

  // LOCAL: "the receiver must ... discard the protocol block including the
  // family which is ignored", so only PROXY looks at byte 13.
  const int family = bytes[13] >> 4;
  const int transport = bytes[13] & 0x0F;
  if (!local) {
    if (family > kFamilyUnix) {
      return BadV2("unsupported address family " + std::to_string(family));
    }
    if (transport > kTransportDgram) {
      return BadV2("unsupported transport protocol " +
                   std::to_string(transport));
    }
    if (family != kFamilyUnspec && transport != kTransportStream) {
      return BadV2("transport " + std::string(TransportName(transport)) +
                   " over " + std::string(FamilyName(family)) +
                   " is not supported (only STREAM)");
    }
  }
  if (bytes.size() < kV2Signature.size() + 4) return NeedMore();

  const size_t length = BigEndian16(&bytes[14]);
  if (length > max_payload) {
    return Bad(ResourceExhaustedError(
        "PROXY protocol v2: length " + std::to_string(length) +
        " exceeds the limit of " + std::to_string(max_payload) + " bytes"));
  }
  const size_t address_bytes = local ? 0 : AddressBlockBytes(family);
  if (address_bytes > length) {
    return BadV2("address block of " + std::to_string(address_bytes) +
                 " bytes does not fit in length " + std::to_string(length));
  }
  const size_t total = kProxyV2FixedBytes + length;
  if (bytes.size() < total) return NeedMore();

  ProxyHeader header;
  header.version = 2;
  if (local) {
    header.command = ProxyHeader::Command::kLocal;
    return Good(total, std::move(header));
  }
  header.command = ProxyHeader::Command::kProxy;
  const std::span<const uint8_t> block =
      bytes.subspan(kProxyV2FixedBytes, length);
  if (Status tlvs = CheckTlvs(block.subspan(address_bytes),
                              kProxyV2FixedBytes + address_bytes);
      !tlvs.ok()) {
    return Bad(std::move(tlvs));
  }
  if (family == kFamilyInet || family == kFamilyInet6) {
    const int af = family == kFamilyInet ? AF_INET : AF_INET6;
    const size_t address_size = family == kFamilyInet ? 4 : 16;
    header.has_address = true;
    header.source_address = FormatAddress(af, &block[0]);
    header.destination_address = FormatAddress(af, &block[address_size]);
    header.source_port = BigEndian16(&block[2 * address_size]);
    header.destination_port = BigEndian16(&block[2 * address_size + 2]);
  }
  return Good(total, std::move(header));
}

// ---------------------------------------------------------------- v1
//
// "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF, or
// "PROXY" SP "UNKNOWN" [SP anything-but-CRLF] CRLF; at most 107 bytes.
// Each byte moves the state machine below; a token is checked in full when
// its delimiter arrives and, before that, by its characters and length, so
// every prefix of a valid line is kNeedMore.

enum class V1State {
  kPrefix,
  kProtocol,
  kUnknownRest,
  kSourceAddress,
  kDestinationAddress,
  kSourcePort,
  kDestinationPort,
  kLf,
};

enum class V1Protocol { kNone, kTcp4, kTcp6, kUnknown };

bool IsProtocolPrefix(std::string_view token) {
  for (std::string_view name : {"TCP4", "TCP6", "UNKNOWN"}) {
    if (name.starts_with(token)) return true;
  }
  return false;
}

bool IsAddressChar(V1Protocol protocol, uint8_t c) {
  if ((c >= '0' && c <= '9') || c == '.') return true;
  if (protocol != V1Protocol::kTcp6) return false;
  return c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

size_t MaxAddressChars(V1Protocol protocol) {
  // "255.255.255.255", and INET6_ADDRSTRLEN less its NUL.
  return protocol == V1Protocol::kTcp4 ? 15 : INET6_ADDRSTRLEN - 1;
}

// Validates a complete address token and returns it as inet_ntop writes it.
StatusOr<std::string> CheckV1Address(V1Protocol protocol, const char* role,
                                     const std::string& token) {
  const bool v4 = protocol == V1Protocol::kTcp4;
  const int af = v4 ? AF_INET : AF_INET6;
  std::array<uint8_t, 16> raw{};
  if (token.empty() || inet_pton(af, token.c_str(), raw.data()) != 1) {
    // The token holds only address characters: safe to quote.
    return InvalidArgumentError(std::string("PROXY protocol v1: ") + role +
                                " address \"" + token + "\" is not an " +
                                (v4 ? "IPv4" : "IPv6") + " address");
  }
  return FormatAddress(af, raw.data());
}

StatusOr<uint16_t> CheckV1Port(const char* role, const std::string& token) {
  if (token.empty()) {
    return InvalidArgumentError(std::string("PROXY protocol v1: empty ") +
                                role + " port");
  }
  unsigned value = 0;
  for (char c : token) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) {
    return InvalidArgumentError(std::string("PROXY protocol v1: ") + role +
                                " port " + token +
                                " is not a number from 0 to 65535");
  }
  return static_cast<uint16_t>(value);
}

// bytes[0] is 'P'.
ProxyParseResult ParseV1(std::span<const uint8_t> bytes) {
  V1State state = V1State::kPrefix;
  V1Protocol protocol = V1Protocol::kNone;
  std::string token;
  ProxyHeader header;
  header.version = 1;
  header.command = ProxyHeader::Command::kProxy;

  const size_t end = std::min(bytes.size(), kProxyV1MaxBytes);
  for (size_t i = 0; i < end; ++i) {
    const uint8_t c = bytes[i];
    auto unexpected = [&](std::string_view where) {
      return BadV1("unexpected byte " + Hex(c) + " at offset " +
                   std::to_string(i) + " in " + std::string(where));
    };
    switch (state) {
      case V1State::kPrefix:
        if (c != static_cast<uint8_t>(kV1Prefix[i])) {
          // 'P' but not "PROXY ": most likely not a PROXY header at all.
          return Bad(InvalidArgumentError(
              "PROXY protocol: no PROXY header (the bytes starting with 'P' "
              "do not spell \"PROXY \")"));
        }
        if (i + 1 == kV1Prefix.size()) state = V1State::kProtocol;
        break;

      case V1State::kProtocol:
        if (c == ' ' || c == '\r') {
          if (token == "TCP4" && c == ' ') {
            protocol = V1Protocol::kTcp4;
            state = V1State::kSourceAddress;
          } else if (token == "TCP6" && c == ' ') {
            protocol = V1Protocol::kTcp6;
            state = V1State::kSourceAddress;
          } else if (token == "UNKNOWN") {
            protocol = V1Protocol::kUnknown;
            state = c == ' ' ? V1State::kUnknownRest : V1State::kLf;
          } else {
            return unexpected("the protocol (TCP4, TCP6 or UNKNOWN)");
          }
          token.clear();
          break;
        }
        token.push_back(static_cast<char>(c));
        if (!IsProtocolPrefix(token)) {
          return unexpected("the protocol (TCP4, TCP6 or UNKNOWN)");
        }
        break;

      case V1State::kUnknownRest:
        // "the receiver must ignore anything presented before the CRLF".
        if (c == '\r') state = V1State::kLf;
        if (c == '\n') return unexpected("the line (LF without CR)");
        break;

      case V1State::kSourceAddress:
      case V1State::kDestinationAddress: {
        const bool source = state == V1State::kSourceAddress;
        const char* role = source ? "source" : "destination";
        if (c == ' ') {
          StatusOr<std::string> address = CheckV1Address(protocol, role, token);
          if (!address.ok()) return Bad(address.status());
          if (source) {
            header.source_address = std::move(*address);
            state = V1State::kDestinationAddress;
          } else {
            header.destination_address = std::move(*address);
            state = V1State::kSourcePort;
          }
          token.clear();
          break;
        }
        if (!IsAddressChar(protocol, c) ||
            token.size() >= MaxAddressChars(protocol)) {
          return unexpected(std::string("the ") + role + " address");
        }
        token.push_back(static_cast<char>(c));
        break;
      }

      case V1State::kSourcePort:
      case V1State::kDestinationPort: {
        const bool source = state == V1State::kSourcePort;
        const char* role = source ? "source" : "destination";
        const uint8_t delimiter = source ? ' ' : '\r';
        if (c == delimiter) {
          StatusOr<uint16_t> port = CheckV1Port(role, token);
          if (!port.ok()) return Bad(port.status());
          if (source) {
            header.source_port = *port;
            state = V1State::kDestinationPort;
          } else {
            header.destination_port = *port;
            state = V1State::kLf;
          }
          token.clear();
          break;
        }
        // Decimal digits only: no sign, no leading zero (except "0"), at
        // most 5 digits.
        if (c < '0' || c > '9' || token == "0" || token.size() >= 5) {
          return unexpected(std::string("the ") + role + " port");
        }
        token.push_back(static_cast<char>(c));
        break;
      }

      case V1State::kLf:
        if (c != '\n') return unexpected("the line end (CR without LF)");
        header.has_address = protocol != V1Protocol::kUnknown;
        return Good(i + 1, std::move(header));
    }
  }
  if (bytes.size() >= kProxyV1MaxBytes) {
    return BadV1("no CRLF within the first " +
                 std::to_string(kProxyV1MaxBytes) + " bytes");
  }
  return NeedMore();
}

}  // namespace

ProxyParseResult ParseProxyHeader(std::span<const uint8_t> bytes,
                                  size_t max_v2_payload_bytes) {
  if (bytes.empty()) return NeedMore();
  if (bytes[0] == kV2Signature[0]) return ParseV2(bytes, max_v2_payload_bytes);
  if (bytes[0] == static_cast<uint8_t>(kV1Prefix[0])) return ParseV1(bytes);
  return Bad(InvalidArgumentError(
      "PROXY protocol: no PROXY header (the connection starts with byte " +
      Hex(bytes[0]) + ", not 'P' (v1) or 0x0d (v2))"));
}

}  // namespace coffer::net

// HAProxy's PROXY protocol (doc/proxy-protocol.txt): the header a load
// balancer (HAProxy's `send-proxy` / `send-proxy-v2`) writes at the start of
// each TCP connection it opens to us, carrying the real client's address.
// Both versions are accepted: v2 (binary) and v1 (one line of text).
//
// The parser is an explicit state machine over untrusted bytes. The caller
// passes everything received so far from the start of the connection and
// gets back good (with the header and how many bytes it took), bad (with the
// reason), or need-more (read more bytes and call again with all of them).
// A caller therefore never buffers more than kProxyHeaderMaxBytes before it
// has an answer.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace coffer::net {

// v1: "PROXY ... \r\n" is at most 107 bytes, CRLF included (the spec's bound).
inline constexpr size_t kProxyV1MaxBytes = 107;
// v2: the fixed part (signature, version/command, family, length).
inline constexpr size_t kProxyV2FixedBytes = 16;
// v2: the default bound on the length field (addresses plus TLVs). The field
// allows 65535; a peer announcing more than this is refused at once so that
// it cannot make us buffer. 216 bytes of UNIX addresses plus room for TLVs.
inline constexpr size_t kProxyV2DefaultMaxPayloadBytes = 512;
// The most bytes ParseProxyHeader looks at with the default bound.
inline constexpr size_t kProxyHeaderMaxBytes =
    kProxyV2FixedBytes + kProxyV2DefaultMaxPayloadBytes;

struct ProxyHeader {
  enum class Command {
    kLocal,  // v2 LOCAL: the balancer's own connection (a health check);
             // use the real connection's endpoints.
    kProxy,  // relayed on behalf of a client
  };
  int version = 0;  // 1 or 2
  Command command = Command::kLocal;
  // True only for PROXY over TCP on IPv4 or IPv6 (v1 TCP4/TCP6, v2
  // INET/INET6 + STREAM). False for LOCAL, v1 UNKNOWN, v2 UNSPEC and UNIX:
  // the caller then uses the connection's own peer address.
  bool has_address = false;
  // When has_address: the client's (source) address as inet_ntop writes it
  // ("10.0.0.1", "2001:db8::1"), its port, and the destination's (the
  // address the client connected to on the balancer).
  std::string source_address;
  uint16_t source_port = 0;
  std::string destination_address;
  uint16_t destination_port = 0;

  friend bool operator==(const ProxyHeader&, const ProxyHeader&) = default;
};

enum class ProxyParse {
  kGood,      // a complete, valid header: see consumed and header
  kBad,       // the bytes cannot become a valid header: see error
  kNeedMore,  // a valid prefix so far: read more and call again
};

struct ProxyParseResult {
  ProxyParse state = ProxyParse::kNeedMore;
  // kGood: the header's exact length; the connection's own data (the MySQL
  // handshake, ...) starts at bytes[consumed]. Otherwise 0.
  size_t consumed = 0;
  // Meaningful only for kGood.
  ProxyHeader header;
  // OK unless kBad. kBad: kInvalidArgument for a malformed header (the
  // message names the version, the field and the offending value),
  // kResourceExhausted for a v2 length above the bound. Messages start with
  // "PROXY protocol" and quote no raw bytes except as hex.
  Status error;
};

// Parses the PROXY header at the start of `bytes`, which must hold
// everything received on the connection so far (not just the new bytes).
// Looks at no more than kProxyV1MaxBytes (v1) or kProxyV2FixedBytes +
// max_v2_payload_bytes (v2) bytes, and says kBad as soon as the bytes
// cannot be the start of a header: in particular when the first byte is
// neither 'P' (v1) nor 0x0D (v2), i.e. the peer sent no PROXY header.
// v2 TLVs are checked for framing and otherwise skipped. v2 LOCAL ignores
// the family byte and the address block, as the spec requires.
ProxyParseResult ParseProxyHeader(
    std::span<const uint8_t> bytes,
    size_t max_v2_payload_bytes = kProxyV2DefaultMaxPayloadBytes);

}  // namespace coffer::net

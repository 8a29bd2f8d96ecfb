#include "net/proxy_protocol.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coffer::net {
namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kSignature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                          0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

Bytes Text(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

// A v2 header as HAProxy writes it: signature, version/command, family/
// transport, the big-endian length of `body`, then `body`.
Bytes V2(uint8_t version_command, uint8_t family_transport, const Bytes& body) {
  Bytes out = kSignature;
  out.push_back(version_command);
  out.push_back(family_transport);
  out.push_back(static_cast<uint8_t>(body.size() >> 8));
  out.push_back(static_cast<uint8_t>(body.size() & 0xFF));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes Tlv(uint8_t type, const Bytes& value) {
  Bytes out = {type, static_cast<uint8_t>(value.size() >> 8),
               static_cast<uint8_t>(value.size() & 0xFF)};
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

// TCP over IPv4, PROXY: 192.168.1.10:51234 -> 10.0.0.5:3306.
const Bytes kInetBlock = {0xC0, 0xA8, 0x01, 0x0A,  // source 192.168.1.10
                          0x0A, 0x00, 0x00, 0x05,  // destination 10.0.0.5
                          0xC8, 0x22,              // source port 51234
                          0x0C, 0xEA};             // destination port 3306

// TCP over IPv6, PROXY: [2001:db8::1]:40000 -> [2001:db8::2]:3306.
const Bytes kInet6Block = {
    0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,  // source
    0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,  // dest
    0x9C, 0x40,                                                     // 40000
    0x0C, 0xEA};                                                    // 3306

const Bytes kMysqlGreeting = {0x4A, 0x00, 0x00, 0x00, 0x0A, '8', '.', '0'};

ProxyParseResult Parse(const Bytes& bytes) { return ParseProxyHeader(bytes); }

void ExpectBad(const Bytes& bytes, std::string_view message,
               StatusCode code = StatusCode::kInvalidArgument) {
  ProxyParseResult result = Parse(bytes);
  EXPECT_EQ(result.state, ProxyParse::kBad) << message;
  EXPECT_EQ(result.error.message(), message);
  EXPECT_EQ(result.error.code(), code) << message;
  EXPECT_EQ(result.consumed, 0u);
}

// ---------------------------------------------------------------- v2

TEST(ProxyProtocolV2Test, TcpOverIpv4) {
  const Bytes bytes = V2(0x21, 0x11, kInetBlock);
  ASSERT_EQ(bytes.size(), 28u);
  ProxyParseResult result = Parse(bytes);
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_TRUE(result.error.ok());
  EXPECT_EQ(result.consumed, 28u);
  EXPECT_EQ(result.header.version, 2);
  EXPECT_EQ(result.header.command, ProxyHeader::Command::kProxy);
  EXPECT_TRUE(result.header.has_address);
  EXPECT_EQ(result.header.source_address, "192.168.1.10");
  EXPECT_EQ(result.header.source_port, 51234);
  EXPECT_EQ(result.header.destination_address, "10.0.0.5");
  EXPECT_EQ(result.header.destination_port, 3306);
}

TEST(ProxyProtocolV2Test, TcpOverIpv6) {
  const Bytes bytes = V2(0x21, 0x21, kInet6Block);
  ASSERT_EQ(bytes.size(), 52u);
  ProxyParseResult result = Parse(bytes);
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.consumed, 52u);
  EXPECT_TRUE(result.header.has_address);
  EXPECT_EQ(result.header.source_address, "2001:db8::1");
  EXPECT_EQ(result.header.source_port, 40000);
  EXPECT_EQ(result.header.destination_address, "2001:db8::2");
  EXPECT_EQ(result.header.destination_port, 3306);
}

TEST(ProxyProtocolV2Test, LocalHealthCheck) {
  // HAProxy's health checks with send-proxy-v2: LOCAL, UNSPEC, no block.
  const Bytes bytes = V2(0x20, 0x00, {});
  ProxyParseResult result = Parse(bytes);
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.consumed, 16u);
  EXPECT_EQ(result.header.command, ProxyHeader::Command::kLocal);
  EXPECT_FALSE(result.header.has_address);
  EXPECT_EQ(result.header.source_address, "");
}

TEST(ProxyProtocolV2Test, LocalIgnoresTheFamilyAndTheBlock) {
  // "discard the protocol block including the family which is ignored".
  ProxyParseResult result = Parse(V2(0x20, 0xFF, {1, 2, 3}));
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.consumed, 19u);
  EXPECT_EQ(result.header.command, ProxyHeader::Command::kLocal);
  EXPECT_FALSE(result.header.has_address);
}

TEST(ProxyProtocolV2Test, SkipsWellFormedTlvs) {
  // What HAProxy adds with proxy-v2-options crc32c,unique-id,ssl: CRC32C
  // (not verified: the balancer is trusted by configuration, not by
  // checksum), UNIQUE_ID, SSL with a VERSION sub-TLV, and a NOOP pad.
  const Bytes ssl_value =
      Cat({{0x01, 0x00, 0x00, 0x00, 0x00}, Tlv(0x21, Text("TLSv1.3"))});
  const Bytes body =
      Cat({kInetBlock, Tlv(0x03, {0xDE, 0xAD, 0xBE, 0xEF}),
           Tlv(0x05, Text("7F000001:C822_0A000005:0CEA")), Tlv(0x20, ssl_value),
           Tlv(0x04, {0, 0, 0}), Tlv(0x04, {})});
  const Bytes bytes = V2(0x21, 0x11, body);
  ProxyParseResult result = Parse(bytes);
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.consumed, bytes.size());
  EXPECT_EQ(result.header.source_address, "192.168.1.10");
  EXPECT_EQ(result.header.destination_port, 3306);
}

TEST(ProxyProtocolV2Test, LocalWithTlvs) {
  ProxyParseResult result = Parse(V2(0x20, 0x00, Tlv(0x05, Text("id"))));
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.consumed, 21u);
  EXPECT_EQ(result.header.command, ProxyHeader::Command::kLocal);
}

TEST(ProxyProtocolV2Test, UnspecAndUnixCarryNoAddress) {
  ProxyParseResult unspec = Parse(V2(0x21, 0x00, {}));
  ASSERT_EQ(unspec.state, ProxyParse::kGood) << unspec.error.ToString();
  EXPECT_EQ(unspec.header.command, ProxyHeader::Command::kProxy);
  EXPECT_FALSE(unspec.header.has_address);

  Bytes unix_block(216, 0);
  unix_block[0] = '/';
  ProxyParseResult unix_stream = Parse(V2(0x21, 0x31, unix_block));
  ASSERT_EQ(unix_stream.state, ProxyParse::kGood)
      << unix_stream.error.ToString();
  EXPECT_EQ(unix_stream.consumed, 16u + 216u);
  EXPECT_EQ(unix_stream.header.command, ProxyHeader::Command::kProxy);
  EXPECT_FALSE(unix_stream.header.has_address);
}

TEST(ProxyProtocolV2Test, Malformed) {
  ExpectBad(V2(0x31, 0x11, kInetBlock),
            "PROXY protocol: unsupported version 3");
  ExpectBad(V2(0x11, 0x11, kInetBlock),
            "PROXY protocol: unsupported version 1");
  ExpectBad(V2(0x22, 0x11, kInetBlock),
            "PROXY protocol v2: unsupported command 2 (0 LOCAL and 1 PROXY "
            "are defined)");
  ExpectBad(V2(0x21, 0x41, kInetBlock),
            "PROXY protocol v2: unsupported address family 4");
  ExpectBad(V2(0x21, 0x13, kInetBlock),
            "PROXY protocol v2: unsupported transport protocol 3");
  ExpectBad(V2(0x21, 0x12, kInetBlock),
            "PROXY protocol v2: transport DGRAM over INET is not supported "
            "(only STREAM)");
  ExpectBad(V2(0x21, 0x20, kInet6Block),
            "PROXY protocol v2: transport UNSPEC over INET6 is not supported "
            "(only STREAM)");
  ExpectBad(V2(0x21, 0x32, Bytes(216, 0)),
            "PROXY protocol v2: transport DGRAM over UNIX is not supported "
            "(only STREAM)");
  ExpectBad(V2(0x21, 0x11, {1, 2, 3, 4}),
            "PROXY protocol v2: address block of 12 bytes does not fit in "
            "length 4");
  ExpectBad(V2(0x21, 0x21, kInetBlock),
            "PROXY protocol v2: address block of 36 bytes does not fit in "
            "length 12");
  ExpectBad(V2(0x21, 0x31, Bytes(215, 0)),
            "PROXY protocol v2: address block of 216 bytes does not fit in "
            "length 215");
  ExpectBad(V2(0x21, 0x11, Cat({kInetBlock, {0x04, 0x00}})),
            "PROXY protocol v2: truncated TLV at offset 28 (2 bytes left, a "
            "TLV needs at least 3)");
  ExpectBad(V2(0x21, 0x11,
               Cat({kInetBlock, Tlv(0x04, {}), {0x05, 0x00, 0x05, 'a', 'b'}})),
            "PROXY protocol v2: TLV of type 0x05 at offset 31 has length 5 "
            "but only 2 bytes follow");
  ExpectBad(Cat({kSignature, {0x20, 0x00, 0x02, 0x01}}),
            "PROXY protocol v2: length 513 exceeds the limit of 512 bytes",
            StatusCode::kResourceExhausted);
  ExpectBad(Cat({kSignature, {0x21, 0x11, 0xFF, 0xFF}}),
            "PROXY protocol v2: length 65535 exceeds the limit of 512 bytes",
            StatusCode::kResourceExhausted);
  ExpectBad({0x0D, 0x0A, 0x0D, 0x0A, 0x01},
            "PROXY protocol: no PROXY header (the bytes starting with 0x0d "
            "do not match the v2 signature)");
}

TEST(ProxyProtocolV2Test, RefusesEarlyWithoutWaitingForTheBlock) {
  // Only the fixed part has arrived; each of these is already hopeless.
  ExpectBad(Cat({kSignature, {0x31}}), "PROXY protocol: unsupported version 3");
  ExpectBad(Cat({kSignature, {0x21, 0x12}}),
            "PROXY protocol v2: transport DGRAM over INET is not supported "
            "(only STREAM)");
  ExpectBad(Cat({kSignature, {0x21, 0x11, 0x00, 0x04}}),
            "PROXY protocol v2: address block of 12 bytes does not fit in "
            "length 4");
  ExpectBad(Cat({kSignature, {0x21, 0x11, 0x10, 0x00}}),
            "PROXY protocol v2: length 4096 exceeds the limit of 512 bytes",
            StatusCode::kResourceExhausted);
  // A valid fixed part announcing 512 bytes waits for them.
  EXPECT_EQ(Parse(Cat({kSignature, {0x21, 0x11, 0x02, 0x00}})).state,
            ProxyParse::kNeedMore);
}

TEST(ProxyProtocolV2Test, LimitIsAParameter) {
  const Bytes bytes = V2(0x21, 0x11, Cat({kInetBlock, Tlv(0x04, Bytes(97))}));
  ASSERT_EQ(bytes.size(), 16u + 112u);
  EXPECT_EQ(ParseProxyHeader(bytes, 112).state, ProxyParse::kGood);
  ProxyParseResult result = ParseProxyHeader(bytes, 111);
  EXPECT_EQ(result.state, ProxyParse::kBad);
  EXPECT_EQ(result.error.message(),
            "PROXY protocol v2: length 112 exceeds the limit of 111 bytes");
}

// ---------------------------------------------------------------- v1

TEST(ProxyProtocolV1Test, Tcp4) {
  const Bytes bytes = Text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  ProxyParseResult result = Parse(bytes);
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.consumed, bytes.size());
  EXPECT_EQ(result.header.version, 1);
  EXPECT_EQ(result.header.command, ProxyHeader::Command::kProxy);
  EXPECT_TRUE(result.header.has_address);
  EXPECT_EQ(result.header.source_address, "192.168.0.1");
  EXPECT_EQ(result.header.source_port, 56324);
  EXPECT_EQ(result.header.destination_address, "192.168.0.11");
  EXPECT_EQ(result.header.destination_port, 443);
}

TEST(ProxyProtocolV1Test, Tcp6IsFormattedByInetNtop) {
  ProxyParseResult result =
      Parse(Text("PROXY TCP6 2001:DB8::1 2001:db8:0:0:0:0:0:2 0 65535\r\n"));
  ASSERT_EQ(result.state, ProxyParse::kGood) << result.error.ToString();
  EXPECT_EQ(result.header.source_address, "2001:db8::1");
  EXPECT_EQ(result.header.source_port, 0);
  EXPECT_EQ(result.header.destination_address, "2001:db8::2");
  EXPECT_EQ(result.header.destination_port, 65535);
}

TEST(ProxyProtocolV1Test, Unknown) {
  ProxyParseResult bare = Parse(Text("PROXY UNKNOWN\r\n"));
  ASSERT_EQ(bare.state, ProxyParse::kGood) << bare.error.ToString();
  EXPECT_EQ(bare.consumed, 15u);
  EXPECT_EQ(bare.header.command, ProxyHeader::Command::kProxy);
  EXPECT_FALSE(bare.header.has_address);

  // The spec's worst case, 107 bytes; whatever follows UNKNOWN is ignored.
  const std::string ffff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const Bytes worst =
      Text("PROXY UNKNOWN " + ffff + " " + ffff + " 65535 65535\r\n");
  ASSERT_EQ(worst.size(), 107u);
  ProxyParseResult full = Parse(worst);
  ASSERT_EQ(full.state, ProxyParse::kGood) << full.error.ToString();
  EXPECT_EQ(full.consumed, 107u);
  EXPECT_FALSE(full.header.has_address);
  EXPECT_EQ(full.header.source_address, "");
}

TEST(ProxyProtocolV1Test, AtMost107Bytes) {
  const std::string prefix = "PROXY UNKNOWN ";
  const Bytes longest =
      Text(prefix + std::string(107 - 2 - prefix.size(), 'x') + "\r\n");
  ASSERT_EQ(longest.size(), 107u);
  EXPECT_EQ(Parse(longest).state, ProxyParse::kGood);
  ExpectBad(Text(prefix + std::string(107 - 1 - prefix.size(), 'x') + "\r\n"),
            "PROXY protocol v1: no CRLF within the first 107 bytes");
  // Refused at byte 107, not when the peer stops sending.
  ExpectBad(Text(prefix + std::string(4096, 'x')),
            "PROXY protocol v1: no CRLF within the first 107 bytes");
  EXPECT_EQ(Parse(Text(prefix + std::string(92, 'x'))).state,
            ProxyParse::kNeedMore);
}

TEST(ProxyProtocolV1Test, Malformed) {
  ExpectBad(Text("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x35 at offset 9 in the "
            "protocol (TCP4, TCP6 or UNKNOWN)");
  ExpectBad(Text("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x74 at offset 6 in the "
            "protocol (TCP4, TCP6 or UNKNOWN)");
  ExpectBad(Text("PROXY TCP4\r\n"),
            "PROXY protocol v1: unexpected byte 0x0d at offset 10 in the "
            "protocol (TCP4, TCP6 or UNKNOWN)");
  ExpectBad(Text("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"),
            "PROXY protocol v1: source address \"1.2.3.256\" is not an IPv4 "
            "address");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 05.6.7.8 1 2\r\n"),
            "PROXY protocol v1: destination address \"05.6.7.8\" is not an "
            "IPv4 address");
  ExpectBad(Text("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"),
            "PROXY protocol v1: source address \"\" is not an IPv4 address");
  ExpectBad(Text("PROXY TCP4 ::1 ::1 1 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x3a at offset 11 in the "
            "source address");
  ExpectBad(Text("PROXY TCP4 1.2.3.4.5.6.7.8.9 5.6.7.8 1 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x2e at offset 26 in the "
            "source address");
  ExpectBad(Text("PROXY TCP6 2001:db8:::1 ::1 1 2\r\n"),
            "PROXY protocol v1: source address \"2001:db8:::1\" is not an "
            "IPv6 address");
  ExpectBad(Text("PROXY TCP6 ::1 1.2.3.4 1 2\r\n"),
            "PROXY protocol v1: destination address \"1.2.3.4\" is not an "
            "IPv6 address");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x2b at offset 27 in the "
            "source port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x2d at offset 27 in the "
            "source port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8  2\r\n"),
            "PROXY protocol v1: empty source port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n"),
            "PROXY protocol v1: empty destination port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"),
            "PROXY protocol v1: source port 65536 is not a number from 0 to "
            "65535");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n"),
            "PROXY protocol v1: destination port 99999 is not a number from "
            "0 to 65535");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x38 at offset 28 in the "
            "source port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 123456 2\r\n"),
            "PROXY protocol v1: unexpected byte 0x36 at offset 32 in the "
            "source port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"),
            "PROXY protocol v1: unexpected byte 0x20 at offset 30 in the "
            "destination port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"),
            "PROXY protocol v1: unexpected byte 0x0a at offset 30 in the "
            "destination port");
  ExpectBad(Text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"),
            "PROXY protocol v1: unexpected byte 0x58 at offset 31 in the "
            "line end (CR without LF)");
  ExpectBad(Text("PROXY UNKNOWN x\ny\r\n"),
            "PROXY protocol v1: unexpected byte 0x0a at offset 15 in the line "
            "(LF without CR)");
  ExpectBad(Text("PROXY\r\n"),
            "PROXY protocol: no PROXY header (the bytes starting with 'P' do "
            "not spell \"PROXY \")");
  ExpectBad(Text("POST / HTTP/1.1\r\n"),
            "PROXY protocol: no PROXY header (the bytes starting with 'P' do "
            "not spell \"PROXY \")");
}

// ---------------------------------------------------------------- both

TEST(ProxyProtocolTest, NoHeaderAtAll) {
  EXPECT_EQ(Parse({}).state, ProxyParse::kNeedMore);
  ExpectBad(kMysqlGreeting,
            "PROXY protocol: no PROXY header (the connection starts with "
            "byte 0x4a, not 'P' (v1) or 0x0d (v2))");
  ExpectBad({0x16, 0x03, 0x01},  // a TLS ClientHello
            "PROXY protocol: no PROXY header (the connection starts with "
            "byte 0x16, not 'P' (v1) or 0x0d (v2))");
  ExpectBad(Text("GET / HTTP/1.1\r\n"),
            "PROXY protocol: no PROXY header (the connection starts with "
            "byte 0x47, not 'P' (v1) or 0x0d (v2))");
}

std::vector<Bytes> ValidHeaders() {
  const std::string ffff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  return {
      V2(0x21, 0x11, kInetBlock),
      V2(0x21, 0x21, kInet6Block),
      V2(0x20, 0x00, {}),
      V2(0x20, 0x00, Tlv(0x05, Text("id"))),
      V2(0x21, 0x11,
         Cat({kInetBlock, Tlv(0x03, {1, 2, 3, 4}), Tlv(0x20, {1, 0, 0, 0, 0}),
              Tlv(0x04, {})})),
      V2(0x21, 0x31, Bytes(216, 0)),
      V2(0x21, 0x11, Cat({kInetBlock, Tlv(0x04, Bytes(497))})),  // 512 bytes
      Text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
      Text("PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n"),
      Text("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 2\r\n"),
      Text("PROXY TCP6 " + ffff + " " + ffff + " 65535 65535\r\n"),
      Text("PROXY UNKNOWN\r\n"),
      Text("PROXY UNKNOWN " + ffff + " " + ffff + " 65535 65535\r\n"),
  };
}

// The bytes of a connection arrive in two reads, split at every point; the
// caller parses everything received so far after each read.
TEST(ProxyProtocolTest, SplitAtEveryByte) {
  for (const Bytes& header : ValidHeaders()) {
    const ProxyParseResult whole = Parse(header);
    ASSERT_EQ(whole.state, ProxyParse::kGood) << whole.error.ToString();
    ASSERT_EQ(whole.consumed, header.size());
    const Bytes stream = Cat({header, kMysqlGreeting});
    for (size_t split = 0; split <= stream.size(); ++split) {
      SCOPED_TRACE("header of " + std::to_string(header.size()) +
                   " bytes split at " + std::to_string(split));
      Bytes received(stream.begin(), stream.begin() + split);
      ProxyParseResult first = Parse(received);
      if (split < header.size()) {
        EXPECT_EQ(first.state, ProxyParse::kNeedMore) << first.error.ToString();
        EXPECT_EQ(first.consumed, 0u);
        EXPECT_TRUE(first.error.ok());
      } else {
        EXPECT_EQ(first.state, ProxyParse::kGood);
        EXPECT_EQ(first.consumed, header.size());
        EXPECT_EQ(first.header, whole.header);
      }
      received.insert(received.end(), stream.begin() + split, stream.end());
      ProxyParseResult second = Parse(received);
      EXPECT_EQ(second.state, ProxyParse::kGood);
      EXPECT_EQ(second.consumed, header.size());
      EXPECT_EQ(second.header, whole.header);
    }
  }
}

TEST(ProxyProtocolTest, ConsumedStopsAtTheHeaderEnd) {
  const Bytes v2 = V2(0x21, 0x11, kInetBlock);
  ProxyParseResult result = Parse(Cat({v2, kMysqlGreeting}));
  ASSERT_EQ(result.state, ProxyParse::kGood);
  EXPECT_EQ(result.consumed, v2.size());

  // Data that happens to look like another header is not part of this one.
  const Bytes v1 = Text("PROXY UNKNOWN\r\n");
  result = Parse(Cat({v1, v1, kMysqlGreeting}));
  ASSERT_EQ(result.state, ProxyParse::kGood);
  EXPECT_EQ(result.consumed, v1.size());
}

// Once bad, always bad with the same error: more bytes never rescue a header,
// and every shorter prefix is either need-more or that same error.
TEST(ProxyProtocolTest, BadIsFinalAtEveryPrefix) {
  const std::vector<Bytes> bad = {
      V2(0x31, 0x11, kInetBlock),
      V2(0x21, 0x11, {1, 2, 3, 4}),
      V2(0x21, 0x11, Cat({kInetBlock, {0x05, 0x00, 0x05, 'a', 'b'}})),
      Text("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"),
      Text("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n"),
      Text("PROXY UNKNOWN " + std::string(200, 'x')),
  };
  for (const Bytes& bytes : bad) {
    const ProxyParseResult whole = Parse(Cat({bytes, kMysqlGreeting}));
    ASSERT_EQ(whole.state, ProxyParse::kBad);
    bool seen_bad = false;
    for (size_t size = 0; size <= bytes.size(); ++size) {
      SCOPED_TRACE(whole.error.message() + " at size " + std::to_string(size));
      ProxyParseResult result =
          Parse(Bytes(bytes.begin(), bytes.begin() + size));
      if (seen_bad) {
        ASSERT_EQ(result.state, ProxyParse::kBad);
      }
      if (result.state == ProxyParse::kBad) {
        seen_bad = true;
        EXPECT_EQ(result.error, whole.error);
      } else {
        EXPECT_EQ(result.state, ProxyParse::kNeedMore);
      }
    }
    EXPECT_TRUE(seen_bad);
  }
}

}  // namespace
}  // namespace coffer::net

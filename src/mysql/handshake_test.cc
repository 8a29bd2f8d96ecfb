#include "mysql/handshake.h"

#include <gtest/gtest.h>

#include "mysql/capabilities.h"
#include "mysql/test_bytes.h"

namespace coffer::mysql {
namespace {

using testing::FromHex;

// The greeting of MariaDB 10.11.19 (Debian 12), captured on 127.0.0.1.
constexpr std::string_view kGreeting =
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531"
    "00030000007d79687e6047247700fef7080200ff81150000000000001d000000"
    "50693f3f5b30783129784323006d7973716c5f6e61746976655f70617373776f"
    "726400";

TEST(InitialHandshakeTest, ParsesARealMariaDbGreeting) {
  auto hello = ParseInitialHandshake(FromHex(kGreeting));
  ASSERT_TRUE(hello.ok()) << hello.status().ToString();
  EXPECT_EQ(hello->protocol_version, 10);
  EXPECT_EQ(hello->server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1");
  EXPECT_EQ(hello->connection_id, 3u);
  EXPECT_EQ(HexEncode(hello->auth_plugin_data),
            "7d79687e60472477"
            "50693f3f5b30783129784323");
  EXPECT_EQ(hello->capabilities, 0x1d81fff7feu);
  EXPECT_EQ(hello->capabilities & kClientMysql, 0u);
  EXPECT_NE(hello->capabilities & kMariaDbClientExtendedTypeInfo, 0u);
  EXPECT_NE(hello->capabilities & kClientDeprecateEof, 0u);
  EXPECT_EQ(hello->charset, 8);
  EXPECT_EQ(hello->status_flags, kServerStatusAutocommit);
  EXPECT_EQ(hello->auth_plugin_name, "mysql_native_password");
}

TEST(InitialHandshakeTest, ReencodesToTheSameBytes) {
  const Bytes bytes = FromHex(kGreeting);
  auto hello = ParseInitialHandshake(bytes);
  ASSERT_TRUE(hello.ok());
  auto encoded = EncodeInitialHandshake(*hello);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  EXPECT_EQ(HexEncode(*encoded), kGreeting);
}

TEST(InitialHandshakeTest, ModifiedGreetingRoundTrips) {
  auto hello = ParseInitialHandshake(FromHex(kGreeting));
  ASSERT_TRUE(hello.ok());
  hello->capabilities &=
      ~(kClientSsl | kMariaDbClientCacheMetadata | kClientDeprecateEof);
  hello->auth_plugin_data = std::string(20, 'x');
  auto encoded = EncodeInitialHandshake(*hello);
  ASSERT_TRUE(encoded.ok());
  auto again = ParseInitialHandshake(*encoded);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *hello);
}

TEST(InitialHandshakeTest, MysqlServerKeepsHighBitsClear) {
  InitialHandshake hello;
  hello.server_version = "8.0.36";
  hello.connection_id = 9;
  hello.auth_plugin_data = std::string(20, 'a');
  hello.capabilities = kClientMysql | kClientProtocol41 |
                       kClientSecureConnection | kClientPluginAuth;
  hello.auth_plugin_name = "caching_sha2_password";
  auto encoded = EncodeInitialHandshake(hello);
  ASSERT_TRUE(encoded.ok());
  auto again = ParseInitialHandshake(*encoded);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, hello);
}

TEST(InitialHandshakeTest, EveryTruncationIsAnError) {
  const Bytes bytes = FromHex(kGreeting);
  // Up to the end of scramble part 2 (offset 77) every field is required;
  // after it, a greeting may end early or lack the plugin name's NUL.
  for (size_t size = 0; size < 77; ++size) {
    auto hello = ParseInitialHandshake(ByteView(bytes).first(size));
    EXPECT_EQ(hello.status().code(), StatusCode::kInvalidArgument) << size;
  }
  for (size_t size = 77; size < bytes.size(); ++size) {
    auto hello = ParseInitialHandshake(ByteView(bytes).first(size));
    ASSERT_TRUE(hello.ok()) << size;
    EXPECT_TRUE(hello->auth_plugin_name.size() <= 21);
  }
  EXPECT_EQ(ParseInitialHandshake(ByteView(bytes).first(20)).status().message(),
            "initial handshake: server version has no terminating NUL at "
            "offset 1");
  EXPECT_EQ(ParseInitialHandshake(ByteView(bytes).first(40)).status().message(),
            "initial handshake truncated: scramble part 1 needs 8 bytes at "
            "offset 38, 2 left");
}

TEST(InitialHandshakeTest, RejectsOtherProtocolVersions) {
  Bytes bytes = FromHex(kGreeting);
  bytes[0] = 9;
  EXPECT_EQ(ParseInitialHandshake(bytes).status().message(),
            "initial handshake: protocol version 9 is not supported (only "
            "10)");
}

TEST(InitialHandshakeTest, EncoderRejectsAShortScramble) {
  InitialHandshake hello;
  hello.capabilities = kClientProtocol41 | kClientSecureConnection;
  hello.auth_plugin_data = "short";
  EXPECT_EQ(EncodeInitialHandshake(hello).status().message(),
            "initial handshake: a scramble of 5 bytes cannot be encoded with "
            "these capabilities");
}

// Sent by a client that negotiated kClassicCaps (user root, no password,
// database mysql).
constexpr std::string_view kResponse =
    "88a28f00"
    "00000001"
    "2d"
    "0000000000000000000000000000000000000000"
    "000000"
    "726f6f7400"
    "00"
    "6d7973716c00"
    "6d7973716c5f6e61746976655f70617373776f726400";

TEST(HandshakeResponseTest, ParsesAResponse) {
  auto response = ParseHandshakeResponse(FromHex(kResponse));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->capabilities, testing::kClassicCaps);
  EXPECT_EQ(response->max_packet_size, 1u << 24);
  EXPECT_EQ(response->charset, 45);
  EXPECT_EQ(response->username, "root");
  EXPECT_EQ(response->auth_response, "");
  EXPECT_EQ(response->database, "mysql");
  EXPECT_EQ(response->auth_plugin_name, "mysql_native_password");
  auto encoded = EncodeHandshakeResponse(*response);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(HexEncode(*encoded), kResponse);
}

TEST(HandshakeResponseTest, MariaDbExtendedCapsAndAttributesRoundTrip) {
  HandshakeResponse response;
  response.capabilities = testing::kDeprecateEofCaps | kClientConnectAttrs |
                          kClientPluginAuthLenencClientData;
  response.max_packet_size = 0x40000000;
  response.charset = 33;
  response.username = "app";
  response.auth_response = std::string(300, '\x01');
  response.database = "shop";
  response.auth_plugin_name = "client_ed25519";
  response.connect_attributes = std::string(
      "\x04_pid\x03"
      "123\x0c_client_name\x0alibmariadb",
      33);
  auto encoded = EncodeHandshakeResponse(response);
  ASSERT_TRUE(encoded.ok());
  auto again = ParseHandshakeResponse(*encoded);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, response);
  auto attributes = ParseConnectAttributes(again->connect_attributes);
  ASSERT_TRUE(attributes.ok()) << attributes.status().ToString();
  ASSERT_EQ(attributes->size(), 2u);
  EXPECT_EQ((*attributes)[0], ConnectAttribute("_pid", "123"));
  EXPECT_EQ((*attributes)[1], ConnectAttribute("_client_name", "libmariadb"));
}

TEST(HandshakeResponseTest, LongAuthNeedsLenencCapability) {
  HandshakeResponse response;
  response.capabilities = kClientProtocol41 | kClientSecureConnection;
  response.auth_response = std::string(256, 'a');
  EXPECT_EQ(EncodeHandshakeResponse(response).status().message(),
            "handshake response: an auth response of 256 bytes needs "
            "kClientPluginAuthLenencClientData");
}

TEST(HandshakeResponseTest, EveryTruncationIsAnErrorOrAShorterMessage) {
  const Bytes bytes = FromHex(kResponse);
  for (size_t size = 0; size < bytes.size(); ++size) {
    auto response = ParseHandshakeResponse(ByteView(bytes).first(size));
    // Ending right after the auth response or the database is allowed.
    if (size == 38 || size == 44) {
      EXPECT_TRUE(response.ok()) << size;
      continue;
    }
    // The plugin name may lack its NUL.
    if (size > 44) continue;
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << size;
  }
  EXPECT_EQ(
      ParseHandshakeResponse(ByteView(bytes).first(20)).status().message(),
      "handshake response truncated: reserved needs 19 bytes at offset "
      "9, 11 left");
}

TEST(SslRequestTest, RoundTripsAndIsRecognized) {
  SslRequest request{
      testing::kClassicCaps | kClientSsl | kMariaDbClientProgress, 1 << 24, 45};
  Bytes encoded = EncodeSslRequest(request);
  ASSERT_EQ(encoded.size(), kSslRequestSize);
  EXPECT_TRUE(IsSslRequest(encoded));
  auto again = ParseSslRequest(encoded);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, request);
  EXPECT_FALSE(IsSslRequest(FromHex(kResponse)));
  EXPECT_EQ(ParseSslRequest(ByteView(encoded).first(31)).status().message(),
            "SSL request truncated: extended capabilities needs 4 bytes at "
            "offset 28, 3 left");
}

TEST(ChangeUserTest, RoundTripsWithPluginAndAttributes) {
  const uint64_t caps = testing::kClassicCaps | kClientConnectAttrs;
  ChangeUser change;
  change.username = "bob";
  change.auth_response = std::string(20, '\x7f');
  change.database = "db1";
  change.charset = 45;
  change.auth_plugin_name = "mysql_native_password";
  change.connect_attributes = std::string("\x01k\x01v", 4);
  auto encoded = EncodeChangeUser(change, caps);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ((*encoded)[0], kComChangeUser);
  auto again = ParseChangeUser(*encoded, caps);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, change);
  for (size_t size = 0; size < 30; ++size) {
    EXPECT_FALSE(ParseChangeUser(ByteView(*encoded).first(size), caps).ok())
        << size;
  }
}

TEST(AuthSwitchTest, RoundTripsAndRejectsOldStyle) {
  AuthSwitchRequest request{"mysql_native_password",
                            std::string("0123456789abcdefghij\0", 21)};
  auto encoded = EncodeAuthSwitchRequest(request);
  ASSERT_TRUE(encoded.ok());
  auto again = ParseAuthSwitchRequest(*encoded);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, request);
  EXPECT_EQ(ParseAuthSwitchRequest(FromHex("fe")).status().message(),
            "auth switch request: old-style switch to mysql_old_password is "
            "not supported at offset 1");
}

TEST(AuthMoreDataTest, RoundTrips) {
  Bytes encoded = EncodeAuthMoreData("\x03");
  EXPECT_EQ(HexEncode(encoded), "0103");
  EXPECT_EQ(*ParseAuthMoreData(encoded), "\x03");
  EXPECT_EQ(ParseAuthMoreData(FromHex("02")).status().message(),
            "auth more data: header is not 0x01 at offset 1");
}

}  // namespace
}  // namespace coffer::mysql

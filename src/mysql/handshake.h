// Connection-phase messages: the server's greeting, the client's SSL
// request and handshake response, COM_CHANGE_USER, and the two
// authentication continuations (AuthSwitchRequest, AuthMoreData).
//
// Every Parse* takes one untrusted logical payload and returns the message
// or kInvalidArgument naming the field that is missing or wrong and its
// offset; it never reads out of bounds. Parsed strings are copies, so a
// message outlives its payload and can be changed and re-encoded (the
// proxy re-encodes the greeting with its own capabilities and scramble).
// Encode* produces a payload that Parse* reads back to an equal message;
// encoders that return StatusOr reject fields the wire cannot carry
// (a NUL inside a NUL-terminated string, a scramble of the wrong size).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "mysql/wire.h"

namespace coffer::mysql {

// Initial handshake packet, protocol version 10, sent by the server.
struct InitialHandshake {
  uint8_t protocol_version = 10;
  std::string server_version;
  uint32_t connection_id = 0;
  // The whole scramble: part 1 (8 bytes) then part 2 (12 or more, without
  // its trailing NUL).
  std::string auth_plugin_data;
  // Low 32 bits from the two 16-bit fields; the high 32 from MariaDB's
  // extended field, read only when kClientMysql is clear.
  uint64_t capabilities = 0;
  uint8_t charset = 0;
  uint16_t status_flags = 0;
  // Present when kClientPluginAuth is set.
  std::string auth_plugin_name;

  friend bool operator==(const InitialHandshake&,
                         const InitialHandshake&) = default;
};

StatusOr<InitialHandshake> ParseInitialHandshake(ByteView payload);
// Errors: a scramble shorter than 8 bytes (20 with
// kClientSecureConnection) or longer than 254, a NUL in a string.
StatusOr<coffer::Bytes> EncodeInitialHandshake(const InitialHandshake& hello);

// The 32-byte SSLRequest a client sends before starting TLS, which is also
// the start of its HandshakeResponse41.
struct SslRequest {
  uint64_t capabilities = 0;  // high 32 bits: MariaDB's, if kClientMysql clear
  uint32_t max_packet_size = 0;
  uint8_t charset = 0;

  friend bool operator==(const SslRequest&, const SslRequest&) = default;
};

inline constexpr size_t kSslRequestSize = 32;

// True for a 32-byte payload with kClientSsl: the client wants TLS.
bool IsSslRequest(ByteView payload);
// Reads the first 32 bytes (the rest of a longer payload is ignored).
StatusOr<SslRequest> ParseSslRequest(ByteView payload);
coffer::Bytes EncodeSslRequest(const SslRequest& request);

// HandshakeResponse41.
struct HandshakeResponse {
  uint64_t capabilities = 0;
  uint32_t max_packet_size = 0;
  uint8_t charset = 0;
  std::string username;
  std::string auth_response;
  std::optional<std::string> database;  // with kClientConnectWithDb
  std::string auth_plugin_name;         // with kClientPluginAuth
  // With kClientConnectAttrs: the attribute block without its lenenc
  // total length (lenenc key, lenenc value, ...); see ParseConnectAttributes.
  std::string connect_attributes;

  friend bool operator==(const HandshakeResponse&,
                         const HandshakeResponse&) = default;
};

// The fields after the auth response that a flag announces may be absent
// when the payload ends early (old clients); they are then left empty.
StatusOr<HandshakeResponse> ParseHandshakeResponse(ByteView payload);
StatusOr<coffer::Bytes> EncodeHandshakeResponse(
    const HandshakeResponse& response);

using ConnectAttribute = std::pair<std::string, std::string>;
StatusOr<std::vector<ConnectAttribute>> ParseConnectAttributes(
    std::string_view block);

// COM_CHANGE_USER (0x11); what follows the database depends on the
// capabilities negotiated for the connection.
struct ChangeUser {
  std::string username;
  std::string auth_response;
  std::string database;
  std::optional<uint16_t> charset;  // absent in very old clients' requests
  std::string auth_plugin_name;     // with kClientPluginAuth
  std::string connect_attributes;   // with kClientConnectAttrs, raw

  friend bool operator==(const ChangeUser&, const ChangeUser&) = default;
};

StatusOr<ChangeUser> ParseChangeUser(ByteView payload, uint64_t capabilities);
StatusOr<coffer::Bytes> EncodeChangeUser(const ChangeUser& change,
                                         uint64_t capabilities);

// AuthSwitchRequest (0xFE, plugin name, plugin data).
struct AuthSwitchRequest {
  std::string plugin_name;
  std::string plugin_data;  // as sent, usually a scramble and a NUL

  friend bool operator==(const AuthSwitchRequest&,
                         const AuthSwitchRequest&) = default;
};

StatusOr<AuthSwitchRequest> ParseAuthSwitchRequest(ByteView payload);
StatusOr<coffer::Bytes> EncodeAuthSwitchRequest(
    const AuthSwitchRequest& request);

// AuthMoreData (0x01, plugin data).
StatusOr<std::string> ParseAuthMoreData(ByteView payload);
coffer::Bytes EncodeAuthMoreData(std::string_view data);

}  // namespace coffer::mysql

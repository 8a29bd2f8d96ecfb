#include "mysql/handshake.h"

#include <algorithm>
#include <string>

#include "mysql/capabilities.h"

namespace coffer::mysql {
namespace {

constexpr size_t kScramblePart1Size = 8;
constexpr size_t kMinScramblePart2Size = 12;
constexpr size_t kReservedAfterCharset = 19;

Status NulInside(std::string_view message, std::string_view field) {
  return InvalidArgumentError(std::string(message) + ": " + std::string(field) +
                              " contains a NUL byte");
}

// A NUL-terminated string that may also end the packet without its NUL
// (some servers and clients omit the last one).
StatusOr<std::string_view> ReadNulOrRest(Reader& reader,
                                         std::string_view field) {
  auto value = reader.ReadNulString(field);
  if (value.ok()) return value;
  return reader.ReadRest();
}

Status ReadScramble(Reader& reader, uint64_t capabilities,
                    uint8_t auth_data_length, std::string& out) {
  if ((capabilities & kClientSecureConnection) == 0) return OkStatus();
  const size_t part2_size = std::max<size_t>(
      kMinScramblePart2Size, auth_data_length > 9 ? auth_data_length - 9u : 0u);
  COFFER_ASSIGN_OR_RETURN(std::string_view part2,
                          reader.ReadString(part2_size, "scramble part 2"));
  out.append(part2);
  // Its terminating NUL, absent in some old servers' greetings.
  if (!reader.empty()) COFFER_RETURN_IF_ERROR(reader.Skip(1, "filler"));
  return OkStatus();
}

Status CheckHandshakeForEncoding(const InitialHandshake& hello) {
  const bool secure = (hello.capabilities & kClientSecureConnection) != 0;
  const bool plugin = (hello.capabilities & kClientPluginAuth) != 0;
  const size_t size = hello.auth_plugin_data.size();
  const bool size_ok = !secure
                           ? size == kScramblePart1Size
                           : (plugin ? size >= 20 && size <= 254 : size == 20);
  if (!size_ok) {
    return InvalidArgumentError(
        "initial handshake: a scramble of " + std::to_string(size) +
        " bytes cannot be encoded with these capabilities");
  }
  if (HasNul(hello.server_version)) {
    return NulInside("initial handshake", "server version");
  }
  if (HasNul(hello.auth_plugin_name)) {
    return NulInside("initial handshake", "auth plugin name");
  }
  return OkStatus();
}

// The 32 bytes that start both the SSLRequest and the HandshakeResponse41.
StatusOr<SslRequest> ReadClientPrefix(Reader& reader) {
  SslRequest prefix;
  COFFER_ASSIGN_OR_RETURN(uint32_t low, reader.ReadU32("capabilities"));
  COFFER_ASSIGN_OR_RETURN(prefix.max_packet_size,
                          reader.ReadU32("max packet size"));
  COFFER_ASSIGN_OR_RETURN(prefix.charset, reader.ReadU8("charset"));
  COFFER_RETURN_IF_ERROR(reader.Skip(kReservedAfterCharset, "reserved"));
  COFFER_ASSIGN_OR_RETURN(uint32_t high,
                          reader.ReadU32("extended capabilities"));
  prefix.capabilities = low;
  if ((low & kClientMysql) == 0) {
    prefix.capabilities |= uint64_t{high} << 32;
  }
  return prefix;
}

void WriteClientPrefix(const SslRequest& prefix, Writer& writer) {
  writer.U32(static_cast<uint32_t>(prefix.capabilities));
  writer.U32(prefix.max_packet_size);
  writer.U8(prefix.charset);
  writer.Zeros(kReservedAfterCharset);
  const bool mariadb = (prefix.capabilities & kClientMysql) == 0;
  writer.U32(mariadb ? static_cast<uint32_t>(prefix.capabilities >> 32) : 0);
}

StatusOr<std::string_view> ReadAuthResponse(Reader& reader,
                                            uint64_t capabilities) {
  if ((capabilities & kClientPluginAuthLenencClientData) != 0) {
    return reader.ReadLenencString("auth response");
  }
  if ((capabilities & kClientSecureConnection) != 0) {
    COFFER_ASSIGN_OR_RETURN(uint8_t size,
                            reader.ReadU8("auth response length"));
    return reader.ReadString(size, "auth response");
  }
  return reader.ReadNulString("auth response");
}

Status WriteAuthResponse(std::string_view auth, uint64_t capabilities,
                         std::string_view message, Writer& writer) {
  if ((capabilities & kClientPluginAuthLenencClientData) != 0) {
    writer.LenencString(auth);
  } else if ((capabilities & kClientSecureConnection) != 0) {
    if (auth.size() > 255) {
      return InvalidArgumentError(
          std::string(message) + ": an auth response of " +
          std::to_string(auth.size()) +
          " bytes needs kClientPluginAuthLenencClientData");
    }
    writer.U8(static_cast<uint8_t>(auth.size()));
    writer.Append(auth);
  } else {
    if (HasNul(auth)) return NulInside(message, "auth response");
    writer.NulString(auth);
  }
  return OkStatus();
}

}  // namespace

StatusOr<InitialHandshake> ParseInitialHandshake(ByteView payload) {
  Reader reader(payload, "initial handshake");
  InitialHandshake hello;
  COFFER_ASSIGN_OR_RETURN(hello.protocol_version,
                          reader.ReadU8("protocol version"));
  if (hello.protocol_version != 10) {
    return InvalidArgumentError("initial handshake: protocol version " +
                                std::to_string(hello.protocol_version) +
                                " is not supported (only 10)");
  }
  COFFER_ASSIGN_OR_RETURN(hello.server_version,
                          reader.ReadNulString("server version"));
  COFFER_ASSIGN_OR_RETURN(hello.connection_id, reader.ReadU32("connection id"));
  COFFER_ASSIGN_OR_RETURN(
      hello.auth_plugin_data,
      reader.ReadString(kScramblePart1Size, "scramble part 1"));
  COFFER_RETURN_IF_ERROR(reader.Skip(1, "filler"));
  COFFER_ASSIGN_OR_RETURN(uint16_t caps_low,
                          reader.ReadU16("capabilities (low 16 bits)"));
  COFFER_ASSIGN_OR_RETURN(hello.charset, reader.ReadU8("charset"));
  COFFER_ASSIGN_OR_RETURN(hello.status_flags, reader.ReadU16("status flags"));
  COFFER_ASSIGN_OR_RETURN(uint16_t caps_high,
                          reader.ReadU16("capabilities (high 16 bits)"));
  COFFER_ASSIGN_OR_RETURN(uint8_t auth_data_length,
                          reader.ReadU8("auth plugin data length"));
  COFFER_RETURN_IF_ERROR(reader.Skip(6, "reserved"));
  COFFER_ASSIGN_OR_RETURN(uint32_t caps_mariadb,
                          reader.ReadU32("extended capabilities"));
  hello.capabilities = caps_low | (uint64_t{caps_high} << 16);
  if ((hello.capabilities & kClientMysql) == 0) {
    hello.capabilities |= uint64_t{caps_mariadb} << 32;
  }
  COFFER_RETURN_IF_ERROR(ReadScramble(
      reader, hello.capabilities, auth_data_length, hello.auth_plugin_data));
  if ((hello.capabilities & kClientPluginAuth) != 0) {
    COFFER_ASSIGN_OR_RETURN(hello.auth_plugin_name,
                            ReadNulOrRest(reader, "auth plugin name"));
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return hello;
}

StatusOr<coffer::Bytes> EncodeInitialHandshake(const InitialHandshake& hello) {
  COFFER_RETURN_IF_ERROR(CheckHandshakeForEncoding(hello));
  const uint64_t caps = hello.capabilities;
  const std::string_view scramble = hello.auth_plugin_data;
  Writer writer;
  writer.U8(hello.protocol_version);
  writer.NulString(hello.server_version);
  writer.U32(hello.connection_id);
  writer.Append(scramble.substr(0, kScramblePart1Size));
  writer.U8(0);
  writer.U16(static_cast<uint16_t>(caps));
  writer.U8(hello.charset);
  writer.U16(hello.status_flags);
  writer.U16(static_cast<uint16_t>(caps >> 16));
  const bool plugin = (caps & kClientPluginAuth) != 0;
  writer.U8(plugin ? static_cast<uint8_t>(scramble.size() + 1) : 0);
  writer.Zeros(6);
  const bool mariadb = (caps & kClientMysql) == 0;
  writer.U32(mariadb ? static_cast<uint32_t>(caps >> 32) : 0);
  if ((caps & kClientSecureConnection) != 0) {
    writer.NulString(scramble.substr(kScramblePart1Size));
  }
  if (plugin) writer.NulString(hello.auth_plugin_name);
  return std::move(writer).Take();
}

bool IsSslRequest(ByteView payload) {
  return payload.size() == kSslRequestSize &&
         (payload[1] & (kClientSsl >> 8)) != 0;
}

StatusOr<SslRequest> ParseSslRequest(ByteView payload) {
  Reader reader(payload, "SSL request");
  return ReadClientPrefix(reader);
}

coffer::Bytes EncodeSslRequest(const SslRequest& request) {
  Writer writer;
  WriteClientPrefix(request, writer);
  return std::move(writer).Take();
}

StatusOr<HandshakeResponse> ParseHandshakeResponse(ByteView payload) {
  Reader reader(payload, "handshake response");
  HandshakeResponse response;
  COFFER_ASSIGN_OR_RETURN(SslRequest prefix, ReadClientPrefix(reader));
  response.capabilities = prefix.capabilities;
  response.max_packet_size = prefix.max_packet_size;
  response.charset = prefix.charset;
  const uint64_t caps = response.capabilities;
  COFFER_ASSIGN_OR_RETURN(response.username, reader.ReadNulString("username"));
  COFFER_ASSIGN_OR_RETURN(response.auth_response,
                          ReadAuthResponse(reader, caps));
  if ((caps & kClientConnectWithDb) != 0 && !reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(response.database,
                            reader.ReadNulString("database"));
  }
  if ((caps & kClientPluginAuth) != 0 && !reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(response.auth_plugin_name,
                            ReadNulOrRest(reader, "auth plugin name"));
  }
  if ((caps & kClientConnectAttrs) != 0 && !reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(response.connect_attributes,
                            reader.ReadLenencString("connection attributes"));
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return response;
}

StatusOr<coffer::Bytes> EncodeHandshakeResponse(
    const HandshakeResponse& response) {
  const uint64_t caps = response.capabilities;
  Writer writer;
  WriteClientPrefix({caps, response.max_packet_size, response.charset}, writer);
  constexpr std::string_view kWhat = "handshake response";
  if (HasNul(response.username)) return NulInside(kWhat, "username");
  writer.NulString(response.username);
  COFFER_RETURN_IF_ERROR(
      WriteAuthResponse(response.auth_response, caps, kWhat, writer));
  if ((caps & kClientConnectWithDb) != 0) {
    const std::string database = response.database.value_or("");
    if (HasNul(database)) return NulInside(kWhat, "database");
    writer.NulString(database);
  }
  if ((caps & kClientPluginAuth) != 0) {
    if (HasNul(response.auth_plugin_name)) {
      return NulInside(kWhat, "auth plugin name");
    }
    writer.NulString(response.auth_plugin_name);
  }
  if ((caps & kClientConnectAttrs) != 0) {
    writer.LenencString(response.connect_attributes);
  }
  return std::move(writer).Take();
}

StatusOr<std::vector<ConnectAttribute>> ParseConnectAttributes(
    std::string_view block) {
  Reader reader(AsBytes(block), "connection attributes");
  std::vector<ConnectAttribute> attributes;
  while (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(std::string_view key,
                            reader.ReadLenencString("attribute name"));
    COFFER_ASSIGN_OR_RETURN(std::string_view value,
                            reader.ReadLenencString("attribute value"));
    attributes.emplace_back(key, value);
  }
  return attributes;
}

StatusOr<ChangeUser> ParseChangeUser(ByteView payload, uint64_t capabilities) {
  Reader reader(payload, "COM_CHANGE_USER");
  COFFER_ASSIGN_OR_RETURN(uint8_t command, reader.ReadU8("command"));
  if (command != 0x11) return reader.Error("not a COM_CHANGE_USER command");
  ChangeUser change;
  COFFER_ASSIGN_OR_RETURN(change.username, reader.ReadNulString("username"));
  // COM_CHANGE_USER never uses the lenenc form of the auth response.
  COFFER_ASSIGN_OR_RETURN(
      change.auth_response,
      ReadAuthResponse(reader,
                       capabilities & ~kClientPluginAuthLenencClientData));
  COFFER_ASSIGN_OR_RETURN(change.database, reader.ReadNulString("database"));
  if (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(change.charset, reader.ReadU16("charset"));
  }
  if ((capabilities & kClientPluginAuth) != 0 && !reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(change.auth_plugin_name,
                            ReadNulOrRest(reader, "auth plugin name"));
  }
  if ((capabilities & kClientConnectAttrs) != 0 && !reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(change.connect_attributes,
                            reader.ReadLenencString("connection attributes"));
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return change;
}

StatusOr<coffer::Bytes> EncodeChangeUser(const ChangeUser& change,
                                         uint64_t capabilities) {
  constexpr std::string_view kWhat = "COM_CHANGE_USER";
  if (HasNul(change.username)) return NulInside(kWhat, "username");
  if (HasNul(change.database)) return NulInside(kWhat, "database");
  if (HasNul(change.auth_plugin_name)) {
    return NulInside(kWhat, "auth plugin name");
  }
  Writer writer;
  writer.U8(0x11);
  writer.NulString(change.username);
  COFFER_RETURN_IF_ERROR(WriteAuthResponse(
      change.auth_response, capabilities & ~kClientPluginAuthLenencClientData,
      kWhat, writer));
  writer.NulString(change.database);
  if (!change.charset.has_value()) return std::move(writer).Take();
  writer.U16(*change.charset);
  if ((capabilities & kClientPluginAuth) != 0) {
    writer.NulString(change.auth_plugin_name);
  }
  if ((capabilities & kClientConnectAttrs) != 0) {
    writer.LenencString(change.connect_attributes);
  }
  return std::move(writer).Take();
}

StatusOr<AuthSwitchRequest> ParseAuthSwitchRequest(ByteView payload) {
  Reader reader(payload, "auth switch request");
  COFFER_ASSIGN_OR_RETURN(uint8_t header, reader.ReadU8("header"));
  if (header != 0xFE) return reader.Error("header is not 0xfe");
  if (reader.empty()) {
    return reader.Error(
        "old-style switch to mysql_old_password is not supported");
  }
  AuthSwitchRequest request;
  COFFER_ASSIGN_OR_RETURN(request.plugin_name,
                          reader.ReadNulString("plugin name"));
  request.plugin_data = reader.ReadRest();
  return request;
}

StatusOr<coffer::Bytes> EncodeAuthSwitchRequest(
    const AuthSwitchRequest& request) {
  if (HasNul(request.plugin_name)) {
    return NulInside("auth switch request", "plugin name");
  }
  Writer writer;
  writer.U8(0xFE);
  writer.NulString(request.plugin_name);
  writer.Append(request.plugin_data);
  return std::move(writer).Take();
}

StatusOr<std::string> ParseAuthMoreData(ByteView payload) {
  Reader reader(payload, "auth more data");
  COFFER_ASSIGN_OR_RETURN(uint8_t header, reader.ReadU8("header"));
  if (header != 0x01) return reader.Error("header is not 0x01");
  return std::string(reader.ReadRest());
}

coffer::Bytes EncodeAuthMoreData(std::string_view data) {
  Writer writer;
  writer.U8(0x01);
  writer.Append(data);
  return std::move(writer).Take();
}

}  // namespace coffer::mysql

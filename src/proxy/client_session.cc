#include "proxy/client_session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <vector>

#include "common/log.h"
#include "mysql/capabilities.h"
#include "mysql/handshake.h"
#include "mysql/messages.h"
#include "mysql/packet_framer.h"
#include "mysql/reply_tracker.h"
#include "mysql/result_rows.h"
#include "net/proxy_protocol.h"
#include "net/starttls_stream.h"
#include "proxy/masking_filter.h"
#include "proxy/route_classifier.h"

namespace coffer::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kLoginTimeout{10};
// MariaDB's default wait_timeout: an idle client is closed after it.
constexpr std::chrono::hours kIdleTimeout{8};
// A command of the proxy's own (a session command replayed on a replica,
// a causal read's GTID query and wait) that takes longer ends the link:
// nobody waits on a server that stopped answering.
constexpr std::chrono::seconds kInternalTimeout{30};
constexpr size_t kReadChunk = 64 * 1024;
// Replies are flushed to the client at least this often.
constexpr size_t kFlushBytes = 64 * 1024;
// The largest packet read before TLS (greetings, SSLRequest).
constexpr size_t kMaxLoginPacket = 4096;
// The largest handshake response: read after TLS but before the client's
// certificate is mapped to an account, so any holder of a client-CA
// certificate could otherwise make the proxy allocate a 64 MiB packet.
// Connection attributes are the only long part (libmariadb sends a few
// hundred bytes).
constexpr size_t kMaxHandshakeResponse = 64 * 1024;

// The capabilities the proxy offers. Not offered: compression, LOCAL
// INFILE, MariaDB's progress reports and bulk execution, and cached result
// metadata (MARIADB_CLIENT_CACHE_METADATA: without column definitions the
// masking filter could not know what to mask). Bit 0 (CLIENT_MYSQL) stays
// clear, as MariaDB servers leave it, so that MariaDB's extended
// capabilities are negotiated at all.
constexpr uint64_t kOffered =
    mysql::kClientFoundRows | mysql::kClientLongFlag |
    mysql::kClientConnectWithDb | mysql::kClientNoSchema | mysql::kClientOdbc |
    mysql::kClientIgnoreSpace | mysql::kClientProtocol41 |
    mysql::kClientInteractive | mysql::kClientSsl |
    mysql::kClientIgnoreSigpipe | mysql::kClientTransactions |
    mysql::kClientSecureConnection | mysql::kClientMultiStatements |
    mysql::kClientMultiResults | mysql::kClientPsMultiResults |
    mysql::kClientPluginAuth | mysql::kClientConnectAttrs |
    mysql::kClientPluginAuthLenencClientData |
    mysql::kClientCanHandleExpiredPasswords | mysql::kClientSessionTrack |
    mysql::kClientDeprecateEof | mysql::kMariaDbClientExtendedTypeInfo;

// "5.5.5-" is how MariaDB servers announce themselves to MySQL clients.
constexpr char kServerVersion[] = "5.5.5-10.11.0-MariaDB-coffer-proxy";
constexpr uint8_t kUtf8mb4GeneralCi = 45;
constexpr char kNativePassword[] = "mysql_native_password";
// ER_CONNECTION_KILLED: what the client gets when the proxy loses or
// cannot reach the database server. Codes 2000-2999 are the client
// library's own; Connector/C reports an ERR packet with one as malformed.
constexpr uint16_t kConnectionKilled = 1927;

// Character sets in which a 0x5C or quote byte is always that character,
// as the SQL guard assumes: latin1, ascii, utf8mb3 and utf8mb4 collations.
// Multi-byte sets such as gbk, big5, sjis and cp932 are not. Nor is binary
// (63), which reads like latin1 but also makes every result column arrive as
// stored bytes marked binary, so that the masking filter could not tell
// which character set a `match` rule's value is in.
constexpr char kUnsafeCharsetMessage[] =
    "Access denied: accounts with masking rules must use utf8mb4, utf8mb3, "
    "latin1 or ascii as the connection character set";

bool IsSafeCharset(unsigned id) {
  switch (id) {
    case 5:
    case 8:
    case 11:
    case 15:
    case 31:
    case 33:
    case 45:
    case 46:
    case 47:
    case 48:
    case 49:
    case 65:
    case 76:
    case 83:
    case 94: return true;
    default: return (id >= 192 && id <= 247);
  }
}

// Commands the proxy forwards; others are refused as unknown, since the
// proxy cannot follow their replies (replication, COM_MULTI) or they are
// an administrator's (shutdown, debug, process list of others).
bool IsForwardedCommand(uint8_t command) {
  switch (command) {
    case mysql::kComInitDb:
    case mysql::kComQuery:
    case mysql::kComFieldList:
    case mysql::kComStatistics:
    case mysql::kComPing:
    case mysql::kComStmtPrepare:
    case mysql::kComStmtExecute:
    case mysql::kComStmtSendLongData:
    case mysql::kComStmtClose:
    case mysql::kComStmtReset:
    case mysql::kComSetOption:
    case mysql::kComStmtFetch:
    case mysql::kComResetConnection: return true;
    default: return false;
  }
}

bool HasNoReply(uint8_t command) {
  return command == mysql::kComStmtClose ||
         command == mysql::kComStmtSendLongData;
}

size_t RandomIndex(size_t count) {
  uint32_t random = 0;
  RAND_bytes(reinterpret_cast<uint8_t*>(&random), sizeof random);
  return random % count;
}

Bytes ErrorPackets(uint16_t code, std::string_view sql_state,
                   std::string_view message, uint8_t sequence_id) {
  auto payload = mysql::EncodeError(code, sql_state, message);
  if (!payload.ok()) payload = mysql::EncodeError(1105, "HY000", "error");
  return mysql::EncodePackets(*payload, sequence_id).bytes;
}

mysql::ByteView View(const Bytes& bytes) {
  return {bytes.data(), bytes.size()};
}

// Appends `payload` to `out` as packets numbered from `sequence_id`, like
// mysql::EncodePackets but without a buffer of its own: the relay's hot
// path.
void AppendPackets(Bytes& out, const Bytes& payload, uint8_t sequence_id) {
  if (payload.size() >= mysql::kMaxPacketPayload) {
    const Bytes encoded =
        mysql::EncodePackets(View(payload), sequence_id).bytes;
    out.insert(out.end(), encoded.begin(), encoded.end());
    return;
  }
  const size_t size = payload.size();
  const uint8_t header[4] = {static_cast<uint8_t>(size),
                             static_cast<uint8_t>(size >> 8),
                             static_cast<uint8_t>(size >> 16), sequence_id};
  out.insert(out.end(), header, header + 4);
  out.insert(out.end(), payload.begin(), payload.end());
}

// A StartTlsStream read as MySQL packets.
class PacketChannel {
 public:
  explicit PacketChannel(net::StartTlsStream& stream) : stream_(stream) {
    packets_.assembler().CheckSequenceAcrossPackets(false);
  }

  // Reads exactly one physical packet of at most `max_length` bytes
  // without reading past it: before TLS starts, bytes after the packet
  // belong to the TLS handshake.
  asio::awaitable<StatusOr<mysql::LogicalPacket>> NextExact(size_t max_length) {
    std::array<uint8_t, 4> header{};
    if (Status read = co_await ReadExact(header.data(), header.size());
        !read.ok()) {
      co_return read;
    }
    const size_t length = header[0] | (header[1] << 8) | (header[2] << 16);
    mysql::LogicalPacket packet;
    packet.first_sequence_id = packet.last_sequence_id = header[3];
    // Read before anyone is authenticated: nobody gets the proxy to
    // allocate megabytes.
    if (length > max_length) {
      co_return InvalidArgumentError("login packet too large");
    }
    packet.payload.resize(length);
    if (Status read = co_await ReadExact(packet.payload.data(), length);
        !read.ok()) {
      co_return read;
    }
    co_return packet;
  }

  // The next logical packet (16 MiB chunks joined).
  asio::awaitable<StatusOr<mysql::LogicalPacket>> Next() {
    if (!pending_.empty()) {
      mysql::LogicalPacket packet = std::move(pending_.front());
      pending_.erase(pending_.begin());
      co_return packet;
    }
    for (;;) {
      if (auto packet = packets_.Pop()) co_return std::move(*packet);
      error_code ec;
      const size_t n = co_await stream_.ReadSome(asio::buffer(buffer_), ec);
      if (ec) co_return ReadError(ec);
      if (Status fed = packets_.Feed({buffer_.data(), n}); !fed.ok()) {
        co_return fed;
      }
    }
  }

  // Whether Next() would return without reading.
  bool HasPacket() {
    if (auto packet = packets_.Pop()) {
      pending_.push_back(std::move(*packet));
    }
    return !pending_.empty();
  }

  asio::awaitable<Status> Write(mysql::ByteView bytes) {
    error_code ec;
    co_await stream_.WriteAll(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec) co_return ReadError(ec);
    co_return OkStatus();
  }

 private:
  static Status ReadError(const error_code& ec) {
    if (ec == boost::beast::error::timeout) {
      return DeadlineExceededError("timed out");
    }
    if (ec == asio::error::eof) return UnavailableError("connection closed");
    return UnavailableError(ec.message());
  }

  asio::awaitable<Status> ReadExact(uint8_t* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      error_code ec;
      done +=
          co_await stream_.ReadSome(asio::buffer(data + done, size - done), ec);
      if (ec) co_return ReadError(ec);
    }
    co_return OkStatus();
  }

  net::StartTlsStream& stream_;
  mysql::LogicalPacketStream packets_;
  std::vector<mysql::LogicalPacket> pending_;
  std::array<uint8_t, kReadChunk> buffer_{};
};

// One backend connection of a session: the primary's, or a replica's for
// reads. Its tracker follows the replies of the commands sent on it.
struct BackendLink {
  BackendLink(const asio::any_io_executor& executor, TopologyServer where,
              uint64_t capabilities)
      : stream(tcp::socket(executor)),
        channel(stream),
        tracker(capabilities),
        server(std::move(where)) {
    server.sessions->fetch_add(1);
  }
  BackendLink(const BackendLink&) = delete;
  BackendLink& operator=(const BackendLink&) = delete;
  ~BackendLink() {
    server.sessions->fetch_sub(1);
    stream.Close();
  }

  bool Is(const TopologyServer& other) const {
    return server.address == other.address;
  }

  net::StartTlsStream stream;
  PacketChannel channel;
  mysql::ReplyTracker tracker;
  TopologyServer server;
};

// Session commands kept to replay on a replica connection opened later
// (MaxScale's session command history). Past this many, the session reads
// from the primary only.
constexpr size_t kMaxSessionHistory = 64;
// How long a causal read waits on a replica for the session's last write.
constexpr int kCausalWaitSeconds = 2;

enum class Relayed {
  kOk,
  kClientGone,      // the session ends
  kBackendLost,     // after part of the reply went to the client: ends
  kNothingRelayed,  // the backend failed before the client got anything
};

class Session final : public net::ServedConnection,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(const ProxyShared& shared, tcp::socket socket)
      : shared_(shared),
        config_(*shared.config),
        client_(std::move(socket)),
        client_channel_(client_) {
    executor_ = client_.executor();
  }

  asio::any_io_executor executor() const override { return executor_; }

  void CloseIfIdle() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (self->idle_) self->CloseNow();
    });
  }
  void Close() override {
    asio::post(executor_, [self = shared_from_this()] { self->CloseNow(); });
  }

  asio::awaitable<void> Serve() override {
    if (metrics() != nullptr) metrics()->ConnectionOpened();
    remote_ = client_.RemoteText();
    const std::string result = co_await Login();
    if (metrics() != nullptr) metrics()->Connection(result);
    if (result == "ok") {
      co_await RelayCommands();
      // A COM_QUIT, so that the server ends the session cleanly instead of
      // logging an aborted connection.
      for (BackendLink* link : {primary_.get(), replica_.get()}) {
        if (link == nullptr) continue;
        const uint8_t quit[] = {1, 0, 0, 0, mysql::kComQuit};
        link->stream.SetDeadline(std::chrono::seconds(1));
        (void)co_await link->channel.Write({quit, sizeof quit});
      }
    }
    CloseNow();
    if (metrics() != nullptr) metrics()->ConnectionClosed();
  }

 private:
  ProxyMetrics* metrics() const { return shared_.metrics; }

  void CloseNow() {
    client_.Close();
    if (primary_ != nullptr) primary_->stream.Close();
    if (replica_ != nullptr) replica_->stream.Close();
  }

  void LogRefusal(std::string_view what, std::string_view reason) {
    Log(LogLevel::kInfo, std::string("proxy: ") + std::string(what),
        {{"remote", remote_}, {"account", identity_.user}, {"reason", reason}});
  }

  // Steps 1 to 4 of client_session.h. Returns the result for the metric;
  // "ok" when the client is logged in through to the backend.
  asio::awaitable<std::string> Login() {
    client_.SetDeadline(kLoginTimeout);
    identity_.host = PeerAddress();
    if (IsProxyProtocolPeer()) {
      if (!co_await ReadProxyHeader()) co_return "proxy_header";
    }
    if (!(co_await SendGreeting()).ok()) co_return "bad_packet";
    auto ssl_request = co_await client_channel_.NextExact(kMaxLoginPacket);
    if (!ssl_request.ok()) co_return "bad_packet";
    if (!mysql::IsSslRequest(View(ssl_request->payload))) {
      LogRefusal("plain-text login refused", "no_tls");
      co_await SendClientError(
          1045, "28000",
          "Access denied: this proxy accepts TLS connections with a client "
          "certificate only",
          ssl_request->last_sequence_id + 1);
      co_return "no_tls";
    }
    if (Status tls = co_await client_.StartTlsAsServer(*config_.client_tls);
        !tls.ok()) {
      LogRefusal("client TLS handshake failed", tls.message());
      co_return "tls_failed";
    }
    auto response_packet =
        co_await client_channel_.NextExact(kMaxHandshakeResponse);
    if (!response_packet.ok()) co_return "bad_packet";
    auto response =
        mysql::ParseHandshakeResponse(View(response_packet->payload));
    const uint8_t reply_seq = response_packet->last_sequence_id + 1;
    if (!response.ok()) {
      co_await SendClientError(1043, "08S01", "Bad handshake", reply_seq);
      co_return "bad_packet";
    }
    const std::string subject = net::PeerSubjectOf(client_.ssl());
    account_ = config_.AccountForSubject(subject);
    if (account_ == nullptr) {
      LogRefusal("client certificate not mapped to an account", subject);
      co_await SendClientError(
          1045, "28000",
          "Access denied: the certificate's subject \"" + subject +
              "\" is not mapped to a database account by the proxy",
          reply_seq);
      co_return "unmapped";
    }
    identity_.user = account_->user;
    if (!response->username.empty() && response->username != account_->user) {
      LogRefusal("user name does not match the certificate", "user_mismatch");
      co_await SendClientError(1045, "28000",
                               "Access denied for user '" + response->username +
                                   "'@'" + identity_.host +
                                   "': the client certificate is for user '" +
                                   account_->user + "'",
                               reply_seq);
      co_return "user_mismatch";
    }
    capabilities_ = response->capabilities & kOffered;
    masking_ = std::make_unique<MaskingFilter>(config_.rules, capabilities_,
                                               metrics());
    masking_->OnIdentity(identity_);
    if (masking_->active() && !IsSafeCharset(response->charset)) {
      LogRefusal("unsafe character set for a masked account",
                 std::to_string(response->charset));
      co_await SendClientError(1045, "28000", kUnsafeCharsetMessage, reply_seq);
      co_return "bad_charset";
    }
    login_ = *response;
    const std::shared_ptr<const Topology> topology = shared_.monitor->Current();
    if (!topology->primary) {
      co_await SendClientError(kConnectionKilled, "08S01",
                               "No primary database server is available "
                               "now (a failover may be in progress); "
                               "retry",
                               reply_seq);
      co_return "backend_failed";
    }
    primary_ = std::make_unique<BackendLink>(executor_, *topology->primary,
                                             capabilities_);
    if (Status backend = co_await ConnectBackend(*primary_, reply_seq, true);
        !backend.ok()) {
      Log(LogLevel::kWarning, "proxy: backend login failed",
          {{"remote", remote_},
           {"account", identity_.user},
           {"error", backend.message()}});
      co_return "backend_failed";
    }
    co_return "ok";
  }

  std::string PeerAddress() {
    std::string remote = remote_;
    const size_t colon = remote.rfind(':');
    if (colon != std::string::npos) remote.resize(colon);
    if (remote.starts_with('[') && remote.ends_with(']')) {
      remote = remote.substr(1, remote.size() - 2);
    }
    return remote;
  }

  bool IsProxyProtocolPeer() const {
    for (const std::string& peer : config_.proxy_protocol_from) {
      if (peer == identity_.host) return true;
    }
    return false;
  }

  // The PROXY header HAProxy sends first; the client's real address
  // replaces HAProxy's. Nothing else may follow before the greeting: a
  // MySQL client waits for the server to speak.
  asio::awaitable<bool> ReadProxyHeader() {
    Bytes bytes;
    std::array<uint8_t, 256> chunk{};
    for (;;) {
      error_code ec;
      const size_t n = co_await client_.ReadSome(asio::buffer(chunk), ec);
      if (ec) co_return false;
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
      const net::ProxyParseResult parsed = net::ParseProxyHeader(View(bytes));
      if (parsed.state == net::ProxyParse::kNeedMore) continue;
      if (parsed.state == net::ProxyParse::kBad ||
          parsed.consumed != bytes.size()) {
        LogRefusal("bad PROXY protocol header",
                   parsed.state == net::ProxyParse::kBad
                       ? parsed.error.message()
                       : "data after the header");
        co_return false;
      }
      if (parsed.header.has_address) {
        identity_.host = parsed.header.source_address;
      }
      co_return true;
    }
  }

  asio::awaitable<Status> SendGreeting() {
    mysql::InitialHandshake hello;
    hello.server_version = kServerVersion;
    hello.connection_id = 0;
    std::array<uint8_t, 20> scramble{};
    RAND_bytes(scramble.data(), static_cast<int>(scramble.size()));
    // A scramble must hold no NUL (it is sent NUL-terminated).
    for (uint8_t& b : scramble) b = static_cast<uint8_t>(1 + (b % 127));
    hello.auth_plugin_data.assign(scramble.begin(), scramble.end());
    hello.capabilities = kOffered;
    hello.charset = kUtf8mb4GeneralCi;
    hello.status_flags = mysql::kServerStatusAutocommit;
    hello.auth_plugin_name = kNativePassword;
    auto payload = mysql::EncodeInitialHandshake(hello);
    if (!payload.ok()) co_return payload.status();
    co_return co_await client_channel_.Write(
        View(mysql::EncodePackets(*payload, 0).bytes));
  }

  asio::awaitable<void> SendClientError(uint16_t code,
                                        std::string_view sql_state,
                                        std::string_view message,
                                        uint8_t sequence_id) {
    (void)co_await client_channel_.Write(
        View(ErrorPackets(code, sql_state, message, sequence_id)));
  }

  // Logs in to `link`'s server as the mapped account. With `answer_client`
  // the backend's answer (OK or ERR) is the client's answer to its own
  // login (with `reply_seq`); otherwise (a replica for reads) nothing goes
  // to the client.
  asio::awaitable<Status> ConnectBackend(BackendLink& link, uint8_t reply_seq,
                                         bool answer_client) {
    const mysql::HandshakeResponse& login = login_;
    link.stream.SetDeadline(kLoginTimeout);
    auto fail = [&](Status status) -> asio::awaitable<Status> {
      if (answer_client) co_return co_await FailLogin(status, reply_seq);
      co_return status;
    };
    Status status = co_await link.stream.Connect(link.server.address.host,
                                                 link.server.address.port);
    if (!status.ok()) co_return co_await fail(status);
    auto greeting_packet = co_await link.channel.NextExact(kMaxLoginPacket);
    if (!greeting_packet.ok()) {
      co_return co_await fail(greeting_packet.status());
    }
    auto greeting =
        mysql::ParseInitialHandshake(View(greeting_packet->payload));
    if (!greeting.ok()) co_return co_await fail(greeting.status());
    const uint64_t missing = capabilities_ & ~greeting->capabilities;
    if ((greeting->capabilities & mysql::kClientSsl) == 0 || missing != 0) {
      co_return co_await fail(
          FailedPreconditionError("the database server lacks TLS or a "
                                  "capability the client negotiated"));
    }
    mysql::SslRequest ssl_request{capabilities_ | mysql::kClientSsl,
                                  login.max_packet_size, login.charset};
    status = co_await link.channel.Write(View(
        mysql::EncodePackets(mysql::EncodeSslRequest(ssl_request), 1).bytes));
    if (status.ok()) {
      status = co_await link.stream.StartTlsAsClient(
          *account_->backend_tls, config_.backend_server_name);
    }
    if (!status.ok()) co_return co_await fail(status);
    mysql::HandshakeResponse response;
    response.capabilities = capabilities_ | mysql::kClientSsl;
    response.max_packet_size = login.max_packet_size;
    response.charset = login.charset;
    response.username = account_->user;
    response.database = login.database;
    response.auth_plugin_name = kNativePassword;
    response.connect_attributes = login.connect_attributes;
    auto payload = mysql::EncodeHandshakeResponse(response);
    if (!payload.ok()) co_return co_await fail(payload.status());
    status = co_await link.channel.Write(
        View(mysql::EncodePackets(*payload, 2).bytes));
    if (!status.ok()) co_return co_await fail(status);
    co_return co_await FinishBackendAuth(link, reply_seq, answer_client);
  }

  // The backend's answers after a login or COM_CHANGE_USER: an auth switch
  // is answered with the empty response of a password-less account (its
  // certificate is the credential); with `answer_client` the final OK or
  // ERR goes to the client with `reply_seq`.
  asio::awaitable<Status> FinishBackendAuth(BackendLink& link,
                                            uint8_t reply_seq,
                                            bool answer_client) {
    auto fail = [&](Status status) -> asio::awaitable<Status> {
      if (answer_client) co_return co_await FailLogin(status, reply_seq);
      co_return status;
    };
    for (int round = 0; round < 4; ++round) {
      auto packet = co_await link.channel.Next();
      if (!packet.ok()) co_return co_await fail(packet.status());
      const Bytes& payload = packet->payload;
      if (payload.empty()) break;
      if (payload[0] == mysql::kOkHeader || payload[0] == mysql::kErrHeader) {
        Status sent = OkStatus();
        if (answer_client) {
          sent = co_await client_channel_.Write(
              View(mysql::EncodePackets(View(payload), reply_seq).bytes));
        }
        if (payload[0] == mysql::kErrHeader) {
          auto err = mysql::ParseErr(View(payload));
          co_return PermissionDeniedError(
              "the database refused the login: " +
              (err.ok() ? err->message : std::string("unreadable error")));
        }
        link.stream.ClearDeadline();
        client_.ClearDeadline();
        co_return sent;
      }
      if (payload[0] != mysql::kEofHeader) break;
      // AuthSwitchRequest: the empty response.
      Status sent = co_await link.channel.Write(
          View(mysql::EncodePackets(
                   {}, static_cast<uint8_t>(packet->last_sequence_id + 1))
                   .bytes));
      if (!sent.ok()) co_return co_await fail(sent);
    }
    co_return co_await fail(
        InvalidArgumentError("unexpected authentication exchange"));
  }

  asio::awaitable<Status> FailLogin(Status status, uint8_t reply_seq) {
    co_await SendClientError(kConnectionKilled, "08S01",
                             "The proxy cannot reach the database server",
                             reply_seq);
    co_return status;
  }

  // Step 5: commands until the client quits or either side fails.
  asio::awaitable<void> RelayCommands() {
    for (;;) {
      idle_ = true;
      client_.SetDeadline(kIdleTimeout);
      auto command = co_await client_channel_.Next();
      idle_ = false;
      if (!command.ok()) {  // the client left
        Log(LogLevel::kDebug, "proxy: client connection ended",
            {{"remote", remote_}, {"reason", command.status().message()}});
        co_return;
      }
      client_.ClearDeadline();
      if (command->payload.empty()) co_return;
      const uint8_t code = command->payload[0];
      if (code == mysql::kComQuit) co_return;
      if (co_await PrimaryMoved(command->last_sequence_id + 1)) co_return;
      bool go_on = true;
      if (code == mysql::kComChangeUser) {
        go_on = co_await ChangeUser(*command);
      } else if (!IsForwardedCommand(code)) {
        co_await SendClientError(1047, "08S01", "Unknown command",
                                 command->last_sequence_id + 1);
      } else {
        go_on = co_await Forward(*command);
      }
      if (!go_on) co_return;
    }
  }

  // After a switchover (or a failover whose old primary still answers)
  // the session's primary connection leads to a server that is no longer
  // the primary. Its session state (transaction, prepared statements,
  // temporary tables, locks) cannot move, so the session ends with an
  // error that says so, as MaxScale's readwritesplit does by default; the
  // client reconnects and reaches the new primary.
  asio::awaitable<bool> PrimaryMoved(uint8_t reply_seq) {
    if (!config_.monitor.enabled) co_return false;
    const std::shared_ptr<const Topology> topology = shared_.monitor->Current();
    if (!topology->primary || primary_->Is(*topology->primary)) {
      co_return false;
    }
    const std::string moved_to =
        topology->primary->address.host + ":" +
        std::to_string(topology->primary->address.port);
    Log(LogLevel::kInfo, "proxy: session ended: the primary moved",
        {{"remote", remote_}, {"primary", moved_to}});
    co_await SendClientError(kConnectionKilled, "08S01",
                             "The primary database server moved to " +
                                 moved_to +
                                 " (a switchover or failover); reconnect",
                             reply_seq);
    co_return true;
  }

  // Where a command goes (readwritesplit's rules, route_classifier.h).
  // Without a monitor there are no replicas: everything to the primary,
  // unparsed.
  Route RouteOf(const mysql::LogicalPacket& command) {
    if (!config_.monitor.enabled) return Route::kPrimary;
    const std::string_view sql(
        reinterpret_cast<const char*>(command.payload.data()) + 1,
        command.payload.size() - 1);
    switch (command.payload[0]) {
      case mysql::kComInitDb:
      case mysql::kComSetOption: return Route::kAll;
      case mysql::kComQuery: break;
      case mysql::kComStmtPrepare:
        // Executed later by id: a statement that may create a temporary
        // table keeps the session on the primary from now on.
        if (TextMayCreateTemporaryTable(sql)) temporary_tables_ = true;
        return Route::kPrimary;
      default: return Route::kPrimary;
    }
    // The session's ANSI_QUOTES is not known: both readings must agree.
    // They differ only where the text holds a double quote.
    const bool no_backslash =
        (status_ & mysql::kServerStatusNoBackslashEscapes) != 0;
    const RouteDecision plain = ClassifyQuery(sql, {false, no_backslash});
    const RouteDecision ansi = sql.find('"') == std::string_view::npos
                                   ? plain
                                   : ClassifyQuery(sql, {true, no_backslash});
    if (plain.creates_temporary_table || ansi.creates_temporary_table) {
      temporary_tables_ = true;
    }
    if (plain.route == Route::kAll || ansi.route == Route::kAll) {
      return Route::kAll;
    }
    if (plain.route == Route::kReplica && ansi.route == Route::kReplica &&
        (status_ & mysql::kServerStatusInTrans) == 0 &&
        (status_ & mysql::kServerStatusAutocommit) != 0 && !temporary_tables_ &&
        !history_overflow_) {
      return Route::kReplica;
    }
    return Route::kPrimary;
  }

  // Runs the filters on a command, routes it and relays its reply.
  // False when the session must end.
  asio::awaitable<bool> Forward(mysql::LogicalPacket& command) {
    Refusal refusal;
    if (masking_->OnCommand(View(command.payload), refusal) ==
        FilterStatus::kStopIteration) {
      co_await SendClientError(refusal.code, refusal.sql_state, refusal.message,
                               command.last_sequence_id + 1);
      co_return true;
    }
    if (Status parsed =
            mysql::CommandFromPayload(View(command.payload)).status();
        !parsed.ok()) {
      co_await SendClientError(1047, "08S01", parsed.message(),
                               command.last_sequence_id + 1);
      co_return true;
    }
    const Route route = RouteOf(command);
    const Clock::time_point started = Clock::now();
    std::string_view route_name = "primary";
    Relayed relayed = Relayed::kNothingRelayed;
    // (No co_await inside && or ||: GCC 12 miscompiles it.)
    bool to_replica = route == Route::kReplica;
    if (to_replica) to_replica = co_await ReplicaReady();
    if (to_replica) {
      route_name = "replica";
      relayed = co_await SendAndRelay(*replica_, command);
      if (relayed == Relayed::kNothingRelayed) {
        // MaxScale's retry_failed_reads: the primary answers instead.
        Log(LogLevel::kWarning,
            "proxy: a replica failed mid-read; the primary answers",
            {{"remote", remote_}});
        replica_.reset();
        route_name = "primary";
      }
    }
    if (relayed == Relayed::kNothingRelayed) {
      relayed = co_await SendAndRelay(*primary_, command);
      if (route == Route::kAll && relayed == Relayed::kOk &&
          !last_reply_error_) {
        route_name = "all";
        co_await RecordSessionCommand(command);
      } else if (route == Route::kPrimary) {
        wrote_ = true;  // (a read that fell back to the primary wrote nothing)
      }
    }
    if (metrics() != nullptr) {
      metrics()->Query(
          route_name,
          std::chrono::duration<double>(Clock::now() - started).count());
    }
    if (relayed == Relayed::kNothingRelayed ||
        relayed == Relayed::kBackendLost) {
      co_return co_await BackendLost(command.last_sequence_id + 1);
    }
    if (relayed == Relayed::kClientGone) co_return false;
    if (command.payload[0] == mysql::kComResetConnection) {
      masking_->OnIdentity(identity_);
      session_history_.clear();
      history_overflow_ = false;
      temporary_tables_ = false;
      replica_.reset();
    }
    co_return true;
  }

  // Sends `command` on `link` and relays its reply to the client.
  asio::awaitable<Relayed> SendAndRelay(BackendLink& link,
                                        const mysql::LogicalPacket& command) {
    if (!link.tracker.OnCommandPayload(View(command.payload)).ok()) {
      co_return Relayed::kNothingRelayed;
    }
    const Status sent = co_await link.channel.Write(View(
        mysql::EncodePackets(View(command.payload), command.first_sequence_id)
            .bytes));
    if (!sent.ok()) co_return Relayed::kNothingRelayed;
    if (HasNoReply(command.payload[0])) co_return Relayed::kOk;
    co_return co_await RelayReply(link, command.last_sequence_id + 1);
  }

  // A session command that reached the primary: also to the replica
  // connection, and kept for replica connections opened later.
  asio::awaitable<void> RecordSessionCommand(
      const mysql::LogicalPacket& command) {
    if (session_history_.size() >= kMaxSessionHistory) {
      history_overflow_ = true;
      replica_.reset();
      co_return;
    }
    session_history_.push_back(command.payload);
    if (replica_ == nullptr) co_return;
    const bool replayed =
        (co_await RunInternal(*replica_, command.payload)).ok();
    if (!replayed) replica_.reset();  // its state would differ
  }

  // A replica connection for a read: the current one if its server is
  // still readable, else the least loaded readable replica, logged in and
  // given the session's history. With causal reads, it waits for the
  // session's last write. False: the primary answers.
  asio::awaitable<bool> ReplicaReady() {
    const std::shared_ptr<const Topology> topology = shared_.monitor->Current();
    if (replica_ != nullptr) {
      const bool readable =
          std::any_of(topology->replicas.begin(), topology->replicas.end(),
                      [&](const TopologyServer& s) { return replica_->Is(s); });
      if (!readable) replica_.reset();
    }
    if (replica_ == nullptr) {
      // The least loaded; among equals, any (a random start), so that
      // short connections spread too.
      const TopologyServer* best = nullptr;
      const size_t count = topology->replicas.size();
      const size_t start = count == 0 ? 0 : RandomIndex(count);
      for (size_t i = 0; i < count; ++i) {
        const TopologyServer& server = topology->replicas[(start + i) % count];
        if (best == nullptr ||
            server.sessions->load() < best->sessions->load()) {
          best = &server;
        }
      }
      if (best == nullptr) co_return false;
      auto link =
          std::make_unique<BackendLink>(executor_, *best, capabilities_);
      if (Status connected = co_await ConnectBackend(*link, 0, false);
          !connected.ok()) {
        Log(LogLevel::kWarning,
            "proxy: replica login failed; reading from "
            "the primary",
            {{"remote", remote_},
             {"replica",
              best->address.host + ":" + std::to_string(best->address.port)},
             {"error", connected.message()}});
        co_return false;
      }
      for (const Bytes& payload : session_history_) {
        if (!(co_await RunInternal(*link, payload)).ok()) co_return false;
      }
      replica_ = std::move(link);
    }
    if (config_.causal_reads && wrote_) {
      auto gtid =
          co_await RunInternal(*primary_, QueryPayload("SELECT @@last_gtid"));
      if (!gtid.ok()) co_return false;
      if (!gtid->empty()) {
        auto waited = co_await RunInternal(
            *replica_,
            QueryPayload("SELECT MASTER_GTID_WAIT('" + *gtid + "', " +
                         std::to_string(kCausalWaitSeconds) + ")"));
        if (!waited.ok()) {
          replica_.reset();
          co_return false;
        }
        if (*waited != "0") co_return false;  // not there yet: the primary
      }
      wrote_ = false;
    }
    co_return true;
  }

  static Bytes QueryPayload(std::string_view sql) {
    Bytes payload(1 + sql.size());
    payload[0] = mysql::kComQuery;
    std::copy(sql.begin(), sql.end(), payload.begin() + 1);
    return payload;
  }

  // A command of the proxy's own on `link` (a session command replayed, a
  // causal wait). Its reply stays in the proxy: the first value of its
  // first row ("" when none), or an error for an ERR, a lost link or one
  // that did not answer within kInternalTimeout (then closed).
  asio::awaitable<StatusOr<std::string>> RunInternal(BackendLink& link,
                                                     const Bytes& payload) {
    link.stream.SetDeadline(kInternalTimeout);
    StatusOr<std::string> result = co_await RunInternalUnbounded(link, payload);
    link.stream.ClearDeadline();
    co_return result;
  }

  asio::awaitable<StatusOr<std::string>> RunInternalUnbounded(
      BackendLink& link, const Bytes& payload) {
    if (!link.tracker.OnCommandPayload(View(payload)).ok()) {
      co_return InvalidArgumentError("not a command");
    }
    const Status sent = co_await link.channel.Write(
        View(mysql::EncodePackets(View(payload), 0).bytes));
    if (!sent.ok()) co_return sent;
    std::string first;
    bool failed = false;
    uint64_t columns = 0;
    bool have_row = false;
    for (;;) {
      auto packet = co_await link.channel.Next();
      if (!packet.ok()) co_return packet.status();
      auto reply = link.tracker.OnPacket(View(packet->payload));
      if (!reply.ok()) co_return reply.status();
      if (reply->kind == mysql::ReplyKind::kErr) failed = true;
      if (reply->kind == mysql::ReplyKind::kColumnCount) {
        columns = reply->column_count;
      }
      if (reply->kind == mysql::ReplyKind::kRow && !have_row) {
        have_row = true;
        auto values = mysql::TextRowValues(View(packet->payload), columns);
        if (values.ok() && !values->empty() && !(*values)[0].is_null) {
          first.assign(reinterpret_cast<const char*>(packet->payload.data()) +
                           (*values)[0].offset,
                       (*values)[0].length);
        }
      }
      if (reply->reply_complete) break;
    }
    if (failed) co_return FailedPreconditionError("the backend refused it");
    co_return first;
  }

  // Relays `link`'s reply packets until its tracker says the reply is
  // complete.
  asio::awaitable<Relayed> RelayReply(BackendLink& link,
                                      uint8_t first_reply_seq) {
    Bytes out;
    std::optional<Refusal> refused;
    uint8_t refused_seq = first_reply_seq;
    // The sequence id the client expects next; an error that ends the
    // session takes it, after what is already buffered.
    uint8_t next_seq = first_reply_seq;
    bool relayed_any = false;
    const bool from_primary = &link == primary_.get();
    last_reply_error_ = false;
    for (;;) {
      auto packet = co_await link.channel.Next();
      if (!packet.ok()) {
        if (!relayed_any && out.empty()) co_return Relayed::kNothingRelayed;
        (void)co_await client_channel_.Write(View(out));
        pending_error_seq_ = next_seq;
        co_return Relayed::kBackendLost;
      }
      auto reply = link.tracker.OnPacket(View(packet->payload));
      if (!reply.ok()) {
        Log(LogLevel::kWarning, "proxy: reply not understood; session ended",
            {{"remote", remote_}, {"error", reply.status().message()}});
        (void)co_await client_channel_.Write(View(out));
        co_await SendClientError(kConnectionKilled, "08S01",
                                 "The proxy received a malformed reply from "
                                 "the database server",
                                 refused ? refused_seq : next_seq);
        co_return Relayed::kClientGone;
      }
      if (reply->kind == mysql::ReplyKind::kErr) last_reply_error_ = true;
      // Every OK and EOF, not only the last: after "BEGIN; INSERT ...;
      // SELECT bad" the reply ends with an ERR, which has no status, and
      // the transaction the OKs before it reported is still open.
      if (from_primary && (reply->kind == mysql::ReplyKind::kOk ||
                           reply->kind == mysql::ReplyKind::kEof)) {
        status_ = reply->status_flags;
      }
      if (!refused) next_seq = packet->last_sequence_id + 1;
      if (!refused) {
        Refusal refusal;
        if (masking_->OnReply(*reply,
                              {packet->payload.data(), packet->payload.size()},
                              refusal) == FilterStatus::kStopIteration) {
          refused = std::move(refusal);
          refused_seq = packet->first_sequence_id;
        } else {
          AppendPackets(out, packet->payload, packet->first_sequence_id);
        }
      }
      const bool complete = reply->reply_complete;
      if (complete && refused) {
        const Bytes error = ErrorPackets(refused->code, refused->sql_state,
                                         refused->message, refused_seq);
        out.insert(out.end(), error.begin(), error.end());
      }
      if (complete || reply->awaiting_client_data ||
          out.size() >= kFlushBytes || !link.channel.HasPacket()) {
        if (!out.empty()) {
          relayed_any = true;
          if (!(co_await client_channel_.Write(View(out))).ok()) {
            co_return Relayed::kClientGone;  // the client left mid-result
          }
        }
        out.clear();
      }
      if (reply->awaiting_client_data) {
        if (!co_await RelayClientData(link)) co_return Relayed::kClientGone;
      }
      if (complete) co_return Relayed::kOk;
    }
  }

  // What the server waits for mid-reply (the proxy offers no LOCAL INFILE,
  // so only an authentication answer): passed on as it comes.
  asio::awaitable<bool> RelayClientData(BackendLink& link) {
    auto data = co_await client_channel_.Next();
    if (!data.ok()) co_return false;
    if (!(co_await link.channel.Write(View(
              mysql::EncodePackets(View(data->payload), data->first_sequence_id)
                  .bytes)))
             .ok()) {
      co_return false;
    }
    co_return link.tracker.ClientDataSent().ok();
  }

  // COM_CHANGE_USER: only to the certificate's own account; the proxy
  // re-issues it to the primary with that account and no password. A
  // replica connection is closed: the next read opens one for the new
  // session state.
  asio::awaitable<bool> ChangeUser(const mysql::LogicalPacket& command) {
    const uint8_t reply_seq = command.last_sequence_id + 1;
    auto change = mysql::ParseChangeUser(View(command.payload), capabilities_);
    if (!change.ok()) {
      co_await SendClientError(1043, "08S01", "Bad handshake", reply_seq);
      co_return true;
    }
    if (masking_->active() && change->charset &&
        !IsSafeCharset(*change->charset)) {
      LogRefusal("COM_CHANGE_USER refused: unsafe character set",
                 std::to_string(*change->charset));
      co_await SendClientError(1045, "28000", kUnsafeCharsetMessage, reply_seq);
      co_return true;
    }
    if (change->username != account_->user) {
      LogRefusal("COM_CHANGE_USER refused", "user_mismatch");
      co_await SendClientError(1045, "28000",
                               "Access denied for user '" + change->username +
                                   "'@'" + identity_.host +
                                   "': the client certificate is for user '" +
                                   account_->user + "'",
                               reply_seq);
      co_return true;
    }
    change->auth_response.clear();
    change->auth_plugin_name = kNativePassword;
    auto payload = mysql::EncodeChangeUser(*change, capabilities_);
    if (!payload.ok()) {
      co_await SendClientError(1043, "08S01", "Bad handshake", reply_seq);
      co_return true;
    }
    replica_.reset();
    session_history_.clear();
    history_overflow_ = false;
    temporary_tables_ = false;
    login_.database = change->database;
    if (change->charset)
      login_.charset = static_cast<uint8_t>(*change->charset);
    if (!(co_await primary_->channel.Write(
              View(mysql::EncodePackets(View(*payload), 0).bytes)))
             .ok()) {
      co_return co_await BackendLost(reply_seq);
    }
    primary_->stream.SetDeadline(kLoginTimeout);
    if (!(co_await FinishBackendAuth(*primary_, reply_seq, true)).ok()) {
      co_return false;
    }
    // The rules are decided again for the (same) account: a new session.
    masking_->OnIdentity(identity_);
    co_return true;
  }

  asio::awaitable<bool> BackendLost(uint8_t sequence_id) {
    Log(LogLevel::kWarning, "proxy: lost the database server mid-command",
        {{"remote", remote_}, {"account", identity_.user}});
    co_await SendClientError(
        kConnectionKilled, "08S01",
        "Lost connection to the database server during the query (proxy)",
        pending_error_seq_ ? *pending_error_seq_ : sequence_id);
    co_return false;
  }

  const ProxyShared& shared_;
  const ProxyConfig& config_;
  asio::any_io_executor executor_;
  net::StartTlsStream client_;
  PacketChannel client_channel_;
  std::unique_ptr<BackendLink> primary_;
  std::unique_ptr<BackendLink> replica_;  // for reads; opened on demand
  std::string remote_;
  SessionIdentity identity_;
  const Account* account_ = nullptr;
  uint64_t capabilities_ = 0;
  // What a replica connection logs in with (database, charset, ...).
  mysql::HandshakeResponse login_;
  std::unique_ptr<MaskingFilter> masking_;
  bool idle_ = false;
  // The primary's last status flags: in a transaction, autocommit.
  uint16_t status_ = mysql::kServerStatusAutocommit;
  std::vector<Bytes> session_history_;
  bool history_overflow_ = false;
  bool temporary_tables_ = false;
  // A command went to the primary since the last causal wait.
  bool wrote_ = false;
  // The sequence id an error takes after part of a reply was relayed.
  std::optional<uint8_t> pending_error_seq_;
  // The last relayed reply held an ERR (a session command that failed is
  // not replayed).
  bool last_reply_error_ = false;
};

}  // namespace

std::shared_ptr<net::ServedConnection> MakeClientSession(
    const ProxyShared& shared, tcp::socket socket) {
  return std::make_shared<Session>(shared, std::move(socket));
}

}  // namespace coffer::proxy

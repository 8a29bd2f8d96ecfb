// The Asio and Beast half of the server: accepting, TLS, HTTP framing and
// deadlines. What happens to a parsed request is in dispatch.h; the live
// connections are tracked by connection_manager.h. This is the only
// translation unit of the server that includes Beast (it compiles slowly).
#include "net/http_server.h"

#include <openssl/crypto.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>

#include "common/log.h"
#include "net/asio_support.h"
#include "net/connection_manager.h"
#include "net/dispatch.h"
#include "net/server_metrics.h"
#include "net/tcp_server.h"

namespace coffer::net {
namespace {

// The Asio and Beast aliases and helpers of asio_support.h.
using namespace internal;

// Bounded waits the configuration does not expose.
constexpr std::chrono::seconds kTlsShutdownTimeout{1};
constexpr size_t kReadChunk = 16 * 1024;

// After an error response to a request whose rest is unread, the server
// keeps reading (and discarding) for a while before it closes: a client
// still sending its body then gets to read the error instead of a reset.
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
constexpr std::chrono::seconds kMaxLingerTime{2};

// The server whose handler thread this is, so Wait() can refuse to join
// itself (TcpServer knows its own I/O threads).
thread_local const void* t_current_server = nullptr;

auto Redirect(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

bool IsHttpParseError(const error_code& ec) {
  return ec.category() ==
             http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Header names and values a handler may set: no way to smuggle a line, and
// nothing that would contradict the framing the server sets.
bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty() || beast::iequals(name, "content-length") ||
      beast::iequals(name, "transfer-encoding") ||
      beast::iequals(name, "connection")) {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Everything connections share; owned by HttpServer::Impl.
struct ServerShared {
  ServerShared(ServerConfig config_in, std::shared_ptr<const TlsContext> tls_in,
               Router router_in)
      : config(std::move(config_in)),
        tls(std::move(tls_in)),
        ssl_context(NewSslCtxReference(*tls)),
        router(std::move(router_in)),
        metrics(config.metrics) {}

  const ServerConfig config;
  const std::shared_ptr<const TlsContext> tls;
  asio::ssl::context ssl_context;
  const Router router;
  ServerMetrics metrics;
  // Set once the TcpServer runs, before the first connection.
  ConnectionManager* connections = nullptr;
  // Null when handlers run on the I/O threads.
  std::unique_ptr<asio::thread_pool> handler_pool;
  const void* server_id = nullptr;
};

// Runs on a handler thread (see DispatchOnPool).
asio::awaitable<DispatchResult> DispatchCoroutine(const ServerShared* shared,
                                                  Request* request) {
  const void* previous = t_current_server;
  t_current_server = shared->server_id;
  DispatchResult result = Dispatch(shared->router, *request);
  t_current_server = previous;
  co_return result;
}

// One TLS connection: handshake, then requests until the peer closes, a
// deadline passes, an error makes the stream unusable, or the server
// drains. Its coroutine runs on the connection's executor (a strand, or the I/O
// context with one I/O thread); Close* post there.
class Connection final : public ServedConnection,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerShared& shared, tcp::socket socket)
      : shared_(shared),
        executor_(socket.get_executor()),
        remote_(RemoteText(socket)),
        stream_(beast::tcp_stream(std::move(socket)), shared.ssl_context) {}

  asio::any_io_executor executor() const override { return executor_; }

  // TcpServer holds `this` alive until it returns, and catches exceptions.
  asio::awaitable<void> Serve() override {
    shared_.metrics.ConnectionOpened();
    struct Closer {
      Connection* connection;
      ~Closer() {
        connection->CloseNow();
        connection->shared_.metrics.ConnectionClosed();
      }
    } closer{this};
    co_await ServeRequests();
  }

  void CloseIfIdle() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (self->idle_) self->CloseNow();
    });
  }

  void Close() override {
    asio::post(executor_, [self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  static std::string RemoteText(const tcp::socket& socket) {
    error_code ec;
    const tcp::endpoint endpoint = socket.remote_endpoint(ec);
    return ec ? "unknown" : EndpointText(endpoint);
  }

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void CloseNow() {
    closed_ = true;
    tcp().close();
  }

  asio::awaitable<void> ServeRequests() {
    if (!co_await Handshake()) co_return;
    while (co_await WaitForRequest()) {
      if (!co_await ServeOneRequest()) break;
    }
    if (!closed_) {
      // close_notify, bounded: a peer that never answers is not waited for.
      error_code ec;
      tcp().expires_after(kTlsShutdownTimeout);
      co_await stream_.async_shutdown(Redirect(ec));
    }
  }

  asio::awaitable<bool> Handshake() {
    error_code ec;
    tcp().expires_after(shared_.config.handshake_timeout);
    co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                     Redirect(ec));
    if (ec) {
      if (ec == beast::error::timeout) shared_.metrics.Timeout("handshake");
      shared_.metrics.HandshakeFailed();
      Log(LogLevel::kDebug, "TLS handshake failed",
          {{"remote", remote_}, {"error", ec.message()}});
      co_return false;
    }
    shared_.metrics.ConnectionEstablished();
    peer_ = PeerIdentityOf(stream_.native_handle());
    co_return true;
  }

  // Waits, with the idle deadline, for the first bytes of the next request.
  // False when the connection should end quietly: the peer closed it, it
  // stayed idle too long, or the server drains.
  asio::awaitable<bool> WaitForRequest() {
    if (closed_ || shared_.connections->draining()) co_return false;
    if (buffer_.size() == 0) {
      error_code ec;
      idle_ = true;
      tcp().expires_after(shared_.config.idle_timeout);
      const size_t n = co_await stream_.async_read_some(
          buffer_.prepare(kReadChunk), Redirect(ec));
      idle_ = false;
      buffer_.commit(n);
      if (ec) co_return false;
    }
    request_started_ = Clock::now();
    co_return true;
  }

  // Reads, handles and answers one request. Returns whether the connection
  // may carry another.
  asio::awaitable<bool> ServeOneRequest() {
    http::request_parser<http::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(shared_.config.max_header_bytes));
    parser.body_limit(shared_.config.max_body_bytes);
    error_code ec;
    tcp().expires_after(shared_.config.request_timeout);
    co_await http::async_read_header(stream_, buffer_, parser, Redirect(ec));
    if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on(http::status::continue_,
                                               parser.get().version());
        co_await http::async_write(stream_, go_on, Redirect(ec));
      }
      if (!ec)
        co_await http::async_read(stream_, buffer_, parser, Redirect(ec));
    }
    if (ec) co_return co_await RefuseRequest(ec, parser);

    http::request<http::string_body>& raw = parser.get();
    const bool keep_alive = raw.keep_alive();
    const unsigned version = raw.version();
    Request request = ToRequest(raw);
    request.peer = peer_;
    request.remote_address = remote_;
    DispatchResult result;
    if (!request.target.starts_with('/')) {
      result = {ErrorResponse(400, "bad_request",
                              "the request target must be a path"),
                "invalid"};
    } else if (shared_.handler_pool != nullptr) {
      result = co_await asio::co_spawn(shared_.handler_pool->get_executor(),
                                       DispatchCoroutine(&shared_, &request),
                                       asio::use_awaitable);
    } else {
      result = Dispatch(shared_.router, request);
    }
    // Decided after the handler: a drain that began meanwhile ends the
    // connection after this response.
    const bool again = keep_alive && !shared_.connections->draining();
    const int status = result.response.status;
    const bool written =
        co_await WriteResponse(std::move(result.response), version, again);
    Finish(request.method, request.path, result.route, status);
    co_return written&& again;
  }

  // A request that could not be read: answer what deserves an answer, then
  // end the connection (its byte stream is no longer in step).
  asio::awaitable<bool> RefuseRequest(
      const error_code& ec,
      const http::request_parser<http::string_body>& parser) {
    Response response;
    if (ec == http::error::body_limit) {
      response = ErrorResponse(
          413, "payload_too_large",
          "the request body exceeds " +
              std::to_string(shared_.config.max_body_bytes) + " bytes");
    } else if (ec == http::error::header_limit) {
      response = ErrorResponse(
          431, "request_header_fields_too_large",
          "the request head exceeds " +
              std::to_string(shared_.config.max_header_bytes) + " bytes");
    } else if (IsHttpParseError(ec)) {
      response = ErrorResponse(400, "bad_request",
                               "malformed HTTP request: " + ec.message());
    } else {
      if (ec == beast::error::timeout) {
        shared_.metrics.Timeout("request");
        Log(LogLevel::kInfo, "slow client disconnected",
            {{"remote", remote_},
             {"identity", peer_.spki_sha256_hex.substr(0, 16)}});
      }
      co_return false;
    }
    const int status = response.status;
    if (co_await WriteResponse(std::move(response), 11, false)) {
      co_await Linger();
    }
    // The method and path, if the head got that far, for the access log.
    std::string method;
    std::string path;
    if (parser.is_header_done()) {
      method = std::string(parser.get().method_string());
      path = std::string(
          parser.get().target().substr(0, parser.get().target().find('?')));
    }
    Finish(method, path, "invalid", status);
    co_return false;
  }

  asio::awaitable<void> Linger() {
    error_code ec;
    size_t discarded = 0;
    tcp().expires_after(std::min<Clock::duration>(
        kMaxLingerTime, shared_.config.request_timeout));
    buffer_.clear();
    while (!ec && discarded < kMaxLingerBytes) {
      discarded += co_await stream_.async_read_some(buffer_.prepare(kReadChunk),
                                                    Redirect(ec));
    }
    buffer_.clear();
    CloseNow();
  }

  static Request ToRequest(http::request<http::string_body>& raw) {
    Request request;
    request.method = std::string(raw.method_string());
    request.target = std::string(raw.target());
    const size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) {
      request.query = request.target.substr(question + 1);
    }
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (char& c : name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.content_type = std::string(raw[http::field::content_type]);
    request.body = std::move(raw.body());
    return request;
  }

  asio::awaitable<bool> WriteResponse(Response response, unsigned version,
                                      bool keep_alive) {
    if (response.status < 200 || response.status > 599) {
      Log(LogLevel::kError, "handler returned an invalid HTTP status",
          {{"status", response.status}});
      response = ErrorResponse(500, "internal", "internal error");
    }
    http::response<http::string_body> raw(
        static_cast<http::status>(response.status), version);
    if (!response.content_type.empty()) {
      raw.set(http::field::content_type, response.content_type);
    }
    bool cache_control = false;
    for (const auto& [name, value] : response.headers) {
      if (!IsSafeHeader(name, value)) {
        Log(LogLevel::kError, "handler set an invalid header; dropped",
            {{"header", name}});
        continue;
      }
      cache_control = cache_control || beast::iequals(name, "cache-control");
      raw.insert(name, value);
    }
    // API answers may carry secrets; no cache along the way may keep them.
    if (!cache_control) raw.set(http::field::cache_control, "no-store");
    raw.body() = std::move(response.body);
    raw.keep_alive(keep_alive);
    raw.prepare_payload();
    error_code ec;
    tcp().expires_after(shared_.config.write_timeout);
    co_await http::async_write(stream_, raw, Redirect(ec));
    // API answers may carry secrets (a service's configuration): wiped
    // before the buffer is freed.
    OPENSSL_cleanse(raw.body().data(), raw.body().size());
    if (ec == beast::error::timeout) shared_.metrics.Timeout("write");
    co_return !ec;
  }

  void Finish(std::string_view method, std::string_view path,
              std::string_view route, int status) {
    const auto latency = Clock::now() - request_started_;
    LogAccess({.method = method,
               .path = path,
               .route = route,
               .status = status,
               .latency = latency,
               .identity = peer_.spki_sha256_hex,
               .remote_address = remote_});
    shared_.metrics.RequestDone(method, route, status,
                                std::chrono::duration<double>(latency).count());
  }

  ServerShared& shared_;
  const asio::any_io_executor executor_;
  const std::string remote_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  PeerIdentity peer_;
  Clock::time_point request_started_;
  // Only touched on the connection's executor.
  bool idle_ = false;
  bool closed_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerConfig config, std::shared_ptr<const TlsContext> tls,
       Router router)
      : shared_(std::move(config), std::move(tls), std::move(router)) {
    shared_.server_id = this;
  }

  ~Impl() { Stop(); }

  Status Start() {
    const ServerConfig& config = shared_.config;
    if (config.handler_threads > 0) {
      shared_.handler_pool = std::make_unique<asio::thread_pool>(
          static_cast<size_t>(config.handler_threads));
    }
    TcpServerConfig tcp_config{.host = config.host,
                               .port = config.port,
                               .io_threads = config.io_threads,
                               .max_connections = config.max_connections,
                               .drain_timeout = config.drain_timeout,
                               .name = "https server"};
    auto factory = [this](tcp::socket socket) {
      return std::make_shared<Connection>(shared_, std::move(socket));
    };
    auto over_limit = [this] { shared_.metrics.OverLimit(); };
    COFFER_ASSIGN_OR_RETURN(
        tcp_, TcpServer::Start(std::move(tcp_config), std::move(factory),
                               std::move(over_limit)));
    shared_.connections = &tcp_->connections();
    return OkStatus();
  }

  uint16_t port() const { return tcp_->port(); }
  std::string address() const { return tcp_->address(); }
  void RequestStop() {
    if (tcp_ != nullptr) tcp_->RequestStop();
  }

  void Wait() {
    if (tcp_ == nullptr) return;
    if (t_current_server == this || tcp_->OnOwnThread()) {
      RequestStop();
      return;
    }
    tcp_->Wait();
    if (shared_.handler_pool != nullptr) shared_.handler_pool->join();
  }

  void Stop() {
    RequestStop();
    Wait();
  }

 private:
  ServerShared shared_;
  // Declared after shared_: its connections use it until they end.
  std::unique_ptr<TcpServer> tcp_;
};

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    ServerConfig config, std::shared_ptr<const TlsContext> tls, Router router) {
  if (tls == nullptr || !tls->is_server()) {
    return InvalidArgumentError("server: a server TLS context is required");
  }
  if (config.io_threads < 1 || config.handler_threads < 0) {
    return InvalidArgumentError(
        "server: io_threads must be at least 1 and handler_threads at least "
        "0");
  }
  if (config.max_body_bytes == 0 || config.max_header_bytes == 0 ||
      config.max_header_bytes > UINT32_MAX || config.max_connections == 0) {
    return InvalidArgumentError(
        "server: size and connection limits must be "
        "positive");
  }
  auto impl = std::make_unique<Impl>(std::move(config), std::move(tls),
                                     std::move(router));
  COFFER_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }
uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::address() const { return impl_->address(); }
void HttpServer::RequestStop() { impl_->RequestStop(); }
void HttpServer::Wait() { impl_->Wait(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace coffer::net

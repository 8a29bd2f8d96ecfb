// The Asio and Beast half of the server: accepting, TLS, HTTP framing and
// deadlines. What happens to a parsed request is in dispatch.h; the live
// connections are tracked by connection_manager.h. This is the only
// translation unit of the server that includes Beast (it compiles slowly).
#include "net/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "net/asio_support.h"
#include "net/connection_manager.h"
#include "net/dispatch.h"
#include "net/server_metrics.h"

namespace coffer::net {
namespace {

// The Asio and Beast aliases and helpers of asio_support.h.
using namespace internal;

// Bounded waits the configuration does not expose.
constexpr std::chrono::seconds kTlsShutdownTimeout{1};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr size_t kReadChunk = 16 * 1024;

// After an error response to a request whose rest is unread, the server
// keeps reading (and discarding) for a while before it closes: a client
// still sending its body then gets to read the error instead of a reset.
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
constexpr std::chrono::seconds kMaxLingerTime{2};

// The server whose thread this is, so Wait() can refuse to join itself.
thread_local const void* t_current_server = nullptr;

auto Redirect(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string host =
      endpoint.address().is_v6() ? "[" + address + "]" : address;
  return host + ":" + std::to_string(endpoint.port());
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
        metrics(config.metrics),
        connections(config.max_connections) {}

  const ServerConfig config;
  const std::shared_ptr<const TlsContext> tls;
  asio::ssl::context ssl_context;
  const Router router;
  ServerMetrics metrics;
  ConnectionManager connections;
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
// drains. Its coroutine runs on the connection's strand; Close* post there.
class Connection final : public ManagedConnection,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerShared& shared, tcp::socket socket)
      : shared_(shared),
        executor_(socket.get_executor()),
        remote_(RemoteText(socket)),
        stream_(beast::tcp_stream(std::move(socket)), shared.ssl_context) {}

  const asio::any_io_executor& executor() const { return executor_; }

  // The coroutine's frame owns `self`, which keeps the connection alive
  // for as long as it runs.
  static asio::awaitable<void> Run(std::shared_ptr<Connection> self) {
    self->shared_.metrics.ConnectionOpened();
    try {
      co_await self->Serve();
    } catch (const std::exception& e) {
      Log(LogLevel::kWarning, "connection ended by an unexpected exception",
          {{"remote", self->remote_}, {"error", e.what()}});
    } catch (...) {
      Log(LogLevel::kWarning, "connection ended by an unexpected exception",
          {{"remote", self->remote_}});
    }
    self->CloseNow();
    self->shared_.metrics.ConnectionClosed();
    self->shared_.connections.Remove(self.get());
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

  asio::awaitable<void> Serve() {
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
    if (closed_ || shared_.connections.draining()) co_return false;
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
    const bool again = keep_alive && !shared_.connections.draining();
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
  // Only touched on the strand.
  bool idle_ = false;
  bool closed_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerConfig config, std::shared_ptr<const TlsContext> tls,
       Router router)
      : work_(asio::make_work_guard(io_)),
        acceptor_(asio::make_strand(io_)),
        shared_(std::move(config), std::move(tls), std::move(router)) {
    shared_.server_id = this;
  }

  ~Impl() { Stop(); }

  Status Listen() {
    const ServerConfig& config = shared_.config;
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(config.host, ec);
    if (ec) {
      return InvalidArgumentError("server: \"" + config.host +
                                  "\" is not an IP address");
    }
    const tcp::endpoint endpoint(address, config.port);
    const std::string where = EndpointText(endpoint);
    if (acceptor_.open(endpoint.protocol(), ec); !ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) bound_ = acceptor_.local_endpoint(ec);
    if (ec) {
      return UnavailableError("cannot listen on " + where + ": " +
                              ErrorText(ec));
    }
    return OkStatus();
  }

  void StartThreads() {
    if (shared_.config.handler_threads > 0) {
      shared_.handler_pool = std::make_unique<asio::thread_pool>(
          static_cast<size_t>(shared_.config.handler_threads));
    }
    asio::co_spawn(acceptor_.get_executor(), AcceptLoop(),
                   [](const std::exception_ptr& error) {
                     if (error) {
                       Log(LogLevel::kError, "accept loop ended by exception");
                     }
                   });
    for (int i = 0; i < shared_.config.io_threads; ++i) {
      threads_.emplace_back([this] { RunIoThread(); });
    }
    started_ = true;
    Log(LogLevel::kInfo, "https server listening",
        {{"address", address()},
         {"io_threads", shared_.config.io_threads},
         {"handler_threads", shared_.config.handler_threads}});
  }

  uint16_t port() const { return bound_.port(); }
  std::string address() const { return EndpointText(bound_); }

  void RequestStop() {
    {
      std::lock_guard lock(mutex_);
      if (stop_requested_) return;
      stop_requested_ = true;
      drain_deadline_ = Clock::now() + shared_.config.drain_timeout;
    }
    asio::post(acceptor_.get_executor(), [this] {
      error_code ignored;
      acceptor_.close(ignored);
    });
    shared_.connections.BeginDrain();
    stop_requested_changed_.notify_all();
  }

  void Wait() {
    if (t_current_server == this) {
      RequestStop();
      return;
    }
    std::unique_lock wait_lock(wait_mutex_);
    Clock::time_point deadline;
    {
      std::unique_lock lock(mutex_);
      stop_requested_changed_.wait(lock, [this] { return stop_requested_; });
      if (stopped_) return;
      deadline = drain_deadline_;
    }
    if (!shared_.connections.WaitUntilEmpty(deadline)) {
      Log(LogLevel::kWarning, "drain deadline passed; closing connections",
          {{"open", static_cast<uint64_t>(shared_.connections.size())}});
      shared_.connections.CloseAll();
      shared_.connections.WaitUntilEmpty();
    }
    // Nothing is left but the accept loop, which ends with the acceptor;
    // without the work guard the I/O threads return once it has.
    work_.reset();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    if (shared_.handler_pool != nullptr) shared_.handler_pool->join();
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (started_) {
      Log(LogLevel::kInfo, "https server stopped", {{"address", address()}});
    }
  }

  void Stop() {
    RequestStop();
    Wait();
  }

 private:
  void RunIoThread() {
    t_current_server = this;
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        // Coroutines catch their own exceptions; this is a last resort that
        // keeps the thread serving.
        Log(LogLevel::kError, "exception escaped an I/O handler",
            {{"error", e.what()}});
      }
    }
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          asio::any_io_executor(asio::make_strand(io_)), Redirect(ec));
      if (ec) {
        if (!acceptor_.is_open() || ec == asio::error::operation_aborted) {
          co_return;
        }
        // Out of descriptors, most likely: wait instead of spinning.
        Log(LogLevel::kWarning, "accept failed", {{"error", ec.message()}});
        asio::steady_timer timer(acceptor_.get_executor(), kAcceptRetryDelay);
        co_await timer.async_wait(Redirect(ec));
        continue;
      }
      // Responses are small writes; without this each can wait for the
      // client's delayed ACK.
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto connection =
          std::make_shared<Connection>(shared_, std::move(socket));
      if (!shared_.connections.Add(connection.get())) {
        shared_.metrics.OverLimit();
        Log(LogLevel::kDebug, "connection refused: limit reached");
        continue;  // `connection` closes its socket
      }
      const asio::any_io_executor executor = connection->executor();
      asio::co_spawn(executor, Connection::Run(std::move(connection)),
                     [](const std::exception_ptr& error) {
                       if (error) {
                         Log(LogLevel::kError, "connection ended by exception");
                       }
                     });
    }
  }

  // Declared first, destroyed last: every I/O object below belongs to it.
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  ServerShared shared_;
  tcp::endpoint bound_;
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::condition_variable stop_requested_changed_;
  bool stop_requested_ = false;
  bool stopped_ = false;
  bool started_ = false;  // written before any thread could read it
  Clock::time_point drain_deadline_;
  // Serializes concurrent Wait() calls.
  std::mutex wait_mutex_;
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
  COFFER_RETURN_IF_ERROR(impl->Listen());
  impl->StartThreads();
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

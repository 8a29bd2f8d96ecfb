// The client runs Beast's asynchronous operations on its own io_context and
// blocks until each completes: only the asynchronous operations of
// beast::tcp_stream honour deadlines.
#include "net/http_client.h"

#include <poll.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "net/asio_support.h"

namespace coffer::net {
namespace {

// The Asio and Beast aliases and helpers of asio_support.h.
using namespace internal;
using Stream = beast::ssl_stream<beast::tcp_stream>;

std::string Milliseconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

bool IsSslReason(const error_code& ec, int reason) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == reason;
}

// The server ended the connection without answering: what a reused
// keep-alive connection looks like when the server has closed it meanwhile.
bool IsConnectionLost(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status CheckRequestLine(std::string_view method, std::string_view target,
                        std::string_view content_type) {
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), IsTokenChar)) {
    return InvalidArgumentError("bad HTTP method \"" + std::string(method) +
                                "\"");
  }
  const auto is_control = [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  };
  if (!target.starts_with('/') ||
      std::any_of(target.begin(), target.end(), is_control)) {
    return InvalidArgumentError("bad request target \"" + std::string(target) +
                                "\": it must be a path without spaces");
  }
  if (std::any_of(content_type.begin(), content_type.end(),
                  [](char c) { return c == '\r' || c == '\n' || c == 0; })) {
    return InvalidArgumentError("bad content type");
  }
  return OkStatus();
}

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" ||
         method == "DELETE" || method == "OPTIONS";
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(std::string host, uint16_t port, std::shared_ptr<const TlsContext> tls,
       ClientOptions options)
      : host_(std::move(host)),
        port_(port),
        tls_(std::move(tls)),
        options_(options),
        ssl_context_(NewSslCtxReference(*tls_)) {}

  ~Impl() { Disconnect(); }

  std::string address() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  }

  const PeerIdentity& server() const { return server_; }

  Status Connect() {
    Disconnect();
    const Clock::time_point deadline = Clock::now() + options_.connect_timeout;
    COFFER_ASSIGN_OR_RETURN(tcp::resolver::results_type endpoints, Resolve());
    stream_ = std::make_unique<Stream>(io_, ssl_context_);
    tcp().expires_at(deadline);
    error_code ec = RunOperation([&](auto handler) {
      tcp().async_connect(endpoints, std::move(handler));
    });
    if (ec) {
      Disconnect();
      if (ec == beast::error::timeout) {
        return Status(StatusCode::kDeadlineExceeded,
                      "cannot connect to " + address() + ": no answer within " +
                          Milliseconds(options_.connect_timeout));
      }
      return UnavailableError("cannot connect to " + address() + ": " +
                              ErrorText(ec));
    }
    // Requests are small writes that follow the handshake at once; with
    // Nagle's algorithm each waits for the server's delayed ACK (40 ms).
    error_code ignored;
    tcp().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    error_code not_ip;
    asio::ip::make_address(host_, not_ip);
    if (not_ip) {
      // SNI. SSL_set_tlsext_host_name is a macro with an old-style cast.
      SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
               TLSEXT_NAMETYPE_host_name, const_cast<char*>(host_.c_str()));
    }
    tcp().expires_at(deadline);
    ec = RunOperation([&](auto handler) {
      stream_->async_handshake(asio::ssl::stream_base::client,
                               std::move(handler));
    });
    if (ec) {
      Status status = HandshakeError(ec);
      Disconnect();
      return status;
    }
    PeerIdentity peer = PeerIdentityOf(stream_->native_handle());
    if (server_.empty()) {
      server_ = std::move(peer);
    } else if (peer.certificate_der != server_.certificate_der) {
      // Matters for kAnyCertificateForAttestation: the caller verified the
      // first certificate, so a reconnect must find the same one.
      Disconnect();
      return UnauthenticatedError(
          "TLS handshake with " + address() +
          " failed: the server's certificate changed since the first "
          "connection");
    }
    requests_on_connection_ = 0;
    return OkStatus();
  }

  StatusOr<Response> Request(std::string_view method, std::string_view target,
                             std::string_view body,
                             std::string_view content_type) {
    COFFER_RETURN_IF_ERROR(CheckRequestLine(method, target, content_type));
    for (int attempt = 0;; ++attempt) {
      if (stream_ != nullptr && requests_on_connection_ > 0 &&
          ServerClosedConnection()) {
        Disconnect();
      }
      if (stream_ == nullptr) COFFER_RETURN_IF_ERROR(Connect());
      const bool reused = requests_on_connection_ > 0;
      bool lost = false;
      StatusOr<Response> response =
          SendOnce(method, target, body, content_type, &lost);
      if (response.ok() || attempt > 0 || !reused || !lost ||
          !IsIdempotent(method)) {
        return response;
      }
    }
  }

  void Disconnect() {
    if (stream_ == nullptr) return;
    tcp().close();
    stream_.reset();
    buffer_.clear();
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(*stream_); }

  // Between requests the server has nothing to say, so a readable socket
  // means it has closed the connection (FIN or close_notify, e.g. after its
  // idle timeout). Checking first lets a POST go out on a fresh connection
  // instead of failing on a dead one.
  bool ServerClosedConnection() {
    pollfd descriptor{};
    descriptor.fd = tcp().socket().native_handle();
    descriptor.events = POLLIN;
    return ::poll(&descriptor, 1, 0) != 0;
  }

  // Starts an asynchronous operation and runs the io_context until it has
  // completed. Deadlines come from the stream's expiry.
  template <typename Start>
  error_code RunOperation(const Start& start) {
    std::optional<error_code> result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    io_.restart();
    while (!result.has_value() && io_.run_one() > 0) {
    }
    return result.value_or(asio::error::operation_aborted);
  }

  StatusOr<tcp::resolver::results_type> Resolve() {
    tcp::resolver resolver(io_);
    error_code ec;
    // An IP address resolves without a lookup; names use getaddrinfo, which
    // has its own timeouts (resolv.conf).
    auto results = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec) {
      return UnavailableError("cannot resolve " + host_ + ": " + ErrorText(ec));
    }
    return results;
  }

  Status HandshakeError(const error_code& ec) const {
    const std::string prefix = "TLS handshake with " + address() + " failed: ";
    if (std::string why =
            tls_->ExplainVerificationFailure(stream_->native_handle());
        !why.empty()) {
      return UnauthenticatedError(prefix + why);
    }
    if (ec == beast::error::timeout) {
      return Status(StatusCode::kDeadlineExceeded,
                    prefix + "no answer within " +
                        Milliseconds(options_.connect_timeout));
    }
    if (IsSslReason(ec, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)) {
      return UnauthenticatedError(prefix +
                                  "the server requires a client certificate");
    }
    return UnavailableError(prefix + ErrorText(ec));
  }

  StatusOr<Response> SendOnce(std::string_view method, std::string_view target,
                              std::string_view body,
                              std::string_view content_type, bool* lost) {
    http::request<http::string_body> request;
    if (const http::verb verb = http::string_to_verb(method);
        verb != http::verb::unknown) {
      request.method(verb);
    } else {
      request.method_string(method);
    }
    request.target(target);
    request.version(11);
    request.set(http::field::host, address());
    request.set(http::field::user_agent, "coffer");
    if (!body.empty()) {
      request.set(http::field::content_type, content_type);
      request.body() = std::string(body);
    }
    request.keep_alive(true);
    request.prepare_payload();

    const Clock::time_point deadline = Clock::now() + options_.request_timeout;
    tcp().expires_at(deadline);
    error_code ec = RunOperation([&](auto handler) {
      http::async_write(*stream_, request, std::move(handler));
    });
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    if (method == "HEAD") parser.skip(true);
    // The head first: Beast 1.74 checks a response's Content-Length
    // against body_limit only when the head is read on its own (an eager
    // read of the whole message loses the error).
    tcp().expires_at(deadline);
    if (!ec) {
      ec = RunOperation([&](auto handler) {
        http::async_read_header(*stream_, buffer_, parser, std::move(handler));
      });
    }
    if (!ec && !parser.is_done()) {
      ec = RunOperation([&](auto handler) {
        http::async_read(*stream_, buffer_, parser, std::move(handler));
      });
    }
    if (ec) {
      *lost = IsConnectionLost(ec) && !parser.got_some();
      Disconnect();
      return RequestError(ec, method, target);
    }
    ++requests_on_connection_;
    http::response<http::string_body>& raw = parser.get();
    Response response;
    response.status = static_cast<int>(raw.result_int());
    response.content_type = std::string(raw[http::field::content_type]);
    for (const auto& field : raw) {
      response.headers.emplace_back(std::string(field.name_string()),
                                    std::string(field.value()));
    }
    response.body = std::move(raw.body());
    if (!raw.keep_alive()) Disconnect();
    return response;
  }

  Status RequestError(const error_code& ec, std::string_view method,
                      std::string_view target) const {
    const std::string what =
        std::string(method) + " " + std::string(target) + " to " + address();
    if (ec == beast::error::timeout) {
      return Status(StatusCode::kDeadlineExceeded,
                    what + ": no complete response within " +
                        Milliseconds(options_.request_timeout));
    }
    if (ec == http::error::body_limit) {
      return ResourceExhaustedError(
          what + ": the response is larger than " +
          std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (IsSslReason(ec, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)) {
      return UnauthenticatedError(
          what + " failed: the server requires a client certificate");
    }
    return UnavailableError(what + " failed: " + ErrorText(ec));
  }

  const std::string host_;
  const uint16_t port_;
  const std::shared_ptr<const TlsContext> tls_;
  const ClientOptions options_;
  // Declared before the stream, which must be destroyed first.
  asio::io_context io_;
  asio::ssl::context ssl_context_;
  std::unique_ptr<Stream> stream_;
  beast::flat_buffer buffer_;
  PeerIdentity server_;
  int requests_on_connection_ = 0;
};

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Connect(
    std::string host, uint16_t port, std::shared_ptr<const TlsContext> tls,
    ClientOptions options) {
  if (tls == nullptr || tls->is_server()) {
    return InvalidArgumentError("client: a client TLS context is required");
  }
  auto impl =
      std::make_unique<Impl>(std::move(host), port, std::move(tls), options);
  COFFER_RETURN_IF_ERROR(impl->Connect());
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

StatusOr<Response> HttpClient::Request(std::string_view method,
                                       std::string_view target,
                                       std::string_view body,
                                       std::string_view content_type) {
  return impl_->Request(method, target, body, content_type);
}

const Bytes& HttpClient::server_certificate_der() const {
  return impl_->server().certificate_der;
}

const std::string& HttpClient::server_identity() const {
  return impl_->server().spki_sha256_hex;
}

std::string HttpClient::address() const { return impl_->address(); }

}  // namespace coffer::net

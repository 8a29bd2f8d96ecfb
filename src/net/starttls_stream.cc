#include "net/starttls_stream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include "crypto/openssl_errors.h"
#include "net/asio_support.h"
#include "net/tcp_server.h"

namespace coffer::net {
namespace {

using namespace internal;

auto Redirect(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

bool IsIpAddress(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

StartTlsStream::StartTlsStream(tcp::socket socket)
    : tcp_(std::move(socket)),
      watchdog_(std::make_shared<Watchdog>(tcp_.get_executor())) {}

asio::awaitable<Status> StartTlsStream::Connect(std::string host,
                                                uint16_t port) {
  const std::string where = host + ":" + std::to_string(port);
  error_code ec;
  tcp::resolver resolver(tcp_.get_executor());
  const auto endpoints =
      co_await resolver.async_resolve(host, std::to_string(port), Redirect(ec));
  if (ec) {
    co_return UnavailableError("cannot resolve " + where + ": " +
                               ErrorText(ec));
  }
  // Neither the timer nor Close() can interrupt a name lookup: check them
  // after one (async_connect would open the closed socket again).
  if (watchdog_->fired) {
    co_return DeadlineExceededError("resolving " + where + " timed out");
  }
  if (closed_) {
    co_return UnavailableError("cannot connect to " + where +
                               ": the connection was closed");
  }
  co_await asio::async_connect(tcp_, endpoints, Redirect(ec));
  MarkTimeout(ec);
  if (ec == beast::error::timeout) {
    co_return DeadlineExceededError("connecting to " + where + " timed out");
  }
  if (ec) {
    co_return UnavailableError("cannot connect to " + where + ": " +
                               ErrorText(ec));
  }
  error_code ignored;
  tcp_.set_option(tcp::no_delay(true), ignored);
  co_return OkStatus();
}

asio::awaitable<Status> StartTlsStream::StartTlsAsServer(
    const TlsContext& tls) {
  return Handshake(tls, true, "");
}

asio::awaitable<Status> StartTlsStream::StartTlsAsClient(
    const TlsContext& tls, const std::string& host) {
  return Handshake(tls, false, host);
}

asio::awaitable<Status> StartTlsStream::Handshake(const TlsContext& tls,
                                                  bool as_server,
                                                  const std::string& host) {
  if (ssl_ != nullptr) {
    co_return FailedPreconditionError("TLS is already on");
  }
  if (tls.is_server() != as_server) {
    co_return InvalidArgumentError(as_server
                                       ? "a server TLS context is required"
                                       : "a client TLS context is required");
  }
  ssl_context_ = std::make_unique<asio::ssl::context>(NewSslCtxReference(tls));
  ssl_ = std::make_unique<SslStream>(tcp_, *ssl_context_);
  if (!as_server && !host.empty() && !IsIpAddress(host)) {
    // SNI. SSL_set_tlsext_host_name is a macro with an old-style cast.
    SSL_ctrl(ssl_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
             TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
  }
  crypto::internal::ClearOpenSslErrors();
  error_code ec;
  co_await ssl_->async_handshake(as_server ? asio::ssl::stream_base::server
                                           : asio::ssl::stream_base::client,
                                 Redirect(ec));
  MarkTimeout(ec);
  if (!ec) co_return OkStatus();
  if (ec == beast::error::timeout) {
    co_return DeadlineExceededError("TLS handshake timed out");
  }
  std::string why = ec.message();
  if (!as_server) {
    const std::string verification =
        tls.ExplainVerificationFailure(ssl_->native_handle());
    if (!verification.empty()) why = verification;
  } else if (const long result = SSL_get_verify_result(ssl_->native_handle());
             result != X509_V_OK) {
    why = std::string("the client's certificate failed verification: ") +
          X509_verify_cert_error_string(result);
  }
  co_return UnauthenticatedError("TLS handshake failed: " + why);
}

asio::awaitable<size_t> StartTlsStream::ReadSome(asio::mutable_buffer buffer,
                                                 error_code& ec) {
  const size_t n = ssl_ != nullptr
                       ? co_await ssl_->async_read_some(buffer, Redirect(ec))
                       : co_await tcp_.async_read_some(buffer, Redirect(ec));
  MarkTimeout(ec);
  co_return n;
}

asio::awaitable<void> StartTlsStream::WriteAll(asio::const_buffer buffer,
                                               error_code& ec) {
  if (ssl_ != nullptr) {
    co_await asio::async_write(*ssl_, buffer, Redirect(ec));
  } else {
    co_await asio::async_write(tcp_, buffer, Redirect(ec));
  }
  MarkTimeout(ec);
}

void StartTlsStream::SetDeadline(std::chrono::steady_clock::duration after) {
  Watchdog& watchdog = *watchdog_;
  if (watchdog.fired || closed_) return;  // the socket is closed already
  watchdog.deadline = Clock::now() + after;
  // A pending wait that ends before the new deadline re-checks it then;
  // one that ends after it must wait less.
  if (watchdog.waiting && watchdog.timer.expiry() <= watchdog.deadline) return;
  Watch(watchdog_, tcp_);
}

void StartTlsStream::ClearDeadline() {
  watchdog_->deadline = Clock::time_point::max();
}

void StartTlsStream::Watch(const std::shared_ptr<Watchdog>& watchdog,
                           tcp::socket& socket) {
  watchdog->waiting = true;
  // Cancels a pending wait, whose handler then sees operation_aborted.
  watchdog->timer.expires_at(watchdog->deadline);
  watchdog->timer.async_wait([weak = std::weak_ptr<Watchdog>(watchdog),
                              &socket](const error_code& ec) {
    // Aborted: the stream is gone, or a new wait replaced this one.
    if (ec == asio::error::operation_aborted) return;
    const std::shared_ptr<Watchdog> alive = weak.lock();
    if (alive == nullptr) return;
    alive->waiting = false;
    if (alive->deadline == Clock::time_point::max()) return;  // cleared
    if (Clock::now() < alive->deadline) {  // moved later meanwhile
      Watch(alive, socket);
      return;
    }
    alive->fired = true;
    error_code ignored;
    socket.close(ignored);  // pending operations end with operation_aborted
  });
}

void StartTlsStream::MarkTimeout(error_code& ec) const {
  if (ec && watchdog_->fired) ec = beast::error::timeout;
}

SSL* StartTlsStream::ssl() const {
  return ssl_ != nullptr ? ssl_->native_handle() : nullptr;
}

std::string StartTlsStream::RemoteText() const {
  error_code ec;
  const tcp::endpoint endpoint = tcp_.remote_endpoint(ec);
  return ec ? "unknown" : EndpointText(endpoint);
}

tcp::endpoint StartTlsStream::local_endpoint() const {
  error_code ec;
  return tcp_.local_endpoint(ec);
}

asio::any_io_executor StartTlsStream::executor() { return tcp_.get_executor(); }

void StartTlsStream::Close() {
  error_code ignored;
  tcp_.shutdown(tcp::socket::shutdown_both, ignored);
  tcp_.close(ignored);
  closed_ = true;
  // The cancelled wait's handler sees operation_aborted and returns.
  watchdog_->timer.cancel();
  watchdog_->waiting = false;
}

}  // namespace coffer::net

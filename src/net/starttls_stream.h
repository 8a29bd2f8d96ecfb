// StartTlsStream: a TCP connection that begins in plain text and may switch
// to TLS in the middle, as the MySQL protocol does (the server's greeting
// and the client's SSLRequest are plain; everything after the handshake is
// TLS). The same class serves both sides: the proxy accepts clients with
// StartTlsAsServer and opens its backend connections with Connect +
// StartTlsAsClient. Like tcp_server.h it exposes Asio, for src/net and
// src/proxy.
//
// Deadlines: SetDeadline(d) bounds every following operation until the next
// SetDeadline or ClearDeadline; an operation that passes it fails with
// beast::error::timeout and the socket is closed (as with Beast's
// tcp_stream). Unlike tcp_stream, which starts a timer for every read and
// write, setting or clearing a deadline only stores a time: one timer per
// connection wakes when the earliest deadline set could pass, and waits
// again if it moved. A relay that sets an idle deadline before each command
// and clears it after costs no timer operation per command.
//
// Errors are error_codes on reads and writes (the hot path), Status on the
// rare steps (connect, handshake) with a message fit for a log line.
//
// Thread safety: one coroutine at a time, on the socket's executor.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including it.
// clang-format off
#include <utility>
// clang-format on

#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "net/tls.h"

namespace coffer::net {

class StartTlsStream {
 public:
  using error_code = boost::system::error_code;

  // Wraps an accepted (or not yet connected) socket.
  explicit StartTlsStream(boost::asio::ip::tcp::socket socket);
  StartTlsStream(const StartTlsStream&) = delete;
  StartTlsStream& operator=(const StartTlsStream&) = delete;

  // Connects to "HOST:PORT" (an IP address or a name resolved by the
  // system). Failure: kUnavailable ("cannot connect to 127.0.0.1:3306:
  // connection refused"), kDeadlineExceeded.
  boost::asio::awaitable<Status> Connect(std::string host, uint16_t port);

  // The TLS handshake on the established connection. As a server, the
  // client's certificate is checked by `tls`'s ClientVerification; as a
  // client, the server's by `tls`'s ServerVerification with `server_name`
  // sent as SNI when it is a DNS name. Failure: kUnauthenticated with
  // OpenSSL's reason.
  boost::asio::awaitable<Status> StartTlsAsServer(const TlsContext& tls);
  boost::asio::awaitable<Status> StartTlsAsClient(const TlsContext& tls,
                                                  const std::string& host);

  // Reads at least one byte (plain or TLS, whichever is on).
  boost::asio::awaitable<size_t> ReadSome(boost::asio::mutable_buffer buffer,
                                          error_code& ec);
  // Writes all of `buffer`.
  boost::asio::awaitable<void> WriteAll(boost::asio::const_buffer buffer,
                                        error_code& ec);

  void SetDeadline(std::chrono::steady_clock::duration after);
  void ClearDeadline();

  bool tls_active() const { return ssl_ != nullptr; }
  // The TLS connection, or null before StartTls*.
  SSL* ssl() const;
  // "HOST:PORT" of the peer, or "unknown".
  std::string RemoteText() const;
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  boost::asio::any_io_executor executor();

  // Closes the socket; pending operations end with operation_aborted.
  // Idempotent. Sends no TLS close_notify (the peers of the MySQL protocol
  // end with COM_QUIT or by closing).
  void Close();

 private:
  using SslStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;
  using Clock = std::chrono::steady_clock;

  // The deadline's timer and state, shared with the timer's handler so that
  // a handler that runs after the stream is gone finds it expired.
  struct Watchdog {
    explicit Watchdog(const boost::asio::any_io_executor& executor)
        : timer(executor) {}
    boost::asio::steady_timer timer;
    Clock::time_point deadline = Clock::time_point::max();
    bool waiting = false;  // an async_wait is pending
    bool fired = false;    // a deadline passed; the socket is closed
  };
  // Waits on `watchdog`'s timer until its deadline; closes `socket` when
  // the deadline passes.
  static void Watch(const std::shared_ptr<Watchdog>& watchdog,
                    boost::asio::ip::tcp::socket& socket);
  // `ec` after an operation: a failure caused by the deadline becomes
  // beast::error::timeout.
  void MarkTimeout(error_code& ec) const;

  boost::asio::awaitable<Status> Handshake(const TlsContext& tls,
                                           bool as_server,
                                           const std::string& host);

  boost::asio::ip::tcp::socket tcp_;
  std::shared_ptr<Watchdog> watchdog_;
  bool closed_ = false;  // by Close(): no deadline, no reconnecting
  // Created by StartTls*; the asio context wraps a reference to the
  // TlsContext's SSL_CTX.
  std::unique_ptr<boost::asio::ssl::context> ssl_context_;
  std::unique_ptr<SslStream> ssl_;
};

}  // namespace coffer::net

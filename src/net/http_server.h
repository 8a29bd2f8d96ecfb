// HttpServer: HTTPS (HTTP/1.1 over TLS with client certificates) on
// Boost.Beast and Asio C++20 coroutines.
//
//   Router router;
//   COFFER_RETURN_IF_ERROR(router.Add("GET", "/healthz", Healthz));
//   COFFER_ASSIGN_OR_RETURN(auto server,
//       HttpServer::Start(config, tls_context, std::move(router)));
//   ... server->port() ...
//   server->Stop();   // or let the destructor do it
//
// Threading model:
// - `io_threads` threads run one io_context: accepting, TLS, reading and
//   writing. Each connection is a coroutine on its own strand, so its
//   steps never run concurrently, while different connections use all
//   I/O threads.
// - Handlers run on a separate pool of `handler_threads` threads, so that
//   CPU work (quote verification) and blocking I/O (SQLite) in a handler
//   never delay handshakes or other connections' reads. Handlers may block
//   and must be thread-safe. With handler_threads = 0 they run on the I/O
//   thread instead: only for handlers that never block.
//
// Limits (ServerConfig): request head and body sizes (431 and 413 with a
// JSON error, then the connection closes because the rest of the request
// is unread), a TLS handshake deadline, an idle deadline between requests
// of a keep-alive connection, a deadline for reading a whole request from
// its first byte (slow clients are disconnected without a response), a
// write deadline, and a maximum number of connections (further connections
// are accepted and closed at once, so that clients fail fast instead of
// waiting in the kernel's backlog). A handler's own run time is not
// limited: synchronous code cannot be interrupted.
//
// Errors: unparsable requests get 400, and everything the router and
// handlers produce is described in dispatch.h. No exception escapes the
// server's threads; an unexpected one closes its connection and is logged.
//
// Stopping: RequestStop() closes the listening socket, closes connections
// that wait for a request, lets requests being read or handled finish (their
// responses say "Connection: close"), and after `drain_timeout` closes
// whatever is left. Wait() blocks until all of that is done and the threads
// have ended; Stop() is both. A handler that is running when the drain
// deadline passes is waited for (it cannot be interrupted), its response is
// dropped.
//
// Thread safety: port() and address() may be called from any thread.
// RequestStop() may be called from any thread, including handlers and the
// completion handler of an asio::signal_set the caller owns, e.g.
//
//   asio::signal_set signals(main_io, SIGINT, SIGTERM);
//   signals.async_wait([&](auto, int) { server->RequestStop(); });
//
// It is not async-signal-safe: do not call it from a raw signal handler.
// Wait() and Stop() block; called from one of the server's own threads
// (a handler) they only request the stop, because waiting there would wait
// for the calling thread itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/metrics.h"
#include "net/router.h"
#include "net/tls.h"

namespace coffer::net {

struct ServerConfig {
  // An IP address to listen on ("127.0.0.1", "0.0.0.0", "::"). Port 0
  // picks a free port; HttpServer::port() tells which.
  std::string host = "127.0.0.1";
  uint16_t port = 0;

  int io_threads = 1;
  int handler_threads = 2;

  size_t max_body_bytes = 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 1024;

  std::chrono::milliseconds handshake_timeout{5'000};
  // From the first byte of a request to its last.
  std::chrono::milliseconds request_timeout{10'000};
  // How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  // How long Stop() lets in-flight requests finish.
  std::chrono::milliseconds drain_timeout{10'000};

  // Where the server counts requests and connections (server_metrics.h);
  // may be null. Borrowed: must outlive the server.
  MetricsRegistry* metrics = nullptr;
};

class HttpServer {
 public:
  // Binds, listens and starts the threads. `tls` must be a server context.
  // Failure: kInvalidArgument for a bad config (host that is not an IP
  // address, zero threads or limits, a client TLS context); kUnavailable
  // when the address cannot be bound ("cannot listen on 127.0.0.1:8081:
  // address already in use").
  static StatusOr<std::unique_ptr<HttpServer>> Start(
      ServerConfig config, std::shared_ptr<const TlsContext> tls,
      Router router);

  // Stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (useful with port 0), and "HOST:PORT".
  uint16_t port() const;
  std::string address() const;

  void RequestStop();
  void Wait();
  void Stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::net

// TcpServer: the part every Coffer server shares, whatever it speaks on
// top: listening, accepting, the I/O threads, the live connections with
// their limit, and a graceful drain. HttpServer (the CAS API) and the MySQL
// proxy are built on it. Unlike http_server.h this header exposes Asio: its
// users write the connection's coroutine themselves.
//
//   TcpServer::Start(config, [&](tcp::socket socket) {
//     return std::make_shared<MyConnection>(std::move(socket));
//   });
//
// For each accepted socket the factory builds a connection (on the
// connection's own executor, socket.get_executor(): a strand, or with one
// I/O thread the I/O context itself, which runs one handler at a time
// anyway); the server
// registers it with its ConnectionManager (or drops it when the limit is
// reached or the server drains), runs its Serve() coroutine on that
// executor, and unregisters it when Serve() returns or throws.
//
// Stopping: RequestStop() closes the listener and asks every connection to
// CloseIfIdle(); Wait() gives them `drain_timeout`, then Close()s the rest,
// waits for their coroutines and joins the threads. The destructor calls
// Stop(). Wait() from one of the server's own I/O threads only requests the
// stop (it would otherwise wait for itself).
//
// Thread safety: port(), address(), RequestStop() from any thread.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including it.
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/connection_manager.h"

namespace coffer::net {

struct TcpServerConfig {
  // An IP address ("127.0.0.1", "0.0.0.0", "::"); port 0 picks a free one.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int io_threads = 1;
  size_t max_connections = 1024;
  std::chrono::milliseconds drain_timeout{10'000};
  // For log lines: "https server", "mysql proxy".
  std::string name = "server";
};

// A connection the server runs. Serve() is its whole life; the server
// holds the shared_ptr until it returns.
class ServedConnection : public ManagedConnection {
 public:
  virtual boost::asio::awaitable<void> Serve() = 0;
  // The executor Serve() runs on (the socket's).
  virtual boost::asio::any_io_executor executor() const = 0;
};

class TcpServer {
 public:
  using Factory = std::function<std::shared_ptr<ServedConnection>(
      boost::asio::ip::tcp::socket)>;
  // Called for each connection refused because of the limit (for metrics).
  using OverLimit = std::function<void()>;

  // Binds, listens and starts the threads. Failure: kInvalidArgument for a
  // host that is not an IP address or a zero thread count or limit;
  // kUnavailable when the address cannot be bound.
  static StatusOr<std::unique_ptr<TcpServer>> Start(TcpServerConfig config,
                                                    Factory factory,
                                                    OverLimit over_limit = {});

  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  uint16_t port() const;
  // "HOST:PORT" ("[::1]:PORT" for IPv6).
  std::string address() const;
  ConnectionManager& connections();

  void RequestStop();
  void Wait();
  void Stop();

  // Whether the calling thread is one of this server's I/O threads.
  bool OnOwnThread() const;

  class Impl;

 private:
  explicit TcpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "HOST:PORT" of an endpoint, with brackets around IPv6 addresses.
std::string EndpointText(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace coffer::net

// The LAS server: a Unix stream socket in front of a Service.
//
// One thread accepts; each connection is served by its own thread, so a
// slow or stuck client never blocks others. Every frame must arrive within
// `request_deadline` of when the server starts waiting for it, so an idle
// or stuck connection is closed and its thread ends. At most
// `max_connections` connections are served at once; the next one gets an
// error response ("resource_exhausted") to its first request and is closed.
//
// The socket file gets `socket_mode` (0660 by default: the LAS's user and
// group; the default location inside the 0700 data directory narrows that
// to its user). A stale socket file left by a crashed LAS is replaced;
// a live one (another LAS answers) or a non-socket file at the path is an
// error. The socket file is removed when the Server is destroyed.
//
// Thread safety: Serve runs on one thread; Shutdown may be called from any
// thread (not from a signal handler: use a thread that waits for signals,
// as the CLI does). Destroy the Server only after Serve has returned.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "las/service.h"
#include "las/unique_fd.h"

namespace coffer::las {

struct ServerOptions {
  std::string socket_path;
  mode_t socket_mode = 0660;
  std::chrono::milliseconds request_deadline{10000};
  size_t max_connections = 64;
};

class Server {
 public:
  // Binds and listens; `service` is borrowed and must outlive the Server.
  // Failure: kInvalidArgument for a path too long for a Unix socket;
  // kAlreadyExists if another LAS serves on it; kFailedPrecondition if a
  // file that is not a socket is in the way; file-system errors otherwise.
  static StatusOr<std::unique_ptr<Server>> Listen(const ServerOptions& options,
                                                  const Service& service);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Accepts and serves connections until Shutdown(); then closes every
  // connection and waits for their threads. Returns the error that stopped
  // accepting, or OK after Shutdown().
  Status Serve();

  // Makes Serve return. Idempotent; may precede Serve (which then returns
  // at once).
  void Shutdown();

  const std::string& socket_path() const { return options_.socket_path; }

 private:
  struct Connection {
    UniqueFd socket;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  Server(const ServerOptions& options, const Service& service,
         UniqueFd listener, UniqueFd wake, ino_t socket_inode);

  void Accept();
  void ServeConnection(Connection& connection) const;
  // Joins finished connections; with `all`, shuts down and joins every one.
  void Reap(bool all);

  const ServerOptions options_;
  const Service& service_;
  UniqueFd listener_;
  UniqueFd wake_;  // an eventfd that Shutdown writes to
  ino_t socket_inode_;
  // Touched only by the thread in Serve (and the destructor, after it).
  std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace coffer::las

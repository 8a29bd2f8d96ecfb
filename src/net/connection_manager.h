// ConnectionManager: the set of a server's live connections, with the
// connection limit and the drain that a graceful stop needs.
//
// The manager does not own connections: each connection registers itself
// (Add) when it starts and unregisters (Remove) before it is destroyed, so
// every pointer in the set is valid while the manager's mutex is held.
// Closing is asynchronous: the manager asks, and the connection closes on
// its own executor.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <unordered_set>

namespace coffer::net {

// A connection as the manager sees it. Both methods must be non-blocking
// and safe to call from any thread (they post to the connection's own
// executor).
class ManagedConnection {
 public:
  virtual ~ManagedConnection() = default;
  // Closes the connection if it waits for a request; a connection in the
  // middle of one finishes it first and then closes.
  virtual void CloseIfIdle() = 0;
  // Closes the connection now, whatever it is doing.
  virtual void Close() = 0;
};

class ConnectionManager {
 public:
  explicit ConnectionManager(size_t max_connections)
      : max_connections_(max_connections) {}

  // Registers `connection`. False, without registering, when the limit is
  // reached or the manager drains: the caller then closes the connection.
  bool Add(ManagedConnection* connection);
  // Unregisters `connection`; the last Remove during a drain wakes Wait*.
  void Remove(ManagedConnection* connection);

  size_t size() const;
  bool draining() const;

  // From now on Add() refuses; idle connections are asked to close.
  void BeginDrain();
  // Asks every connection to close now.
  void CloseAll();

  // Blocks until no connection is left or `deadline` passes; returns true
  // when none is left.
  bool WaitUntilEmpty(std::chrono::steady_clock::time_point deadline);
  void WaitUntilEmpty();

 private:
  const size_t max_connections_;
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::unordered_set<ManagedConnection*> connections_;
  bool draining_ = false;
};

}  // namespace coffer::net

#include "net/connection_manager.h"

namespace coffer::net {

bool ConnectionManager::Add(ManagedConnection* connection) {
  std::lock_guard lock(mutex_);
  if (draining_ || connections_.size() >= max_connections_) return false;
  connections_.insert(connection);
  return true;
}

void ConnectionManager::Remove(ManagedConnection* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
  if (connections_.empty()) empty_.notify_all();
}

size_t ConnectionManager::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool ConnectionManager::draining() const {
  std::lock_guard lock(mutex_);
  return draining_;
}

void ConnectionManager::BeginDrain() {
  std::lock_guard lock(mutex_);
  draining_ = true;
  for (ManagedConnection* connection : connections_) connection->CloseIfIdle();
}

void ConnectionManager::CloseAll() {
  std::lock_guard lock(mutex_);
  for (ManagedConnection* connection : connections_) connection->Close();
}

bool ConnectionManager::WaitUntilEmpty(
    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return empty_.wait_until(lock, deadline,
                           [this] { return connections_.empty(); });
}

void ConnectionManager::WaitUntilEmpty() {
  std::unique_lock lock(mutex_);
  empty_.wait(lock, [this] { return connections_.empty(); });
}

}  // namespace coffer::net

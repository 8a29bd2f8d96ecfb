// Monitor: the proxy's view of the database servers, and the one place
// that changes their roles, in the manner of MaxScale's mariadbmon.
//
// Every interval it checks each known server over TLS as the `monitor`
// account: read_only, GTID positions, SHOW SLAVE STATUS, and on the
// primary SHOW SLAVE HOSTS, from which it learns replicas as they start
// (each reports its address with report_host / report_port).
//
// Roles. Every server starts read-only (the template). The primary is the
// one server the monitor made writable. A monitor decides only while it
// holds the lease: the lock GET_LOCK('coffer_monitor') on a majority of
// the servers that answer, held by its open connections, so that of
// several proxies exactly one acts and the others follow what they observe
// (as MaxScale's cooperative_monitoring_locks = majority_of_running, with
// its caveat: proxies that see disjoint halves of the servers could both
// decide; on one machine they see the same servers). The decider:
//   - with no writable server (first start, or the primary failed
//     `failover_after` checks in a row), elects the most advanced server
//     (by received GTIDs), lets it apply its relay log, ends its
//     replication and makes it writable;
//   - points every other reachable server at the primary (CHANGE MASTER
//     TO ... MASTER_USE_GTID = slave_pos, START SLAVE): replicas after a
//     failover, and a former primary that returns read-only (it rejoins).
//     A server that holds transactions the primary lacks has diverged: it
//     gets no reads and is logged for rebuilding, never repointed.
//   - with two writable servers (never expected), makes all but the
//     elected one read-only.
//
// Topology is what sessions route by: the primary, and the replicas that
// replicate from it with both threads running and lag within the limit.
//
// Thread safety: Start/Stop from one thread; Current() from any thread.
// Checks and decisions run on the monitor's own thread only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "net/address.h"
#include "proxy/config.h"
#include "proxy/proxy_metrics.h"

namespace coffer::proxy {

struct TopologyServer {
  net::HostPort address;
  // This proxy's sessions that read from it now (least loaded first).
  std::shared_ptr<std::atomic<int>> sessions;
};

struct Topology {
  std::optional<TopologyServer> primary;
  std::vector<TopologyServer> replicas;  // readable: in sync
};

class Monitor {
 public:
  // Without config.monitor.enabled: a fixed topology, the backend as the
  // primary, and no thread. Otherwise the first check runs before Start
  // returns, so that sessions have a topology at once.
  static std::unique_ptr<Monitor> Start(const ProxyConfig& config,
                                        ProxyMetrics* metrics);
  ~Monitor();

  std::shared_ptr<const Topology> Current() const;

  void Stop();

 private:
  struct Server;
  explicit Monitor(const ProxyConfig& config, ProxyMetrics* metrics);
  void Run();
  void Tick();
  void Probe(Server& server);
  void Decide();
  bool Promote(Server& candidate);
  void Repoint(Server& server, const Server& primary);
  void Publish();
  std::string WhyNotReadable(const Server& server, const Server& primary) const;
  Server* Find(const net::HostPort& address);
  Server* ElectedPrimary();

  const ProxyConfig& config_;
  ProxyMetrics* metrics_;
  std::vector<std::unique_ptr<Server>> servers_;
  std::optional<net::HostPort> primary_;  // elected or observed
  bool lease_ = false;

  mutable std::mutex mutex_;  // guards current_ and stop_
  std::condition_variable wake_;
  std::shared_ptr<const Topology> current_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace coffer::proxy

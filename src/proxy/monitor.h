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
// holds the lease: the lock GET_LOCK(monitor.lease_name) on a majority of
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
// A planned switchover (Switchover(), an admin's request to the proxy's
// HTTPS endpoint) is done by the decider too, between two checks: the
// primary is made read-only, the new one applies everything the primary
// wrote and is promoted, and the old primary replicates from it. If the
// new one does not catch up within 10 s, the old primary takes writes
// again and nothing changed.
//
// Topology is what sessions route by: the primary, and the replicas that
// replicate from it with both threads running and lag within the limit.
//
// Thread safety: Start/Stop from one thread; Current() and Switchover()
// from any thread.
// Checks and decisions run on the monitor's own thread only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <future>
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

struct SwitchoverResult {
  net::HostPort primary;
  net::HostPort previous;
  double seconds = 0;  // primary read-only to the new one writable
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

  // Makes `to` (or, without it, the most advanced replica in sync) the
  // primary, and the primary a replica of it; waits for the monitor's
  // thread to do it. Failure: kFailedPrecondition (no monitor, this proxy
  // does not hold the lease, `to` is the primary or not a replica in
  // sync, another switchover is running), kNotFound (`to` is not a server
  // the monitor knows), kUnavailable (no primary, or it did not answer),
  // kDeadlineExceeded (the new primary did not catch up; nothing changed).
  StatusOr<SwitchoverResult> Switchover(std::optional<net::HostPort> to);

  void Stop();

 private:
  struct Server;
  explicit Monitor(const ProxyConfig& config, ProxyMetrics* metrics);
  void Run();
  void Tick();
  void Probe(Server& server);
  void Decide();
  bool Promote(Server& candidate);
  StatusOr<SwitchoverResult> DoSwitchover(
      const std::optional<net::HostPort>& to);
  void Repoint(Server& server, const Server& primary);
  void Publish();
  std::string WhyNotReadable(const Server& server, const Server& primary) const;
  Server* Find(const net::HostPort& address);
  bool IsAlias(const net::HostPort& address) const;
  // Adds a server found through `from` (its replica or its source), unless
  // known, an alias, or not a plain host:port.
  void Discover(const net::HostPort& address, const Server& from,
                std::string_view message);
  Server* ElectedPrimary();

  const ProxyConfig& config_;
  ProxyMetrics* metrics_;
  std::vector<std::unique_ptr<Server>> servers_;
  // Names found to be another name of a known server: not found again.
  std::vector<net::HostPort> aliases_;
  // Logged once: no election while a replica still reaches its source.
  bool waiting_for_source_ = false;
  std::optional<net::HostPort> primary_;  // elected or observed
  bool lease_ = false;

  struct SwitchoverRequest {
    std::optional<net::HostPort> to;
    std::promise<StatusOr<SwitchoverResult>> done;
  };

  mutable std::mutex mutex_;  // guards current_, switchover_ and stop_
  std::condition_variable wake_;
  std::shared_ptr<const Topology> current_;
  std::unique_ptr<SwitchoverRequest> switchover_;  // waiting for the thread
  bool switching_ = false;  // a request taken and not answered yet
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace coffer::proxy

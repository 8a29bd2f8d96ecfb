#include "proxy/monitor.h"

#include <mysql.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "common/log.h"
#include "proxy/gtid.h"

namespace coffer::proxy {
namespace {

// Connector/C's own timeouts (seconds): a server that hangs costs one
// check this long, never the monitor.
constexpr unsigned kConnectTimeout = 2;
constexpr unsigned kReadTimeout = 5;
// A server the monitor found and has not reached this many checks in a row
// is forgotten (a stopped replica must not keep the lease from a majority).
constexpr int kForgetAfter = 40;

using Row = std::map<std::string, std::optional<std::string>, std::less<>>;

// One Connector/C connection, as the monitor account, over verified TLS.
class SqlConnection {
 public:
  SqlConnection() = default;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;
  ~SqlConnection() { Close(); }

  bool is_open() const { return mysql_ != nullptr; }

  Status Open(const MonitorConfig& config, const net::HostPort& address) {
    Close();
    mysql_ = mysql_init(nullptr);
    if (mysql_ == nullptr) return ResourceExhaustedError("mysql_init failed");
    unsigned connect_timeout = kConnectTimeout;
    unsigned read_timeout = kReadTimeout;
    my_bool on = 1;
    mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &read_timeout);
    mysql_ssl_set(mysql_, config.key_path.c_str(),
                  config.certificate_path.c_str(), config.ca_path.c_str(),
                  nullptr, nullptr);
    mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &on);
    mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    if (mysql_real_connect(mysql_, address.host.c_str(), "monitor", nullptr,
                           nullptr, address.port, nullptr, 0) == nullptr) {
      Status error = UnavailableError(mysql_error(mysql_));
      Close();
      return error;
    }
    return OkStatus();
  }

  void Close() {
    if (mysql_ != nullptr) mysql_close(mysql_);
    mysql_ = nullptr;
  }

  // Runs `sql`; the rows of its result, by column name (none for a
  // statement without a result).
  StatusOr<std::vector<Row>> Query(const std::string& sql) {
    if (mysql_ == nullptr) return UnavailableError("not connected");
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
      return UnavailableError(mysql_error(mysql_));
    }
    std::vector<Row> rows;
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) {
      if (mysql_field_count(mysql_) != 0) {
        return UnavailableError(mysql_error(mysql_));
      }
      return rows;
    }
    const unsigned columns = mysql_num_fields(result);
    const MYSQL_FIELD* fields = mysql_fetch_fields(result);
    while (MYSQL_ROW values = mysql_fetch_row(result)) {
      const unsigned long* lengths = mysql_fetch_lengths(result);
      Row row;
      for (unsigned i = 0; i < columns; ++i) {
        row[fields[i].name] = values[i] == nullptr
                                  ? std::nullopt
                                  : std::optional<std::string>(
                                        std::in_place, values[i], lengths[i]);
      }
      rows.push_back(std::move(row));
    }
    mysql_free_result(result);
    return rows;
  }

  // The first column of the first row, or "" (NULL, or no row).
  StatusOr<std::string> Scalar(const std::string& sql) {
    COFFER_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql));
    if (rows.empty() || rows[0].empty() || !rows[0].begin()->second) {
      return std::string();
    }
    return *rows[0].begin()->second;
  }

 private:
  MYSQL* mysql_ = nullptr;
};

std::string Field(const Row& row, std::string_view name) {
  const auto it = row.find(name);
  return it == row.end() || !it->second ? std::string() : *it->second;
}

uint64_t Total(const std::map<uint64_t, uint64_t>& sequences) {
  uint64_t total = 0;
  for (const auto& [domain, sequence] : sequences) total += sequence;
  return total;
}

// Host names and addresses only: they go into CHANGE MASTER TO '...'.
bool IsPlainHost(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '-' || c == ':' || c == '_';
  });
}

std::string Text(const net::HostPort& address) {
  return address.host + ":" + std::to_string(address.port);
}

}  // namespace

struct Monitor::Server {
  net::HostPort address;
  bool seed = false;  // from the configuration: never forgotten
  SqlConnection sql;
  bool reachable = false;
  int failures = 0;
  uint64_t server_id = 0;  // @@server_id: the same server under two names
  bool lock_held = false;
  bool read_only = true;
  std::string current_pos;   // @@gtid_current_pos
  std::string binlog_state;  // @@gtid_binlog_state: last GTID per server id
  std::map<uint64_t, uint64_t> current;   // gtid_current_pos by domain
  std::map<uint64_t, uint64_t> received;  // Gtid_IO_Pos
  bool has_master = false;
  net::HostPort master;
  bool io_running = false;
  bool sql_running = false;
  std::optional<int64_t> lag;
  bool diverged = false;
  std::string error;
  // Why it gets no reads ("" when it does), logged when it changes.
  std::string not_readable = "new";
  std::shared_ptr<std::atomic<int>> sessions =
      std::make_shared<std::atomic<int>>(0);

  // How far it got: what it applied or received, summed over domains.
  uint64_t Position() const {
    std::map<uint64_t, uint64_t> best = current;
    for (const auto& [domain, sequence] : received) {
      best[domain] = std::max(best[domain], sequence);
    }
    return Total(best);
  }
  bool Replicates(const net::HostPort& from) const {
    return has_master && master == from;
  }
  bool Is(const net::HostPort& other) const { return address == other; }
};

std::unique_ptr<Monitor> Monitor::Start(const ProxyConfig& config,
                                        ProxyMetrics* metrics) {
  std::unique_ptr<Monitor> monitor(new Monitor(config, metrics));
  if (!config.monitor.enabled) {
    auto fixed = std::make_shared<Topology>();
    fixed->primary =
        TopologyServer{config.backend, std::make_shared<std::atomic<int>>(0)};
    monitor->current_ = std::move(fixed);
    return monitor;
  }
  auto seed = std::make_unique<Server>();
  seed->address = config.backend;
  seed->seed = true;
  monitor->servers_.push_back(std::move(seed));
  monitor->Tick();
  monitor->thread_ = std::thread([m = monitor.get()] { m->Run(); });
  return monitor;
}

Monitor::Monitor(const ProxyConfig& config, ProxyMetrics* metrics)
    : config_(config), metrics_(metrics) {
  current_ = std::make_shared<Topology>();
}

Monitor::~Monitor() { Stop(); }

void Monitor::Stop() {
  std::unique_ptr<SwitchoverRequest> unanswered;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    unanswered = std::move(switchover_);
  }
  if (unanswered != nullptr) {
    unanswered->done.set_value(UnavailableError("the proxy is stopping"));
  }
}

StatusOr<SwitchoverResult> Monitor::Switchover(
    std::optional<net::HostPort> to) {
  if (!config_.monitor.enabled) {
    return FailedPreconditionError(
        "this proxy has no monitor (its configuration has no \"monitor\")");
  }
  auto request = std::make_unique<SwitchoverRequest>();
  request->to = std::move(to);
  std::future<StatusOr<SwitchoverResult>> done = request->done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stop_) return UnavailableError("the proxy is stopping");
    if (switchover_ != nullptr || switching_) {
      return FailedPreconditionError(
          "a switchover is already in progress; retry when it ended");
    }
    switchover_ = std::move(request);
  }
  wake_.notify_all();
  // The thread answers within one check plus the switchover's own bounded
  // waits (connector timeouts, 10 s of catching up, Promote's 30 s).
  if (done.wait_for(std::chrono::minutes(2)) != std::future_status::ready) {
    return DeadlineExceededError(
        "the monitor did not answer within 2 minutes; its log says what it "
        "did");
  }
  return done.get();
}

std::shared_ptr<const Topology> Monitor::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void Monitor::Run() {
  const auto interval = std::chrono::milliseconds(config_.monitor.interval_ms);
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval,
                   [this] { return stop_ || switchover_ != nullptr; });
    if (stop_) break;
    lock.unlock();
    Tick();
    lock.lock();
  }
}

void Monitor::Tick() {
  // Probing may discover servers: index, not iterators.
  for (size_t i = 0; i < servers_.size(); ++i) Probe(*servers_[i]);
  // One server under two names (a replica's source written another way
  // than the monitor knows it) must not count twice, nor be fenced as a
  // second primary: a later, discovered entry with a known server_id goes.
  for (size_t i = 0; i < servers_.size(); ++i) {
    const Server& later = *servers_[i];
    if (later.seed || !later.reachable || later.server_id == 0 ||
        (primary_ && later.Is(*primary_))) {
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      const Server& earlier = *servers_[j];
      if (earlier.reachable && earlier.server_id == later.server_id) {
        Log(LogLevel::kInfo, "proxy monitor: one server under two names",
            {{"server", Text(earlier.address)},
             {"alias", Text(later.address)}});
        aliases_.push_back(later.address);
        break;
      }
    }
  }
  std::erase_if(servers_, [this](const std::unique_ptr<Server>& server) {
    return IsAlias(server->address);
  });
  std::erase_if(servers_, [this](const std::unique_ptr<Server>& server) {
    const bool forget = !server->seed && server->failures >= kForgetAfter &&
                        !(primary_ && server->Is(*primary_));
    if (forget) {
      Log(LogLevel::kInfo, "proxy monitor: forgot an unreachable server",
          {{"server", Text(server->address)}});
    }
    return forget;
  });
  // The lease: the lock on a majority of the servers that answer (a tie
  // goes to the holder of the first answering server's lock), so that a
  // dead primary does not take the majority with it when one replica is
  // left.
  size_t locks = 0;
  size_t reachable = 0;
  const Server* first = nullptr;
  for (const auto& server : servers_) {
    if (!server->reachable) continue;
    ++reachable;
    locks += server->lock_held ? 1 : 0;
    if (first == nullptr || Text(server->address) < Text(first->address)) {
      first = server.get();
    }
  }
  const bool lease =
      reachable > 0 &&
      (2 * locks > reachable || (2 * locks == reachable && first->lock_held));
  if (lease != lease_) {
    Log(LogLevel::kInfo,
        lease ? "proxy monitor: holds the lease; it decides roles"
              : "proxy monitor: lease lost; it follows",
        {{"locks", std::to_string(locks)},
         {"reachable", std::to_string(reachable)}});
  }
  lease_ = lease;
  std::unique_ptr<SwitchoverRequest> request;
  {
    std::lock_guard lock(mutex_);
    request = std::move(switchover_);
    switching_ = request != nullptr;
  }
  if (request != nullptr) {
    request->done.set_value(DoSwitchover(request->to));
    std::lock_guard lock(mutex_);
    switching_ = false;
  }
  Decide();
  Publish();
}

void Monitor::Probe(Server& server) {
  auto fail = [&](const Status& status) {
    if (server.reachable || server.failures == 0) {
      Log(LogLevel::kWarning, "proxy monitor: server unreachable",
          {{"server", Text(server.address)}, {"error", status.message()}});
    }
    server.sql.Close();
    server.reachable = false;
    server.lock_held = false;
    server.diverged = false;  // decided again when it is back (rebuilt?)
    ++server.failures;
    server.error = status.message();
  };
  if (!server.sql.is_open()) {
    if (Status opened = server.sql.Open(config_.monitor, server.address);
        !opened.ok()) {
      return fail(opened);
    }
  }
  auto state = server.sql.Query(
      "SELECT @@read_only AS read_only, @@gtid_current_pos AS current_pos, "
      "@@gtid_binlog_state AS binlog_state, @@server_id AS server_id");
  if (!state.ok() || state->empty()) {
    return fail(state.ok() ? InternalError("no row") : state.status());
  }
  auto replication = server.sql.Query("SHOW SLAVE STATUS");
  if (!replication.ok()) return fail(replication.status());
  if (!server.lock_held) {
    // The name is checked to be letters, digits and '_' (config.cc).
    auto locked = server.sql.Scalar("SELECT GET_LOCK('" +
                                    config_.monitor.lease_name + "', 0)");
    if (!locked.ok()) return fail(locked.status());
    server.lock_held = *locked == "1";
  }
  if (!server.reachable) {
    Log(LogLevel::kInfo, "proxy monitor: server reachable",
        {{"server", Text(server.address)}});
  }
  server.reachable = true;
  server.failures = 0;
  server.read_only = Field((*state)[0], "read_only") != "0";
  server.server_id =
      std::strtoull(Field((*state)[0], "server_id").c_str(), nullptr, 10);
  server.current_pos = Field((*state)[0], "current_pos");
  server.binlog_state = Field((*state)[0], "binlog_state");
  server.current = LastSequenceByDomain(server.current_pos);
  server.has_master = false;
  server.received.clear();
  server.lag.reset();
  if (!replication->empty()) {
    const Row& row = (*replication)[0];
    const std::string host = Field(row, "Master_Host");
    server.has_master = !host.empty();
    server.master.host = host;
    server.master.port = static_cast<uint16_t>(
        std::strtoul(Field(row, "Master_Port").c_str(), nullptr, 10));
    server.io_running = Field(row, "Slave_IO_Running") == "Yes";
    server.sql_running = Field(row, "Slave_SQL_Running") == "Yes";
    server.received = LastSequenceByDomain(Field(row, "Gtid_IO_Pos"));
    const std::string lag = Field(row, "Seconds_Behind_Master");
    if (!lag.empty()) server.lag = std::strtoll(lag.c_str(), nullptr, 10);
    // Its source is a server too: a monitor that starts from a replica
    // (its configured address after a switchover) finds the primary so.
    if (server.has_master) {
      Discover(server.master, server,
               "proxy monitor: found a replica's source");
    }
  }
  if (server.read_only) return;
  // A primary: learn its replicas (report_host, report_port).
  auto hosts = server.sql.Query("SHOW SLAVE HOSTS");
  if (!hosts.ok()) return fail(hosts.status());
  for (const Row& row : *hosts) {
    net::HostPort address{Field(row, "Host"),
                          static_cast<uint16_t>(std::strtoul(
                              Field(row, "Port").c_str(), nullptr, 10))};
    Discover(address, server, "proxy monitor: found a replica");
  }
}

void Monitor::Discover(const net::HostPort& address, const Server& from,
                       std::string_view message) {
  if (!IsPlainHost(address.host) || address.port == 0) return;
  if (Find(address) != nullptr || IsAlias(address)) return;
  Log(LogLevel::kInfo, message,
      {{"server", Text(address)}, {"from", Text(from.address)}});
  auto found = std::make_unique<Server>();
  found->address = address;
  servers_.push_back(std::move(found));
}

bool Monitor::IsAlias(const net::HostPort& address) const {
  return std::find(aliases_.begin(), aliases_.end(), address) != aliases_.end();
}

Monitor::Server* Monitor::Find(const net::HostPort& address) {
  for (const auto& server : servers_) {
    if (server->Is(address)) return server.get();
  }
  return nullptr;
}

Monitor::Server* Monitor::ElectedPrimary() {
  Server* primary = primary_ ? Find(*primary_) : nullptr;
  return primary != nullptr && primary->reachable && !primary->read_only
             ? primary
             : nullptr;
}

void Monitor::Decide() {
  std::vector<Server*> writable;
  for (const auto& server : servers_) {
    if (server->reachable && !server->read_only)
      writable.push_back(server.get());
  }
  if (!lease_) {
    // A follower: the primary is the one writable server, if exactly one.
    if (writable.size() == 1) {
      primary_ = writable[0]->address;
    } else {
      primary_.reset();
    }
    return;
  }
  if (writable.size() > 1) {
    Server* keep = ElectedPrimary();
    if (keep == nullptr) keep = writable[0];
    for (Server* server : writable) {
      if (server == keep) continue;
      Log(LogLevel::kError,
          "proxy monitor: two writable servers; fencing the other",
          {{"primary", Text(keep->address)},
           {"fenced", Text(server->address)}});
      if (server->sql.Query("SET GLOBAL read_only = 1").ok()) {
        server->read_only = true;
      }
    }
    primary_ = keep->address;
  } else if (writable.size() == 1) {
    primary_ = writable[0]->address;
  } else if (config_.monitor.auto_failover) {
    Server* old = primary_ ? Find(*primary_) : nullptr;
    const bool elect = old == nullptr || old->reachable ||
                       old->failures >= config_.monitor.failover_after;
    if (!elect) return;
    // A replica still connected to its source (IO thread running) shows
    // that that source is alive, whether this monitor reaches it or not:
    // promoting any other server would make two primaries (MaxScale's
    // verify_master_failure). Only such a source may then be elected (at
    // the first start every server is read-only and the replicas already
    // replicate from the primary-to-be).
    std::vector<net::HostPort> live_sources;
    for (const auto& server : servers_) {
      if (server->reachable && server->has_master && server->io_running) {
        live_sources.push_back(server->master);
      }
    }
    auto may_elect = [&](const Server& server) {
      return live_sources.empty() ||
             std::any_of(live_sources.begin(), live_sources.end(),
                         [&](const net::HostPort& source) {
                           return server.Is(source);
                         });
    };
    Server* best = nullptr;
    for (const auto& server : servers_) {
      if (!server->reachable || server->diverged) continue;
      if (!may_elect(*server)) continue;
      if (best == nullptr || server->Position() > best->Position() ||
          (server->Position() == best->Position() && best->has_master &&
           !server->has_master)) {
        best = server.get();
      }
    }
    const bool waiting = best == nullptr && !live_sources.empty();
    if (waiting && !waiting_for_source_) {
      Log(LogLevel::kWarning,
          "proxy monitor: no writable server, but a replica is still "
          "connected to a source this monitor does not reach; not "
          "electing a primary",
          {{"source", Text(live_sources[0])}});
    }
    waiting_for_source_ = waiting;
    if (best != nullptr) (void)Promote(*best);
  }
  Server* primary = ElectedPrimary();
  if (primary == nullptr) return;
  for (const auto& server : servers_) {
    if (server.get() == primary || !server->reachable || server->diverged) {
      continue;
    }
    if (server->Replicates(primary->address)) continue;
    Repoint(*server, *primary);
  }
}

bool Monitor::Promote(Server& candidate) {
  const auto started = std::chrono::steady_clock::now();
  const std::string old = primary_ ? Text(*primary_) : "none";
  auto step = [&](const std::string& sql) {
    auto done = candidate.sql.Query(sql);
    if (!done.ok()) {
      Log(LogLevel::kError, "proxy monitor: promotion failed",
          {{"server", Text(candidate.address)},
           {"statement", sql},
           {"error", done.status().message()}});
    }
    return done.ok();
  };
  if (candidate.has_master) {
    // Apply everything it received before it takes writes.
    if (!step("STOP SLAVE IO_THREAD")) return false;
    auto status = candidate.sql.Query("SHOW SLAVE STATUS");
    if (!status.ok() || status->empty()) return false;
    const std::string received = Field((*status)[0], "Gtid_IO_Pos");
    bool applied = received.empty();
    for (int i = 0; i < 15 && !applied; ++i) {
      auto waited = candidate.sql.Scalar("SELECT MASTER_GTID_WAIT('" +
                                         received + "', 2)");
      if (!waited.ok()) return false;
      applied = *waited == "0";
    }
    if (!applied) {
      Log(LogLevel::kError,
          "proxy monitor: promotion failed: the relay log was not applied "
          "within 30 s",
          {{"server", Text(candidate.address)}});
      (void)candidate.sql.Query("START SLAVE IO_THREAD");
      return false;
    }
    if (!step("STOP SLAVE") || !step("RESET SLAVE ALL")) return false;
  }
  if (!step("SET GLOBAL read_only = 0")) return false;
  candidate.read_only = false;
  candidate.has_master = false;
  primary_ = candidate.address;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  Log(LogLevel::kWarning, "proxy monitor: promoted a new primary",
      {{"primary", Text(candidate.address)},
       {"previous", old},
       {"seconds", std::to_string(seconds)}});
  if (metrics_ != nullptr) metrics_->Promotion();
  return true;
}

StatusOr<SwitchoverResult> Monitor::DoSwitchover(
    const std::optional<net::HostPort>& to) {
  if (!lease_) {
    return FailedPreconditionError(
        "this proxy's monitor does not hold the lease, so it changes no "
        "roles; send the switchover to the proxy whose log says \"holds the "
        "lease\"");
  }
  Server* old = ElectedPrimary();
  if (old == nullptr) {
    return UnavailableError(
        "there is no primary now (a failover may be in progress); retry");
  }
  Server* target = nullptr;
  if (to) {
    target = Find(*to);
    if (target == nullptr) {
      std::string known;
      for (const auto& server : servers_) {
        known += (known.empty() ? "" : ", ") + Text(server->address);
      }
      return NotFoundError("no server " + Text(*to) +
                           " is known to the monitor (it knows " + known + ")");
    }
    if (target == old) {
      return FailedPreconditionError(Text(*to) + " is the primary already");
    }
    const std::string why = WhyNotReadable(*target, *old);
    if (!why.empty()) {
      return FailedPreconditionError(Text(*to) +
                                     " cannot become the primary: " + why);
    }
  } else {
    for (const auto& server : servers_) {
      if (server.get() == old || !WhyNotReadable(*server, *old).empty()) {
        continue;
      }
      if (target == nullptr || server->Position() > target->Position()) {
        target = server.get();
      }
    }
    if (target == nullptr) {
      return FailedPreconditionError(
          "no replica replicates in sync from the primary (the proxy's log "
          "says why each takes no reads)");
    }
  }
  const auto started = std::chrono::steady_clock::now();
  Log(LogLevel::kWarning,
      "proxy monitor: switchover: the primary stops "
      "taking writes",
      {{"primary", Text(old->address)}, {"next", Text(target->address)}});
  // read_only waits for the commits in progress; later writes are refused
  // (ER_OPTION_PREVENTS_STATEMENT) until the sessions move.
  if (auto fenced = old->sql.Query("SET GLOBAL read_only = 1"); !fenced.ok()) {
    return UnavailableError(
        "the primary " + Text(old->address) +
        " could not be made read-only: " + fenced.status().message());
  }
  old->read_only = true;
  auto undo = [&](Status why) -> Status {
    const bool writable = old->sql.Query("SET GLOBAL read_only = 0").ok();
    old->read_only = !writable;
    Log(LogLevel::kError, "proxy monitor: switchover failed",
        {{"primary", Text(old->address)},
         {"next", Text(target->address)},
         {"error", why.message()},
         {"primary_takes_writes", writable ? "yes" : "no"}});
    return why;
  };
  auto written = old->sql.Scalar("SELECT @@gtid_binlog_pos");
  if (!written.ok()) return undo(written.status());
  bool caught_up = written->empty();
  for (int i = 0; i < 5 && !caught_up; ++i) {
    auto waited =
        target->sql.Scalar("SELECT MASTER_GTID_WAIT('" + *written + "', 2)");
    if (!waited.ok()) return undo(waited.status());
    caught_up = *waited == "0";
  }
  if (!caught_up) {
    return undo(DeadlineExceededError(
        Text(target->address) +
        " did not apply the primary's transactions within 10 s; the "
        "primary takes writes again"));
  }
  if (!Promote(*target)) {
    return undo(UnavailableError("promoting " + Text(target->address) +
                                 " failed (the proxy's log says why); the "
                                 "old primary takes writes again"));
  }
  SwitchoverResult result{
      target->address, old->address,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count()};
  // Fresh positions, then the old primary replicates from the new one.
  Probe(*target);
  Probe(*old);
  if (old->reachable && target->reachable) Repoint(*old, *target);
  return result;
}

void Monitor::Repoint(Server& server, const Server& primary) {
  // Every transaction it has must be in the primary's binary log: its last
  // GTID per domain must be at or before the primary's last GTID of the
  // same server id (sequence numbers only grow in a domain, strict mode).
  // A former primary that committed a transaction no replica received
  // fails this: it diverged.
  const std::vector<Gtid> primary_state = ParseGtidList(primary.binlog_state);
  for (const Gtid& gtid : ParseGtidList(server.current_pos)) {
    const bool contained = std::any_of(
        primary_state.begin(), primary_state.end(), [&](const Gtid& p) {
          return p.domain == gtid.domain && p.server == gtid.server &&
                 p.sequence >= gtid.sequence;
        });
    if (!contained) {
      server.diverged = true;
      Log(LogLevel::kError,
          "proxy monitor: server holds transactions the primary lacks "
          "(diverged); it gets no reads. Rebuild it: stop it, empty its "
          "data directory, start it as a replica",
          {{"server", Text(server.address)},
           {"primary", Text(primary.address)}});
      return;
    }
  }
  const MonitorConfig& m = config_.monitor;
  if (!IsPlainHost(primary.address.host)) return;
  (void)server.sql.Query("STOP SLAVE");
  const std::string change =
      "CHANGE MASTER TO MASTER_HOST = '" + primary.address.host +
      "', MASTER_PORT = " + std::to_string(primary.address.port) +
      ", MASTER_USER = '" + m.replication_user +
      "', MASTER_SSL = 1, MASTER_SSL_CA = '" + m.replication_ca +
      "', MASTER_SSL_CERT = '" + m.replication_certificate +
      "', MASTER_SSL_KEY = '" + m.replication_key +
      "', MASTER_SSL_VERIFY_SERVER_CERT = 1, MASTER_CONNECT_RETRY = 1, "
      "MASTER_USE_GTID = slave_pos";
  for (const std::string& sql :
       {std::string("SET GLOBAL read_only = 1"),
        std::string("SET GLOBAL gtid_slave_pos = @@gtid_current_pos"), change,
        std::string("START SLAVE")}) {
    if (auto done = server.sql.Query(sql); !done.ok()) {
      Log(LogLevel::kError, "proxy monitor: repointing a replica failed",
          {{"server", Text(server.address)},
           {"error", done.status().message()}});
      return;
    }
  }
  server.has_master = true;
  server.master = primary.address;
  Log(LogLevel::kInfo, "proxy monitor: replica replicates from the primary",
      {{"server", Text(server.address)}, {"primary", Text(primary.address)}});
}

std::string Monitor::WhyNotReadable(const Server& server,
                                    const Server& primary) const {
  if (!server.reachable) return "unreachable";
  if (!server.read_only) return "writable";
  if (server.diverged) return "diverged";
  if (!server.Replicates(primary.address))
    return "not replicating from the primary";
  if (!server.io_running) return "replication I/O thread not running";
  if (!server.sql_running) return "replication SQL thread not running";
  // Caught up: whatever Seconds_Behind_Master says (an idle replica that
  // was just repointed may report the age of the last event it saw).
  if (server.current == primary.current) return "";
  if (!server.lag) return "lag unknown";
  if (*server.lag > config_.monitor.max_lag_seconds) {
    return "lag over max_lag_seconds";
  }
  return "";
}

void Monitor::Publish() {
  auto topology = std::make_shared<Topology>();
  Server* primary = ElectedPrimary();
  if (primary != nullptr) {
    topology->primary = TopologyServer{primary->address, primary->sessions};
  }
  for (const auto& server : servers_) {
    if (server.get() == primary) continue;
    const std::string why =
        primary == nullptr ? "no primary" : WhyNotReadable(*server, *primary);
    if (why != server->not_readable) {
      Log(why.empty() ? LogLevel::kInfo : LogLevel::kWarning,
          why.empty() ? "proxy monitor: replica takes reads"
                      : "proxy monitor: replica takes no reads",
          {{"server", Text(server->address)}, {"reason", why}});
      server->not_readable = why;
    }
    if (why.empty()) {
      topology->replicas.push_back(
          TopologyServer{server->address, server->sessions});
    }
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(topology);
}

}  // namespace coffer::proxy

// Full provisioning by the CAS under concurrent load, against the TLS
// handshake rate alone, on loopback, measured in the same run.
//
// One process holds a real LAS, the real CAS (CasService on 127.0.0.1:0,
// mutual TLS, audit log with fdatasync) and the clients. Each client thread
// loops: a NEW connection (TCP connect and a full TLS handshake with its own
// client certificate), one request, check the status, close. For each
// number of clients, two loads of the same length:
//  - baseline: GET /healthz, i.e. the handshake and a trivial request;
//  - provisioning: POST /v1/provision of a session with generated secrets,
//    an injection file, and an x509 certificate issued by a CA: the CAS
//    verifies the quote (simulation, from the LAS), checks that it binds
//    the connection's key and the session's policy, resolves every
//    secret, writes an audit record and returns the configuration.
// Quotes are made once per client identity before timing: getting a quote
// is the runtime's cost, not the CAS's. The CAS's QuoteVerifier caches the
// platform's certificate check as in production; each quote's own
// signatures are verified on every request.
//
// Printed per number of clients: requests per second, p50 and p99 latency
// (connect to close) of each load, and provisioning's rate as a fraction of
// the handshake rate; then the CPU time per request of the CAS (the
// process's CPU time minus the client threads') and of the clients. Clients
// and the CAS share this machine's cores, so both rates include the
// clients' half of each handshake.
//
// Flags (all optional): --seconds=N per load (default 10), --clients=8,16,32,
// --handler_threads=N and --io_threads=N for the CAS. The default is
// CasOptions' (1 I/O thread, 8 handler threads): the load is CPU-bound on
// two cores, and 1/2, 2/8 and 2/16 measured the same within the noise.
// Google Benchmark flags (scripts/bench.sh passes some) are ignored.
//
// With --store=etcd://HOST:PORT,... and --etcd-ca, --etcd-cert, --etcd-key
// (scripts/bench_cas_etcd.sh starts a 3-member etcd cluster and passes
// them), it then measures provisioning with the state on etcd: one member,
// and two members (the second on a second simulated platform, joined to
// the first, the clients split between them), each at every number of
// clients, against the SQLite state measured just before in the same run.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "cas/service.h"
#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "las/running_las.h"
#include "net/http_client.h"
#include "net/tls.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Client identities, used in turn by the client threads.
constexpr int kIdentities = 64;
// The target of issue 4.
constexpr double kTargetPerSecond = 500;
constexpr double kTargetP99Ms = 50;

constexpr std::string_view kSession = R"(name: db
version: "0.3"
services:
  - name: server
    image_name: image
    attestation: [{mrenclave: [$MRENCLAVE]}]
    platforms: [$PLATFORM]
    command: server --key=$$COFFER::db_key:hex$$ --ca=$$COFFER::ca:crt$$
    environment: {PASSWORD: "$$COFFER::password$$", LEVEL: "1"}
    pwd: /var/lib/db
images:
  - name: image
    injection_files:
      - {path: /run/coffer/db/keys.txt, content: "1;$$COFFER::db_key:hex$$", permission: "0600"}
      - {path: /run/coffer/db/server.crt, content: "$$COFFER::server:chain$$", permission: "0644"}
      - {path: /run/coffer/db/server.key, content: "$$COFFER::server:key$$", permission: "0600"}
secrets:
  - {name: db_key, kind: binary, size: 32}
  - {name: password, kind: ascii, size: 16}
  - {name: ca_key, kind: private-key}
  - {name: ca, kind: x509-ca, private_key: ca_key, common_name: "DB CA"}
  - {name: server, kind: x509, issuer: ca, endpoint: server, dns: [localhost], valid_for: 90d}
security:
  attestation: {tolerate: [simulation]}
)";

// Setup failures end the program; they happen on the main thread before
// any client thread starts, or after all have been joined.
[[noreturn]] void Die(std::string_view what, std::string_view why) {
  std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(why.size()), why.data());
  std::exit(1);  // NOLINT(concurrency-mt-unsafe): see above
}

template <typename T>
T OrDie(StatusOr<T> value, const char* what) {
  if (!value.ok()) Die(what, value.status().ToString());
  return *std::move(value);
}

// A fresh directory under /tmp for the LAS and the CAS, removed at the end.
// (las/test_util.h has one too, but it needs GoogleTest.)
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/coffer-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr)
      Die("mkdtemp", std::generic_category().message(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Options {
  int seconds = 10;
  std::vector<int> clients = {8, 16, 32};
  CasOptions cas;
  std::string store, etcd_ca, etcd_cert, etcd_key;  // the etcd comparison
};

// A positive count, or the program ends naming `flag`.
int PositiveOrDie(std::string_view flag, std::string_view text) {
  int value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) {
    Die(flag, "\"" + std::string(text) + "\" is not a positive number");
  }
  return value;
}

Options ParseFlags(int argc, char** argv) {
  Options options;
  for (const std::string_view flag : std::span(argv + 1, argv + argc)) {
    const size_t equals = flag.find('=');
    const std::string_view name = flag.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? "" : flag.substr(equals + 1);
    if (name == "--seconds") {
      options.seconds = PositiveOrDie(name, value);
    } else if (name == "--clients") {
      options.clients.clear();
      for (size_t at = 0; at <= value.size();) {
        const size_t comma = std::min(value.find(',', at), value.size());
        options.clients.push_back(
            PositiveOrDie(name, value.substr(at, comma - at)));
        at = comma + 1;
      }
    } else if (name == "--handler_threads") {
      options.cas.handler_threads = PositiveOrDie(name, value);
    } else if (name == "--io_threads") {
      options.cas.io_threads = PositiveOrDie(name, value);
    } else if (name == "--store") {
      options.store = std::string(value);
    } else if (name == "--etcd-ca") {
      options.etcd_ca = std::string(value);
    } else if (name == "--etcd-cert") {
      options.etcd_cert = std::string(value);
    } else if (name == "--etcd-key") {
      options.etcd_key = std::string(value);
    } else if (!name.starts_with("--benchmark_")) {
      Die(flag,
          "unknown flag (known: --seconds, --clients, "
          "--handler_threads, --io_threads, --store, --etcd-ca, --etcd-cert, "
          "--etcd-key)");
    }
  }
  return options;
}

// A caller of the CAS: its key, and a client TLS context presenting it
// and pinning the CAS's certificate, made once as a runtime would.
struct Identity {
  crypto::PrivateKey key;
  std::shared_ptr<const net::TlsContext> tls;
  std::string provision_body;  // {"config_id", "quote"} bound to `key`
};

Identity MakeIdentity(const CasService& cas,
                      std::optional<crypto::PrivateKey> key = std::nullopt) {
  Identity identity{
      .key = key.has_value()
                 ? *std::move(key)
                 : OrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256),
                         "client key"),
      .tls = nullptr,
      .provision_body = {}};
  const crypto::Certificate certificate =
      OrDie(net::MakeSelfSignedIdentityCertificate(
                identity.key, "bench client", std::chrono::system_clock::now(),
                std::chrono::hours(1)),
            "client certificate");
  const net::TlsIdentity tls_identity{.key = &identity.key,
                                      .chain = std::span(&certificate, 1)};
  identity.tls = OrDie(
      net::MakeClientTlsContext(net::ServerVerification::PinnedCertificate(
                                    cas.identity().certificate.ToDer()),
                                &tls_identity),
      "client TLS context");
  return identity;
}

struct Target {
  std::string host;
  uint16_t port = 0;
};

Target TargetOf(const CasService& cas) {
  const std::string address = cas.address();
  const size_t colon = address.rfind(':');
  return Target{
      .host = address.substr(0, colon),
      .port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))};
}

// One request on a new connection, closed afterwards. "" if it answered
// 200, else what went wrong.
std::string CallOnce(const Target& target, const Identity& identity,
                     bool provision) {
  StatusOr<std::unique_ptr<net::HttpClient>> client =
      net::HttpClient::Connect(target.host, target.port, identity.tls);
  if (!client.ok()) return client.status().ToString();
  StatusOr<net::Response> response =
      provision
          ? (*client)->Request("POST", "/v1/provision", identity.provision_body)
          : (*client)->Request("GET", "/healthz");
  if (!response.ok()) return response.status().ToString();
  if (response->status != 200) {
    return "HTTP " + std::to_string(response->status) + ": " + response->body;
  }
  return "";
}

double CpuMs(clockid_t clock) {
  timespec now{};
  ::clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) * 1e3 +
         static_cast<double>(now.tv_nsec) / 1e6;
}

struct LoadResult {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  // CPU time per successful request: the whole process (CAS and clients),
  // and the client threads' part of it.
  double cpu_ms = 0;
  double client_cpu_ms = 0;
  uint64_t errors = 0;
  std::string first_error;
};

// `clients` threads call the CAS for `duration`, each request on a new
// connection; thread i uses identities i, i + clients, ... in turn, and
// member i modulo the number of targets.
LoadResult RunLoad(std::span<const Target> targets,
                   const std::vector<Identity>& ids, int clients,
                   std::chrono::milliseconds duration, bool provision) {
  struct PerThread {
    std::vector<double> latencies_ms;
    SteadyClock::time_point last_end;
    double cpu_ms = 0;
    uint64_t errors = 0;
    std::string first_error;
  };
  std::vector<PerThread> results(static_cast<size_t>(clients));
  std::latch ready(clients + 1);
  std::atomic<bool> go{false};
  SteadyClock::time_point start;
  SteadyClock::time_point deadline;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      PerThread& mine = results[static_cast<size_t>(t)];
      const Target& target = targets[static_cast<size_t>(t) % targets.size()];
      mine.latencies_ms.reserve(16384);
      ready.arrive_and_wait();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const double cpu_start = CpuMs(CLOCK_THREAD_CPUTIME_ID);
      size_t next = static_cast<size_t>(t);
      SteadyClock::time_point now = SteadyClock::now();
      while (now < deadline) {
        const std::string error = CallOnce(target, ids[next], provision);
        next = (next + static_cast<size_t>(clients)) % ids.size();
        const SteadyClock::time_point end = SteadyClock::now();
        if (error.empty()) {
          mine.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(end - now).count());
        } else if (mine.errors++ == 0) {
          mine.first_error = error;
        }
        mine.last_end = end;
        now = end;
      }
      mine.cpu_ms = CpuMs(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    });
  }
  ready.arrive_and_wait();
  const double process_cpu_start = CpuMs(CLOCK_PROCESS_CPUTIME_ID);
  start = SteadyClock::now();
  deadline = start + duration;
  go.store(true, std::memory_order_release);
  for (std::thread& thread : threads) thread.join();
  const double process_cpu_ms =
      CpuMs(CLOCK_PROCESS_CPUTIME_ID) - process_cpu_start;

  LoadResult result;
  std::vector<double> latencies;
  SteadyClock::time_point end = start;
  for (const PerThread& mine : results) {
    latencies.insert(latencies.end(), mine.latencies_ms.begin(),
                     mine.latencies_ms.end());
    end = std::max(end, mine.last_end);
    result.client_cpu_ms += mine.cpu_ms;
    if (mine.errors > 0 && result.errors == 0) {
      result.first_error = mine.first_error;
    }
    result.errors += mine.errors;
  }
  if (latencies.empty()) return result;
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double q) {
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(q * latencies.size()))];
  };
  result.per_second = static_cast<double>(latencies.size()) /
                      std::chrono::duration<double>(end - start).count();
  result.p50_ms = percentile(0.50);
  result.p99_ms = percentile(0.99);
  result.cpu_ms = process_cpu_ms / static_cast<double>(latencies.size());
  result.client_cpu_ms /= static_cast<double>(latencies.size());
  return result;
}

bool ReportErrors(const char* what, const LoadResult& result) {
  if (result.errors == 0) return false;
  std::fprintf(stderr, "%s: %llu failed requests, the first: %s\n", what,
               static_cast<unsigned long long>(result.errors),
               result.first_error.c_str());
  return true;
}

// The session "db", created by `owner`; its measurement and platform are
// this binary's as `las` reports them. False after printing why.
bool CreateSession(const Target& target, const Identity& owner,
                   const las::testing::RunningLas& las) {
  const las::QuoteReply self =
      OrDie(las.client().Quote(Bytes(32, 0)), "LAS quote");
  const Json create{{"name", "db"},
                    {"session", kSession},
                    {"file", "db.yml"},
                    {"variables",
                     {{"MRENCLAVE", HexEncode(self.mr_enclave)},
                      {"PLATFORM", self.platform_id}}}};
  auto client = OrDie(
      net::HttpClient::Connect(target.host, target.port, owner.tls), "owner");
  const net::Response created =
      OrDie(client->Request("POST", "/v1/sessions", create.dump()), "create");
  if (created.status != 201) {
    std::fprintf(stderr, "create session: HTTP %d: %s\n", created.status,
                 created.body.c_str());
    return false;
  }
  return true;
}

// Client identities, each with a quote binding its key.
std::vector<Identity> MakeIdentities(const CasService& cas,
                                     const las::testing::RunningLas& las) {
  std::vector<Identity> ids;
  ids.reserve(kIdentities);
  for (int i = 0; i < kIdentities; ++i) {
    Identity identity = MakeIdentity(cas);
    const crypto::Sha256Digest binding =
        crypto::Sha256(identity.key.PublicKeyDer());
    identity.provision_body =
        Json{{"config_id", "db/server"},
             {"quote",
              HexEncode(OrDie(las.client().Quote(binding), "quote").quote)}}
            .dump();
    ids.push_back(std::move(identity));
  }
  return ids;
}

// Provisioning on etcd with one member, then two, at each number of
// clients, printed against `sqlite` (per second, by number of clients).
bool CompareEtcd(const Options& options, const TempDir& dir,
                 const las::testing::RunningLas& las,
                 const std::vector<double>& sqlite) {
  const crypto::PrivateKey owner_key =
      OrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256), "owner key");
  const std::string owner_id =
      HexEncode(crypto::Sha256(owner_key.PublicKeyDer()));
  CasOptions first = options.cas;
  first.data_dir = dir.path() + "/etcd-member-1";
  first.listen = "127.0.0.1:0";
  first.las_socket = las.socket();
  first.store = options.store;
  first.etcd_ca = options.etcd_ca;
  first.etcd_cert = options.etcd_cert;
  first.etcd_key = options.etcd_key;
  first.owners = {owner_id};
  CasOptions second = first;
  const std::unique_ptr<CasService> member1 =
      OrDie(CasService::Start(std::move(first)), "etcd member 1");
  const Identity owner = MakeIdentity(
      *member1, OrDie(crypto::PrivateKey::FromDer(owner_key.ToDer().span()),
                      "owner key copy"));
  std::vector<Target> targets = {TargetOf(*member1)};
  if (!CreateSession(targets[0], owner, las)) return false;
  const std::vector<Identity> ids = MakeIdentities(*member1, las);

  // The second member: another platform, approved by the owner, joined.
  las::testing::RunningLas las2(dir.path() + "/las2");
  if (!las2.ok()) Die("LAS 2", las2.status().ToString());
  {
    auto client = OrDie(
        net::HttpClient::Connect(targets[0].host, targets[0].port, owner.tls),
        "owner");
    const Json approve{{"platform", las2.platform().id()}};
    const net::Response approved = OrDie(
        client->Request("POST", "/v1/cas/approve", approve.dump()), "approve");
    if (approved.status != 200) {
      std::fprintf(stderr, "approve: HTTP %d: %s\n", approved.status,
                   approved.body.c_str());
      return false;
    }
  }
  second.data_dir = dir.path() + "/etcd-member-2";
  second.las_socket = las2.socket();
  second.owners.clear();
  second.join = targets[0].host + ":" + std::to_string(targets[0].port);
  const std::chrono::milliseconds duration(options.seconds * 1000);
  (void)RunLoad(targets, ids, options.clients.front(),
                std::chrono::milliseconds(1000), true);
  bool failed = false;
  std::vector<double> one;
  for (int clients : options.clients) {
    const LoadResult result = RunLoad(targets, ids, clients, duration, true);
    failed |= ReportErrors("provisioning, etcd, 1 member", result);
    one.push_back(result.per_second);
  }
  const std::unique_ptr<CasService> member2 =
      OrDie(CasService::Start(std::move(second)), "etcd member 2");
  targets.push_back(TargetOf(*member2));
  (void)RunLoad(targets, ids, options.clients.front(),
                std::chrono::milliseconds(1000), true);
  for (size_t i = 0; i < options.clients.size(); ++i) {
    const int clients = options.clients[i];
    const LoadResult two = RunLoad(targets, ids, clients, duration, true);
    failed |= ReportErrors("provisioning, etcd, 2 members", two);
    std::printf(
        "provisioning on etcd (%s, 3 etcd members): 1 CAS member %.0f per "
        "second, ratio %.2f of SQLite's %.0f; 2 CAS members %.0f per second "
        "(p50 %.1f ms, p99 %.1f ms), ratio %.2f (%d clients)\n",
        options.store.c_str(), one[i], sqlite[i] > 0 ? one[i] / sqlite[i] : 0.0,
        sqlite[i], two.per_second, two.p50_ms, two.p99_ms,
        sqlite[i] > 0 ? two.per_second / sqlite[i] : 0.0, clients);
    std::fflush(stdout);
  }
  return !failed;
}

int Main(int argc, char** argv) {
  const Options options = ParseFlags(argc, argv);
  // The CAS logs every request at info level; that is not what is measured.
  SetLogLevel(LogLevel::kWarning);

  TempDir dir;
  las::testing::RunningLas las(dir.path());
  if (!las.ok()) {
    std::fprintf(stderr, "LAS: %s\n", las.status().ToString().c_str());
    return 1;
  }
  CasOptions cas_options = options.cas;
  cas_options.data_dir = dir.path() + "/cas";
  cas_options.listen = "127.0.0.1:0";
  cas_options.las_socket = las.socket();
  const std::unique_ptr<CasService> cas =
      OrDie(CasService::Start(std::move(cas_options)), "CAS");
  const Target target = TargetOf(*cas);
  const std::span<const Target> targets(&target, 1);

  const Identity owner = MakeIdentity(*cas);
  if (!CreateSession(target, owner, las)) return 1;
  const std::vector<Identity> ids = MakeIdentities(*cas, las);
  const std::string check = CallOnce(target, ids[0], true);
  if (!check.empty()) {
    std::fprintf(stderr, "provisioning: %s\n", check.c_str());
    return 1;
  }

  std::printf(
      "CAS with %d I/O thread(s) and %d handler threads; %d client "
      "identities; %d s per load; %u cores\n",
      options.cas.io_threads, options.cas.handler_threads, kIdentities,
      options.seconds, std::thread::hardware_concurrency());
  std::fflush(stdout);
  const std::chrono::milliseconds duration(options.seconds * 1000);
  // Warm-up: fills the verifier's and the sessions' caches, and the heap.
  (void)RunLoad(targets, ids, options.clients.front(),
                std::chrono::milliseconds(1000), true);

  bool failed = false;
  bool met = false;
  std::vector<double> sqlite;
  for (int clients : options.clients) {
    const LoadResult handshake =
        RunLoad(targets, ids, clients, duration, false);
    const LoadResult provision = RunLoad(targets, ids, clients, duration, true);
    failed |= ReportErrors("TLS handshake + /healthz", handshake);
    failed |= ReportErrors("provisioning", provision);
    sqlite.push_back(provision.per_second);
    std::printf(
        "provisioning: %.0f per second, p50 %.1f ms, p99 %.1f ms (%d "
        "clients); TLS handshake + /healthz alone: %.0f per second, p50 "
        "%.1f ms, p99 %.1f ms; ratio %.2f of the handshake rate\n",
        provision.per_second, provision.p50_ms, provision.p99_ms, clients,
        handshake.per_second, handshake.p50_ms, handshake.p99_ms,
        handshake.per_second > 0 ? provision.per_second / handshake.per_second
                                 : 0.0);
    std::printf(
        "  CPU per request, CAS + clients: provisioning %.2f + %.2f ms, "
        "handshake + /healthz %.2f + %.2f ms\n",
        provision.cpu_ms - provision.client_cpu_ms, provision.client_cpu_ms,
        handshake.cpu_ms - handshake.client_cpu_ms, handshake.client_cpu_ms);
    std::fflush(stdout);
    met |= provision.errors == 0 && provision.per_second >= kTargetPerSecond &&
           provision.p99_ms < kTargetP99Ms;
  }
  std::printf(
      "target (at least %.0f provisionings per second, p99 under %.0f "
      "ms): %s\n",
      kTargetPerSecond, kTargetP99Ms,
      met ? "met" : "NOT met at any number of clients");
  if (!options.store.empty()) {
    failed |= !CompareEtcd(options, dir, las, sqlite);
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace coffer::cas

int main(int argc, char** argv) {
  // Writes to closed sockets must fail with EPIPE, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return coffer::cas::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cas_provision_bench: internal error: %s\n", e.what());
    return 1;
  }
}

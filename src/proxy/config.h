// The proxy's configuration: one JSON file, which `coffer run` injects from
// the database session (templates/mariadb-scalable/dbsession.yml), so that
// its certificates, keys and masking rules come only from the CAS.
//
//   {
//     "listen": "127.0.0.1:3307",
//     "proxy_protocol_from": ["127.0.0.1"],        // optional
//     "tls": {"certificate": "proxy.crt", "key": "proxy.key",
//             "client_ca": "client-ca.crt"},
//     "backend": {"address": "127.0.0.1:3306", "ca": "ca.crt",
//                 "server_name": "127.0.0.1"},
//     "accounts": [{"subject": "CN=app", "user": "app",
//                   "certificate": "app.crt", "key": "app.key"}],
//     "masking_rules": "masking.json",              // optional
//     "io_threads": 1, "max_connections": 1024,     // optional
//     "monitor": {                                  // optional: replicas
//       "certificate": "monitor.crt", "key": "monitor.key",
//       "interval_ms": 500, "failover_after": 4, "max_lag_seconds": 10,
//       "auto_failover": true,
//       "replication": {"user": "replicator", "ca": "/srv/ca.crt",
//                       "certificate": "/srv/repl.crt",
//                       "key": "/srv/repl.key"},
//       "admins": ["CN=operator"],                  // optional: switchover
//       "lease_name": "coffer_monitor_3f0c..."},    // optional: secret
//     "causal_reads": false                         // optional
//   }
//
// Without "monitor", "backend.address" is the only server and always the
// primary. With it, that address is where the monitor starts: it finds the
// replicas from the primary (SHOW SLAVE HOSTS), elects the primary and
// fails over (monitor.h).
//
// Loading reads every file it names, so that a configuration that cannot
// be served stops the proxy at start, with the reason.
// Thread safety: immutable after loading.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "masking/rules.h"
#include "net/address.h"
#include "net/tls.h"

namespace coffer::proxy {

// A database account the proxy logs in as for clients whose certificate
// has `subject` (RFC 2253 form, "CN=app"), with its own certificate.
struct Account {
  std::string subject;
  std::string user;
  std::shared_ptr<const net::TlsContext> backend_tls;
};

// The monitor's settings (monitor.h). Paths are for Connector/C, which
// reads them itself; "replication"'s paths are on the database servers
// (CHANGE MASTER TO names them when the monitor repoints a replica).
struct MonitorConfig {
  bool enabled = false;
  std::string ca_path;
  std::string certificate_path;
  std::string key_path;
  int interval_ms = 500;
  // Consecutive failed checks of the primary before a failover.
  int failover_after = 4;
  // Replicas further behind get no reads.
  int max_lag_seconds = 10;
  bool auto_failover = true;
  std::string replication_user = "replicator";
  std::string replication_ca;
  std::string replication_certificate;
  std::string replication_key;
  // Client certificate subjects (RFC 2253, "CN=operator") that may ask
  // for a switchover on the proxy's HTTPS endpoint.
  std::vector<std::string> admins;
  // The user lock (GET_LOCK) the proxies of one deployment contend for.
  // Any account may take a user lock of a name it knows, so a deployment
  // should make it secret: a client holding it could keep every proxy from
  // the lease, and so from electing a primary.
  std::string lease_name = "coffer_monitor";
};

struct ProxyConfig {
  net::HostPort listen;
  // Peers (IP addresses) that must start each connection with a PROXY
  // protocol header (HAProxy's send-proxy-v2); others must not send one.
  std::vector<std::string> proxy_protocol_from;
  std::shared_ptr<const net::TlsContext> client_tls;  // server side
  net::HostPort backend;
  std::string backend_server_name;
  MonitorConfig monitor;
  // A read after a write in the same session waits on the replica for
  // that write (MASTER_GTID_WAIT) or goes to the primary.
  bool causal_reads = false;
  std::vector<Account> accounts;
  std::shared_ptr<const masking::RuleSet> rules;  // never null; may be empty
  // One thread relays fastest on 2 cores (docs/performance.md).
  int io_threads = 1;
  size_t max_connections = 1024;

  // The account for a client certificate's subject, or null.
  const Account* AccountForSubject(std::string_view subject) const;
};

// Parses the JSON text (`source` names it in errors) and loads every file
// it names. Relative paths are relative to `base_directory`. Failure:
// kInvalidArgument naming the key ("proxy.json: \"backend.address\": ..."),
// or the error of the file that could not be read or parsed.
StatusOr<ProxyConfig> LoadProxyConfig(std::string_view json_text,
                                      std::string_view source,
                                      const std::string& base_directory);
StatusOr<ProxyConfig> LoadProxyConfigFile(const std::string& path);

// The PEM files the configuration names (also the admin client's): a
// private key, a certificate chain (at least one), CA certificates as DER.
// Errors name the file.
StatusOr<crypto::PrivateKey> LoadKey(const std::string& path);
StatusOr<std::vector<crypto::Certificate>> LoadCertificates(
    const std::string& path);
StatusOr<std::vector<Bytes>> LoadCaDer(const std::string& path);

}  // namespace coffer::proxy

// The client of the proxies' admin requests (`coffer proxy switchover`):
// HTTPS to a proxy's endpoint (`coffer proxy serve --admin`) with a client
// certificate whose subject is one of the monitor's "admins". Only the
// proxy whose monitor holds the lease changes roles, so the request goes
// to each listed proxy in turn until one of them does it.
//
// Thread safety: stateless.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "net/address.h"

namespace coffer::proxy {

struct AdminCredentials {
  std::string ca_path;  // the CA of the proxy's server certificate
  std::string certificate_path;
  std::string key_path;
};

struct SwitchoverReply {
  std::string primary;   // HOST:PORT
  std::string previous;  // HOST:PORT
  double seconds = 0;    // writes refused meanwhile
};

// POST /v1/switchover. Failure: the error of the proxy that holds the
// lease (or of the last one asked), its message naming the proxy.
StatusOr<SwitchoverReply> RequestSwitchover(
    const std::vector<net::HostPort>& proxies,
    const std::optional<net::HostPort>& to,
    const AdminCredentials& credentials);

}  // namespace coffer::proxy

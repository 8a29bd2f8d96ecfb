// "HOST:PORT" addresses as users write them (--listen, --cas,
// $COFFER_CAS_ADDR): "127.0.0.1:8081", "localhost:8081", "[::1]:8081".
// Thread safety: pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer::net {

struct HostPort {
  std::string host;  // without IPv6 brackets
  uint16_t port = 0;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// kInvalidArgument "address \"X\" is not HOST:PORT (...)" for a missing or
// non-numeric port, a port above 65535, or an empty host.
StatusOr<HostPort> ParseHostPort(std::string_view address);

}  // namespace coffer::net

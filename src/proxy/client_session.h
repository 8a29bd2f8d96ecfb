// ClientSession: one client connection of the proxy, from its first byte to
// its close, as one coroutine on the connection's executor (tcp_server.h).
//
//   1. PROXY header, when the peer is a configured HAProxy address.
//   2. The proxy's greeting; the client must answer with an SSLRequest
//      (a plain-text login is refused with ERR 1045), then TLS with a
//      certificate from the client CA (verified by the TLS context).
//   3. The certificate's subject is mapped to a database account; the
//      login's user name must be that account (or empty).
//   4. A backend connection as that account: TLS with the account's own
//      certificate, the server's certificate verified against the
//      session's CA and name. The backend's answer to the login goes to
//      the client.
//   5. Commands, one at a time: the filter chain (masking) sees each
//      command and each reply packet; the session forwards what passes.
//      COM_CHANGE_USER must name the same account and is re-issued to the
//      backend by the proxy; the filters decide again.
//
// A backend that fails mid-command gives the client a clear error
// (ERR 2013-like 08S01) and ends the session; the proxy goes on serving
// others. A client that disconnects mid-result ends its backend
// connection.
#pragma once

#include <memory>

#include "net/tcp_server.h"
#include "proxy/config.h"
#include "proxy/monitor.h"
#include "proxy/proxy_metrics.h"

namespace coffer::proxy {

// What every session of one proxy shares; owned by ProxyServer.
struct ProxyShared {
  std::shared_ptr<const ProxyConfig> config;
  ProxyMetrics* metrics = nullptr;  // may be null
  Monitor* monitor = nullptr;       // never null once serving
};

// A served connection for TcpServer.
std::shared_ptr<net::ServedConnection> MakeClientSession(
    const ProxyShared& shared, boost::asio::ip::tcp::socket socket);

}  // namespace coffer::proxy

// HttpClient: a blocking HTTPS client for the CLI and the runtime.
//
//   COFFER_ASSIGN_OR_RETURN(auto client,
//       HttpClient::Connect("127.0.0.1", 8081, tls_context));
//   COFFER_ASSIGN_OR_RETURN(Response response,
//       client->Request("POST", "/v1/sessions", body));
//   COFFER_RETURN_IF_ERROR(StatusFromResponse(response));
//
// One client holds one TLS connection and reuses it (keep-alive). When the
// server closes it (after "Connection: close", an idle timeout, a drain),
// the next request connects again and checks that the server presents the
// same certificate as the first time. A request that fails because a
// reused connection was found closed is retried once on a new connection
// if its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS); a POST is
// never sent twice.
//
// Errors (the message names HOST:PORT):
//   kUnavailable       "cannot resolve HOST: ...", "cannot connect to
//                      127.0.0.1:8081: connection refused", a TLS handshake
//                      that fails for a reason other than verification,
//                      a connection lost or a malformed response
//   kUnauthenticated   "TLS handshake with 127.0.0.1:8081 failed: the
//                      server's certificate is not the pinned one" (or the
//                      public key, or a CA/host name verification reason);
//                      the server refused this client's certificate; the
//                      server's certificate changed between connections
//   kDeadlineExceeded  connect + handshake, or request + response, took
//                      longer than ClientOptions allows
//   kResourceExhausted the response is larger than max_response_bytes
//   kInvalidArgument   a bad method, target or content type
// An HTTP error status is not a client error: Request returns the Response
// and StatusFromResponse (http_message.h) turns it into a Status.
//
// Thread safety: a client is used by one thread at a time. Different
// clients are independent.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/status.h"
#include "net/http_message.h"
#include "net/tls.h"

namespace coffer::net {

struct ClientOptions {
  // TCP connect and TLS handshake together.
  std::chrono::milliseconds connect_timeout{10'000};
  // Writing a request and reading its whole response.
  std::chrono::milliseconds request_timeout{30'000};
  size_t max_response_bytes = 16 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;
};

class HttpClient {
 public:
  // Resolves `host`, connects and completes the TLS handshake. `tls` must
  // be a client context. For kCaAndHostName the context's host name is
  // checked; `host` is also sent as SNI when it is a name.
  static StatusOr<std::unique_ptr<HttpClient>> Connect(
      std::string host, uint16_t port, std::shared_ptr<const TlsContext> tls,
      ClientOptions options = {});

  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its response. `content_type` is sent only
  // with a non-empty body.
  StatusOr<Response> Request(std::string_view method, std::string_view target,
                             std::string_view body = {},
                             std::string_view content_type = kJsonContentType);

  // The server's leaf certificate (DER) and its identity (hex SHA-256 of
  // its SubjectPublicKeyInfo), from the first handshake.
  const Bytes& server_certificate_der() const;
  const std::string& server_identity() const;

  // "HOST:PORT" as given to Connect.
  std::string address() const;

  class Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::net

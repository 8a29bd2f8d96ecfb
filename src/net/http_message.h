// HTTP requests and responses as handlers and clients see them, and the
// JSON error convention of Coffer's APIs:
//
//   HTTP/1.1 404 Not Found
//   Content-Type: application/json
//
//   {"error": "not_found", "message": "session \"db\" does not exist"}
//
// `error` is a stable lower-case code (StatusCodeName for errors that come
// from a Status, or one of the server's own: "method_not_allowed",
// "payload_too_large", "unsupported_media_type", ...); `message` is for
// people.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "net/tls.h"

namespace coffer::net {

inline constexpr std::string_view kJsonContentType = "application/json";

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ... as sent (case-sensitive)
  std::string target;  // the raw request-target: "/v1/sessions?limit=10"
  std::string path;    // target up to '?', not percent-decoded
  std::string query;   // target after '?', without it; raw
  // For a prefix route ("/v1/sessions/"): the rest of `path` after the
  // prefix, never empty. For an exact route: "".
  std::string path_remainder;
  std::string content_type;  // the Content-Type header as sent, or ""
  HeaderList headers;        // names in lower case, in arrival order
  std::string body;
  // The client's TLS identity: SHA-256 of its public key and its leaf
  // certificate. The server requires a client certificate, so this is
  // never empty for requests that reach a handler.
  PeerIdentity peer;
  std::string remote_address;  // "127.0.0.1:50312", "[::1]:50312"

  // The first header named `name` (any case), if present.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type{kJsonContentType};
  std::string body;
  // Extra headers. Content-Length, Connection and (if content_type is not
  // empty) Content-Type are set by the server and must not appear here.
  HeaderList headers;

  // The first header named `name` (any case), if present.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// True when `content_type`'s media type is application/json (parameters
// such as "; charset=utf-8" allowed, any case).
bool IsJsonContentType(std::string_view content_type);

// A 200 (or `status`) response with a JSON body (already serialized).
Response JsonResponse(std::string json, int status = 200);

// {"error": code, "message": message} with `http_status`.
Response ErrorResponse(int http_status, std::string_view code,
                       std::string_view message);

// The error response for a non-OK `status`: HTTP status by code (400
// invalid_argument and out_of_range, 401 unauthenticated, 403
// permission_denied, 404 not_found, 409 already_exists and
// failed_precondition, 429 resource_exhausted, 501 unimplemented, 503
// unavailable, 504 deadline_exceeded, 500 otherwise). Internal and
// data-loss errors get the message "internal error": their text describes
// the server's insides, which a client has no business reading.
Response ErrorResponse(const Status& status);

// The HTTP status ErrorResponse(status) uses for `code`.
int HttpStatusFor(StatusCode code);

// The reason phrase of an HTTP status, "" if unknown.
std::string_view HttpReason(int http_status);

// For clients: OK for a 2xx response; otherwise a Status carrying the
// server's JSON error ("not_found: session \"db\" does not exist" becomes
// NotFoundError with that message). A body that is not Coffer's JSON error
// gives a code derived from the HTTP status and a message that names it:
// "HTTP 502 Bad Gateway".
Status StatusFromResponse(const Response& response);

}  // namespace coffer::net

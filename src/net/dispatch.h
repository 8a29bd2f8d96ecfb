// What the server does with a parsed request: route it, enforce the route's
// options, run the handler, and turn every failure into a JSON error; then
// log one access line. Free of Asio and Beast, so that it is tested without
// a network.
//
// Thread safety: pure functions of their arguments (Dispatch calls the
// handler, which must be thread-safe, see router.h).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "net/router.h"

namespace coffer::net {

struct DispatchResult {
  Response response;
  // The route label for metrics and logs (Route::label), "unmatched" for a
  // 404 from the router.
  std::string route;
};

// Never throws. Sets request.path_remainder for prefix routes.
//   no route for the path          404 not_found
//   no route for the method        405 method_not_allowed, with Allow
//   require_json, other type       415 unsupported_media_type
//   no client identity             401 unauthenticated
//   handler returns an error       ErrorResponse(status)
//   handler throws                 500 internal (the exception's text is
//                                  neither sent nor logged: it may quote
//                                  request bytes, e.g. a JSON parser's)
DispatchResult Dispatch(const Router& router, Request& request);

struct AccessRecord {
  std::string_view method;
  std::string_view path;
  std::string_view route;
  int status = 0;
  std::chrono::nanoseconds latency{0};
  std::string_view identity;  // SPKI SHA-256 hex; logged as a 16-digit prefix
  std::string_view remote_address;
};

// One info line: msg="http request" method=.. path=.. status=..
// latency_us=.. identity=<16 hex> remote=... Never bodies or queries (a
// query may carry a token).
void LogAccess(const AccessRecord& record);

}  // namespace coffer::net

// Router: maps a method and a path to a handler.
//
// Two kinds of route:
//   Add("GET", "/v1/sessions", ...)         the exact path only
//   AddPrefix("GET", "/v1/sessions/", ...)  any longer path under the prefix;
//                                           the rest goes to the handler as
//                                           Request::path_remainder
// Among the routes for the request's method, lookup prefers an exact route,
// then the longest prefix. A path that some route matches, but none with the
// request's method, is "method not allowed" (405, with the allowed methods);
// a path no route matches is "not found" (404).
//
// A handler returns a Response (any status it likes) or an error Status,
// which the server turns into ErrorResponse(status). Handlers must not
// throw; if one does, the server answers 500 and logs that it threw.
//
// Thread safety: build the router on one thread, then hand it to the
// server; Find() is const and may be called concurrently. Handlers run
// concurrently on the server's handler threads (see http_server.h) and must
// be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "net/http_message.h"

namespace coffer::net {

using Handler = std::function<StatusOr<Response>(const Request&)>;

struct RouteOptions {
  // Refuse requests whose Content-Type is not application/json with 415
  // before the handler runs.
  bool require_json = false;
};

struct Route {
  std::string method;
  std::string pattern;  // the exact path, or the prefix (ending in '/')
  bool is_prefix = false;
  Handler handler;
  RouteOptions options;

  // How metrics and logs name the route: the exact path, or the prefix
  // followed by '*' ("/v1/sessions/*").
  std::string label;
};

class Router {
 public:
  // Failure: kInvalidArgument for an empty method, a path that does not
  // start with '/', a prefix that does not end with '/', or a null
  // handler; kAlreadyExists for a second route with the same method and
  // pattern.
  Status Add(std::string method, std::string path, Handler handler,
             RouteOptions options = {});
  Status AddPrefix(std::string method, std::string prefix, Handler handler,
                   RouteOptions options = {});

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    const Route* route = nullptr;     // kFound: borrowed from the router
    std::string_view path_remainder;  // kFound with a prefix route
    std::string allowed_methods;      // kMethodNotAllowed: "GET, POST"
  };
  // `path` is borrowed by the returned path_remainder.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  Status AddRoute(Route route);

  // Stable addresses: Match hands out pointers.
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace coffer::net

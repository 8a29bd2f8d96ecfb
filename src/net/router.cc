#include "net/router.h"

#include <algorithm>

namespace coffer::net {

Status Router::Add(std::string method, std::string path, Handler handler,
                   RouteOptions options) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(path);
  route.label = route.pattern;
  route.handler = std::move(handler);
  route.options = options;
  return AddRoute(std::move(route));
}

Status Router::AddPrefix(std::string method, std::string prefix,
                         Handler handler, RouteOptions options) {
  if (prefix.empty() || prefix.back() != '/') {
    return InvalidArgumentError("route prefix \"" + prefix +
                                "\" does not end with '/'");
  }
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(prefix);
  route.is_prefix = true;
  route.label = route.pattern + "*";
  route.handler = std::move(handler);
  route.options = options;
  return AddRoute(std::move(route));
}

Status Router::AddRoute(Route route) {
  const std::string name = route.method + " " + route.label;
  if (route.method.empty()) {
    return InvalidArgumentError("route \"" + route.pattern +
                                "\": empty method");
  }
  if (route.pattern.empty() || route.pattern.front() != '/') {
    return InvalidArgumentError("route \"" + name +
                                "\": the path does not start with '/'");
  }
  if (!route.handler) {
    return InvalidArgumentError("route \"" + name + "\": no handler");
  }
  for (const auto& existing : routes_) {
    if (existing->method == route.method &&
        existing->pattern == route.pattern &&
        existing->is_prefix == route.is_prefix) {
      return AlreadyExistsError("route \"" + name + "\" is already registered");
    }
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  return OkStatus();
}

Router::Match Router::Find(std::string_view method,
                           std::string_view path) const {
  // Linear: a service has a few dozen routes at most, and the scan is
  // cheaper than the TLS record that carried the request.
  const Route* best = nullptr;
  std::vector<std::string_view> allowed;
  for (const auto& route : routes_) {
    const bool matches = route->is_prefix
                             ? path.size() > route->pattern.size() &&
                                   path.starts_with(route->pattern)
                             : path == route->pattern;
    if (!matches) continue;
    allowed.push_back(route->method);
    if (route->method != method) continue;
    // An exact route beats any prefix; a longer prefix beats a shorter one.
    if (best == nullptr ||
        (best->is_prefix &&
         (!route->is_prefix || route->pattern.size() > best->pattern.size()))) {
      best = route.get();
    }
  }
  Match match;
  if (best != nullptr) {
    match.kind = Match::Kind::kFound;
    match.route = best;
    if (best->is_prefix) {
      match.path_remainder = path.substr(best->pattern.size());
    }
    return match;
  }
  if (allowed.empty()) return match;
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  match.kind = Match::Kind::kMethodNotAllowed;
  for (std::string_view m : allowed) {
    if (!match.allowed_methods.empty()) match.allowed_methods += ", ";
    match.allowed_methods += m;
  }
  return match;
}

}  // namespace coffer::net

#include "net/dispatch.h"

#include <exception>

#include "common/log.h"

namespace coffer::net {

DispatchResult Dispatch(const Router& router, Request& request) {
  const Router::Match match = router.Find(request.method, request.path);
  switch (match.kind) {
    case Router::Match::Kind::kNotFound:
      return {ErrorResponse(404, "not_found",
                            "no resource at \"" + request.path + "\""),
              "unmatched"};
    case Router::Match::Kind::kMethodNotAllowed: {
      DispatchResult result{
          ErrorResponse(405, "method_not_allowed",
                        "\"" + request.path + "\" does not accept " +
                            request.method + "; it accepts " +
                            match.allowed_methods),
          "unmatched"};
      result.response.headers.emplace_back("Allow", match.allowed_methods);
      return result;
    }
    case Router::Match::Kind::kFound: break;
  }
  const Route& route = *match.route;
  request.path_remainder = std::string(match.path_remainder);
  if (request.peer.empty()) {
    return {ErrorResponse(401, "unauthenticated",
                          "a client certificate is required"),
            route.label};
  }
  if (route.options.require_json && !IsJsonContentType(request.content_type)) {
    return {ErrorResponse(415, "unsupported_media_type",
                          "the body must be application/json, not \"" +
                              request.content_type + "\""),
            route.label};
  }
  try {
    StatusOr<Response> response = route.handler(request);
    if (!response.ok()) {
      const Status& status = response.status();
      if (status.code() == StatusCode::kInternal ||
          status.code() == StatusCode::kDataLoss) {
        // The client gets "internal error"; the operator gets the detail.
        Log(LogLevel::kError, "handler failed",
            {{"route", route.label}, {"error", status.ToString()}});
      }
      return {ErrorResponse(status), route.label};
    }
    return {std::move(response).value(), route.label};
  } catch (...) {
    Log(LogLevel::kError, "handler threw an exception",
        {{"route", route.label}});
    return {ErrorResponse(500, "internal", "internal error"), route.label};
  }
}

void LogAccess(const AccessRecord& record) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(record.latency)
          .count();
  Log(LogLevel::kInfo, "http request",
      {{"method", record.method},
       {"path", record.path},
       {"route", record.route},
       {"status", record.status},
       {"latency_us", static_cast<int64_t>(micros)},
       {"identity", record.identity.substr(0, 16)},
       {"remote", record.remote_address}});
}

}  // namespace coffer::net

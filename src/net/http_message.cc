#include "net/http_message.h"

#include <nlohmann/json.hpp>

namespace coffer::net {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> FindHeader(const HeaderList& headers,
                                           std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kFailedPrecondition;
    case 413:
    case 429: return StatusCode::kResourceExhausted;
    case 501: return StatusCode::kUnimplemented;
    case 502:
    case 503: return StatusCode::kUnavailable;
    case 504: return StatusCode::kDeadlineExceeded;
    default:
      return http_status >= 400 && http_status < 500
                 ? StatusCode::kInvalidArgument
                 : StatusCode::kInternal;
  }
}

std::optional<StatusCode> CodeByName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(StatusCode::kInternal); ++i) {
    const auto code = static_cast<StatusCode>(i);
    if (code != StatusCode::kOk && StatusCodeName(code) == name) return code;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

bool IsJsonContentType(std::string_view content_type) {
  return EqualsIgnoreCase(Trim(content_type.substr(0, content_type.find(';'))),
                          kJsonContentType);
}

Response JsonResponse(std::string json, int status) {
  Response response;
  response.status = status;
  response.body = std::move(json);
  return response;
}

Response ErrorResponse(int http_status, std::string_view code,
                       std::string_view message) {
  // nlohmann::json escapes control characters and quotes; replacing invalid
  // UTF-8 keeps a message quoting untrusted bytes from making dump() throw.
  nlohmann::json body = {{"error", code}, {"message", message}};
  return JsonResponse(
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      http_status);
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& status) {
  const bool hide = status.code() == StatusCode::kInternal ||
                    status.code() == StatusCode::kDataLoss;
  return ErrorResponse(HttpStatusFor(status.code()),
                       StatusCodeName(status.code()),
                       hide ? std::string_view("internal error")
                            : std::string_view(status.message()));
}

std::string_view HttpReason(int http_status) {
  switch (http_status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

Status StatusFromResponse(const Response& response) {
  if (response.status >= 200 && response.status < 300) return OkStatus();
  if (IsJsonContentType(response.content_type)) {
    const nlohmann::json body = nlohmann::json::parse(
        response.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_object() && body.contains("error") &&
        body["error"].is_string() && body.contains("message") &&
        body["message"].is_string()) {
      const std::string name = body["error"].get<std::string>();
      const StatusCode code =
          CodeByName(name).value_or(CodeForHttpStatus(response.status));
      return Status(code, body["message"].get<std::string>());
    }
  }
  std::string message = "HTTP " + std::to_string(response.status);
  if (const std::string_view reason = HttpReason(response.status);
      !reason.empty()) {
    message += " ";
    message += reason;
  }
  return Status(CodeForHttpStatus(response.status), std::move(message));
}

}  // namespace coffer::net

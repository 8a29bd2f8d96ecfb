// Errors as values, in the style of abseil's Status and StatusOr.
//
// Every function that can fail on untrusted input returns Status or
// StatusOr<T>. Nothing outside main() throws across a part's boundary.
// A message says what failed, on what input, and why; the code is the most
// specific one that fits, because callers (the CLI's exit codes, the CAS's
// HTTP statuses) branch on it.
//
// Thread safety: values; copying and moving are safe like any value type.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace coffer {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the input is malformed or breaks a rule
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a create met an existing name
  kPermissionDenied,    // the caller is known but not allowed
  kUnauthenticated,     // the caller (or a signature) could not be verified
  kFailedPrecondition,  // the state does not allow this now (stale hash, ...)
  kOutOfRange,          // a value is outside what is accepted (sizes, dates)
  kDataLoss,            // stored data is corrupt or cannot be decrypted
  kUnavailable,         // a peer or resource cannot be reached; retry may help
  kDeadlineExceeded,
  kResourceExhausted,  // a limit (size, count) was hit
  kUnimplemented,
  kInternal,  // a bug or an unexpected library failure
};

// Returns a stable lower-case name for the code, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: MESSAGE", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "CONTEXT: MESSAGE", keeping the code.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status UnauthenticatedError(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status OutOfRangeError(std::string m) {
  return {StatusCode::kOutOfRange, std::move(m)};
}
inline Status DataLossError(std::string m) {
  return {StatusCode::kDataLoss, std::move(m)};
}
inline Status UnavailableError(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status UnimplementedError(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}
inline Status InternalError(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

// Either a value or a non-OK Status. Accessing the value of an error is a
// bug and aborts (assert in debug builds, std::get's exception otherwise).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const Status& status) : data_(status) { CheckNotOk(); }
  StatusOr(Status&& status) : data_(std::move(status)) { CheckNotOk(); }
  StatusOr(const T& value) : data_(value) {}
  StatusOr(T&& value) : data_(std::move(value)) {}
  // Converts values of other types (a string literal for a std::string).
  // The constraint keeps it from hiding the copy and move constructors.
  // NOLINTBEGIN(bugprone-forwarding-reference-overload)
  template <typename U>
  requires(std::is_constructible_v<T, U&&> &&
           !std::is_same_v<std::remove_cvref_t<U>, T> &&
           !std::is_same_v<std::remove_cvref_t<U>, Status> &&
           !std::is_same_v<std::remove_cvref_t<U>, StatusOr>)
      StatusOr(U&& value)
      : data_(T(std::forward<U>(value))) {}
  // NOLINTEND(bugprone-forwarding-reference-overload)

  bool ok() const { return std::holds_alternative<T>(data_); }

  Status status() const { return ok() ? OkStatus() : std::get<Status>(data_); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void CheckNotOk() const {
    assert(!std::get<Status>(data_).ok() && "StatusOr built from OkStatus");
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "StatusOr built from OkStatus");
    }
  }

  mutable std::variant<Status, T> data_;
};

}  // namespace coffer

#define COFFER_STATUS_CONCAT_INNER(a, b) a##b
#define COFFER_STATUS_CONCAT(a, b) COFFER_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the calling function if it is not OK.
#define COFFER_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::coffer::Status coffer_status_ = (expr);        \
    if (!coffer_status_.ok()) return coffer_status_; \
  } while (false)

// Evaluates `rexpr` (a StatusOr); on error returns its Status, otherwise
// moves the value into `lhs` (which may be a declaration: `auto x`, so it
// cannot be parenthesized).
// NOLINTBEGIN(bugprone-macro-parentheses)
#define COFFER_ASSIGN_OR_RETURN(lhs, rexpr) \
  COFFER_ASSIGN_OR_RETURN_IMPL(             \
      COFFER_STATUS_CONCAT(coffer_statusor_, __LINE__), lhs, rexpr)
#define COFFER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

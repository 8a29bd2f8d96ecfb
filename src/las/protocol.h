// The LAS wire protocol: length-prefixed JSON over a Unix stream socket.
//
// Frame: a u32 big-endian length N (1 <= N <= the limit), then N bytes of
// one JSON object. A request frame may carry one file descriptor with it
// (SCM_RIGHTS): the program to measure. A connection carries any number of
// request/response pairs in turn; after a framing error (bad length,
// deadline) the server answers if it can and closes the connection, since
// the byte stream can no longer be trusted to be in step.
//
// Requests:
//   {"op": "platform-id"}
//   {"op": "quote", "report_data": HEX}   1..64 bytes; [+ program fd]
//   {"op": "seal-key"}                    [+ program fd]
// Responses:
//   {"ok": true, "platform_id": HEX64}
//   {"ok": true, "quote": HEX, "mr_enclave": HEX64, "mr_signer": HEX64,
//    "platform_id": HEX64}
//   {"ok": true, "seal_key": HEX64, "mr_enclave": HEX64}
//   {"ok": false, "error": CODE, "message": TEXT}   CODE: StatusCodeName
//
// Thread safety: functions may be called from any thread; a socket is used
// by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "las/unique_fd.h"

namespace coffer::las {

inline constexpr size_t kMaxRequestSize = 64u << 10;
inline constexpr size_t kMaxResponseSize = 1u << 20;
inline constexpr size_t kMaxReportDataSize = 64;

using Deadline = std::chrono::steady_clock::time_point;

struct Frame {
  std::string body;
  std::vector<UniqueFd> fds;  // descriptors that came with it, in order
};

// Reads one frame. nullopt when the peer closed the connection cleanly
// before a new frame. Failure: kInvalidArgument for a zero length,
// kResourceExhausted for a length above `max_size` (checked before any
// allocation), kDeadlineExceeded, kUnavailable for a connection closed
// mid-frame or a socket error.
StatusOr<std::optional<Frame>> ReadFrame(int socket, size_t max_size,
                                         Deadline deadline);

// Writes one frame, passing `fd` with it unless it is negative.
// Failure: kDeadlineExceeded, kUnavailable.
Status WriteFrame(int socket, std::string_view body, int fd, Deadline deadline);

struct Request {
  enum class Op { kPlatformId, kQuote, kSealKey };
  Op op = Op::kPlatformId;
  Bytes report_data;  // kQuote only
};

std::string EncodeRequest(const Request& request);
// Failure: kInvalidArgument naming the field at fault (not JSON, no "op",
// unknown op, report data not hex or outside 1..64 bytes).
StatusOr<Request> ParseRequest(std::string_view body);

// Response fields are strings. Success responses add "ok": true.
using ResponseFields = std::map<std::string, std::string>;
std::string EncodeResponse(const ResponseFields& fields);
std::string EncodeErrorResponse(const Status& status);
// The string fields of a success response, or the error it carries as a
// Status with the server's code and message. A response that is not valid
// is kUnavailable (the LAS cannot be trusted to be what we talk to).
StatusOr<ResponseFields> ParseResponse(std::string_view body);

}  // namespace coffer::las

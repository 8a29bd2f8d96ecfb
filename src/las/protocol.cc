#include "las/protocol.h"

#include <openssl/crypto.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/files.h"

namespace coffer::las {
namespace {

constexpr size_t kHeaderSize = 4;
// Room for a few descriptors, so that a client sending more than one is
// seen doing so (and refused) rather than having them silently dropped.
constexpr size_t kMaxFdsPerRead = 4;

// Waits until `socket` is ready for `events` or the deadline passes.
Status WaitFor(int socket, short events, Deadline deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status(StatusCode::kDeadlineExceeded,
                    "the peer took too long to send or receive a message");
    }
    pollfd entry{socket, events, 0};
    const int n = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (n > 0) return OkStatus();
    if (n < 0 && errno != EINTR) {
      return UnavailableError("poll: " + ErrnoText(errno));
    }
  }
}

// Takes ownership of every descriptor in the control messages of `msg`.
void CollectFds(msghdr& msg, std::vector<UniqueFd>& fds) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.emplace_back(fd);
    }
  }
}

// Reads exactly `out.size()` bytes. Returns false on a clean end of stream
// before the first byte.
StatusOr<bool> ReadExactly(int socket, std::span<uint8_t> out,
                           std::vector<UniqueFd>& fds, Deadline deadline) {
  size_t done = 0;
  while (done < out.size()) {
    COFFER_RETURN_IF_ERROR(WaitFor(socket, POLLIN, deadline));
    iovec io{out.data() + done, out.size() - done};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFdsPerRead)>
        control{};
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return UnavailableError("receive: " + ErrnoText(errno));
    CollectFds(msg, fds);
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
      return InvalidArgumentError(
          "a request may carry one file descriptor, it carried more");
    }
    if (n == 0) {
      if (done == 0) return false;
      return UnavailableError(
          "the connection closed in the middle of a message");
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// The code of an error response; an unknown name (a newer LAS) is
// kUnavailable, never kOk.
StatusCode CodeFromName(std::string_view name) {
  for (int i = 1; i <= static_cast<int>(StatusCode::kInternal); ++i) {
    const auto code = static_cast<StatusCode>(i);
    if (StatusCodeName(code) == name) return code;
  }
  return StatusCode::kUnavailable;
}

std::string_view OpName(Request::Op op) {
  switch (op) {
    case Request::Op::kPlatformId: return "platform-id";
    case Request::Op::kQuote: return "quote";
    case Request::Op::kSealKey: return "seal-key";
  }
  return "";
}

}  // namespace

StatusOr<std::optional<Frame>> ReadFrame(int socket, size_t max_size,
                                         Deadline deadline) {
  Frame frame;
  std::array<uint8_t, kHeaderSize> header{};
  COFFER_ASSIGN_OR_RETURN(bool started,
                          ReadExactly(socket, header, frame.fds, deadline));
  if (!started) return std::optional<Frame>();
  const uint32_t length = (uint32_t{header[0]} << 24) |
                          (uint32_t{header[1]} << 16) |
                          (uint32_t{header[2]} << 8) | uint32_t{header[3]};
  if (length == 0) return InvalidArgumentError("empty message (length 0)");
  if (length > max_size) {
    return ResourceExhaustedError("message of " + std::to_string(length) +
                                  " bytes is larger than the limit of " +
                                  std::to_string(max_size));
  }
  frame.body.resize(length);
  std::span<uint8_t> body(reinterpret_cast<uint8_t*>(frame.body.data()),
                          frame.body.size());
  COFFER_ASSIGN_OR_RETURN(bool complete,
                          ReadExactly(socket, body, frame.fds, deadline));
  if (!complete) {
    return UnavailableError("the connection closed in the middle of a message");
  }
  return std::optional<Frame>(std::move(frame));
}

Status WriteFrame(int socket, std::string_view body, int fd,
                  Deadline deadline) {
  const auto length = static_cast<uint32_t>(body.size());
  std::string data = {
      static_cast<char>(length >> 24), static_cast<char>(length >> 16),
      static_cast<char>(length >> 8), static_cast<char>(length)};
  data += body;
  size_t done = 0;
  while (done < data.size()) {
    COFFER_RETURN_IF_ERROR(WaitFor(socket, POLLOUT, deadline));
    iovec io{data.data() + done, data.size() - done};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    if (done == 0 && fd >= 0) {
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    const ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return UnavailableError("send: " + ErrnoText(errno));
    done += static_cast<size_t>(n);
  }
  // The body may hold a seal key.
  OPENSSL_cleanse(data.data(), data.size());
  return OkStatus();
}

std::string EncodeRequest(const Request& request) {
  nlohmann::json json = {{"op", OpName(request.op)}};
  if (request.op == Request::Op::kQuote) {
    json["report_data"] = HexEncode(request.report_data);
  }
  return json.dump();
}

StatusOr<Request> ParseRequest(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return InvalidArgumentError("the request is not a JSON object");
  }
  const auto op = json.find("op");
  if (op == json.end() || !op->is_string()) {
    return InvalidArgumentError("the request has no \"op\" string");
  }
  const auto& name = op->get_ref<const std::string&>();
  Request request;
  if (name == OpName(Request::Op::kPlatformId)) {
    request.op = Request::Op::kPlatformId;
  } else if (name == OpName(Request::Op::kSealKey)) {
    request.op = Request::Op::kSealKey;
  } else if (name == OpName(Request::Op::kQuote)) {
    request.op = Request::Op::kQuote;
    const auto data = json.find("report_data");
    if (data == json.end() || !data->is_string()) {
      return InvalidArgumentError(
          "a quote request needs \"report_data\", a hex string");
    }
    StatusOr<Bytes> bytes = HexDecode(data->get_ref<const std::string&>());
    if (!bytes.ok()) {
      return bytes.status().WithContext("\"report_data\"");
    }
    if (bytes->empty() || bytes->size() > kMaxReportDataSize) {
      return InvalidArgumentError(
          "\"report_data\" must be 1 to 64 bytes, it is " +
          std::to_string(bytes->size()));
    }
    request.report_data = std::move(bytes).value();
  } else {
    return InvalidArgumentError("unknown op \"" + name.substr(0, 64) +
                                "\"; the LAS knows platform-id, quote and "
                                "seal-key");
  }
  return request;
}

std::string EncodeResponse(const ResponseFields& fields) {
  nlohmann::json json = {{"ok", true}};
  for (const auto& [key, value] : fields) json[key] = value;
  std::string text = json.dump();
  // The JSON object's copies of the values (a seal key) go with it.
  for (auto& [key, value] : json.items()) {
    if (!value.is_string()) continue;
    auto& s = value.get_ref<std::string&>();
    OPENSSL_cleanse(s.data(), s.size());
  }
  return text;
}

std::string EncodeErrorResponse(const Status& status) {
  const nlohmann::json json = {{"ok", false},
                               {"error", StatusCodeName(status.code())},
                               {"message", status.message()}};
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<ResponseFields> ParseResponse(std::string_view body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  const auto ok = json.is_object() ? json.find("ok") : json.end();
  if (json.is_discarded() || !json.is_object() || ok == json.end() ||
      !ok->is_boolean()) {
    return UnavailableError("the LAS sent a response that is not valid");
  }
  if (!ok->get<bool>()) {
    const auto error = json.find("error");
    const auto message = json.find("message");
    if (error == json.end() || !error->is_string() || message == json.end() ||
        !message->is_string()) {
      return UnavailableError(
          "the LAS sent an error response that is not valid");
    }
    return Status(CodeFromName(error->get_ref<const std::string&>()),
                  message->get_ref<const std::string&>());
  }
  ResponseFields fields;
  for (auto& [key, value] : json.items()) {
    if (!value.is_string()) continue;
    auto& text = value.get_ref<std::string&>();
    fields[key] = text;
    OPENSSL_cleanse(text.data(), text.size());
  }
  return fields;
}

}  // namespace coffer::las

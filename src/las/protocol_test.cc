#include "las/protocol.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <thread>

namespace coffer::las {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

Deadline Soon(int ms = 2000) { return steady_clock::now() + milliseconds(ms); }

struct SocketPair {
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    a.Reset(fds[0]);
    b.Reset(fds[1]);
  }
  UniqueFd a;
  UniqueFd b;
};

void SendRaw(int socket, std::string_view bytes) {
  ASSERT_EQ(::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

TEST(FrameTest, RoundTripWithADescriptor) {
  SocketPair pair;
  UniqueFd file(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(
      WriteFrame(pair.a.get(), "{\"op\":\"x\"}", file.get(), Soon()).ok());
  StatusOr<std::optional<Frame>> frame =
      ReadFrame(pair.b.get(), kMaxRequestSize, Soon());
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  ASSERT_TRUE(frame->has_value());
  EXPECT_EQ((*frame)->body, "{\"op\":\"x\"}");
  ASSERT_EQ((*frame)->fds.size(), 1u);
  struct stat got {};
  struct stat want {};
  ASSERT_EQ(::fstat((*frame)->fds[0].get(), &got), 0);
  ASSERT_EQ(::fstat(file.get(), &want), 0);
  EXPECT_EQ(got.st_ino, want.st_ino);
  EXPECT_NE(::fcntl((*frame)->fds[0].get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(FrameTest, CleanCloseIsNoFrame) {
  SocketPair pair;
  pair.a.Reset();
  StatusOr<std::optional<Frame>> frame =
      ReadFrame(pair.b.get(), kMaxRequestSize, Soon());
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->has_value());
}

TEST(FrameTest, SplitAtEveryByte) {
  const std::string body = "{\"op\":\"platform-id\"}";
  std::string wire = {0, 0, 0, static_cast<char>(body.size())};
  wire += body;
  for (size_t split = 1; split < wire.size(); ++split) {
    SocketPair pair;
    SendRaw(pair.a.get(), wire.substr(0, split));
    std::thread rest([&] {
      std::this_thread::sleep_for(milliseconds(2));
      SendRaw(pair.a.get(), wire.substr(split));
    });
    StatusOr<std::optional<Frame>> frame =
        ReadFrame(pair.b.get(), kMaxRequestSize, Soon());
    rest.join();
    ASSERT_TRUE(frame.ok() && frame->has_value()) << "split " << split;
    EXPECT_EQ((*frame)->body, body);
  }
}

TEST(FrameTest, BadLengthsAndTruncation) {
  {
    SocketPair pair;
    SendRaw(pair.a.get(), std::string("\0\0\0\0", 4));
    EXPECT_EQ(ReadFrame(pair.b.get(), kMaxRequestSize, Soon()).status(),
              InvalidArgumentError("empty message (length 0)"));
  }
  {
    SocketPair pair;
    SendRaw(pair.a.get(), "\xff\xff\xff\xff");
    EXPECT_EQ(ReadFrame(pair.b.get(), kMaxRequestSize, Soon()).status(),
              ResourceExhaustedError("message of 4294967295 bytes is larger "
                                     "than the limit of 65536"));
  }
  {
    SocketPair pair;
    SendRaw(pair.a.get(), std::string("\0\0\0\x09{\"op\"", 9));
    pair.a.Reset();
    EXPECT_EQ(ReadFrame(pair.b.get(), kMaxRequestSize, Soon()).status().code(),
              StatusCode::kUnavailable);
  }
  {
    SocketPair pair;
    SendRaw(pair.a.get(), std::string("\0\0", 2));
    EXPECT_EQ(
        ReadFrame(pair.b.get(), kMaxRequestSize, Soon(50)).status().code(),
        StatusCode::kDeadlineExceeded);
  }
}

TEST(RequestTest, RoundTrip) {
  for (const Request& request :
       {Request{Request::Op::kPlatformId, {}},
        Request{Request::Op::kSealKey, {}},
        Request{Request::Op::kQuote, Bytes{0xab, 0xcd}}}) {
    StatusOr<Request> parsed = ParseRequest(EncodeRequest(request));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->op, request.op);
    EXPECT_EQ(parsed->report_data, request.report_data);
  }
}

TEST(RequestTest, BadRequestsSayWhatIsWrong) {
  EXPECT_EQ(ParseRequest("garbage").status(),
            InvalidArgumentError("the request is not a JSON object"));
  EXPECT_EQ(ParseRequest("[1]").status(),
            InvalidArgumentError("the request is not a JSON object"));
  EXPECT_EQ(ParseRequest("{\"op\":1}").status(),
            InvalidArgumentError("the request has no \"op\" string"));
  EXPECT_NE(ParseRequest("{\"op\":\"format-disk\"}")
                .status()
                .message()
                .find("unknown op \"format-disk\""),
            std::string::npos);
  EXPECT_EQ(ParseRequest("{\"op\":\"quote\"}").status(),
            InvalidArgumentError(
                "a quote request needs \"report_data\", a hex string"));
  StatusOr<Request> bad_hex =
      ParseRequest("{\"op\":\"quote\",\"report_data\":\"zz\"}");
  EXPECT_EQ(bad_hex.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bad_hex.status().message().starts_with("\"report_data\": "))
      << bad_hex.status().ToString();
  EXPECT_EQ(
      ParseRequest("{\"op\":\"quote\",\"report_data\":\"\"}").status(),
      InvalidArgumentError("\"report_data\" must be 1 to 64 bytes, it is 0"));
  const std::string long_data =
      "{\"op\":\"quote\",\"report_data\":\"" + std::string(130, 'a') + "\"}";
  EXPECT_EQ(
      ParseRequest(long_data).status(),
      InvalidArgumentError("\"report_data\" must be 1 to 64 bytes, it is 65"));
}

TEST(ResponseTest, FieldsAndErrors) {
  StatusOr<ResponseFields> fields =
      ParseResponse(EncodeResponse({{"platform_id", "ab"}}));
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->at("platform_id"), "ab");

  EXPECT_EQ(ParseResponse(
                EncodeErrorResponse(PermissionDeniedError("peer is not ...")))
                .status(),
            PermissionDeniedError("peer is not ..."));
  EXPECT_EQ(ParseResponse("{\"ok\":false,\"error\":\"ok\",\"message\":\"m\"}")
                .status()
                .code(),
            StatusCode::kUnavailable)
      << "an error can never read as success";
  EXPECT_EQ(ParseResponse("nonsense").status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(ParseResponse("{\"ok\":\"yes\"}").status().code(),
            StatusCode::kUnavailable);
}

TEST(ResponseTest, InvalidUtf8InMessagesIsReplaced) {
  const std::string body =
      EncodeErrorResponse(InvalidArgumentError("bad \xff byte"));
  StatusOr<ResponseFields> parsed = ParseResponse(body);
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::las

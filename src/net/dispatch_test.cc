#include "net/dispatch.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/log.h"

namespace coffer::net {
namespace {

Request MakeRequest(std::string method, std::string path,
                    std::string content_type = "application/json") {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.target = request.path;
  request.content_type = std::move(content_type);
  request.peer.spki_sha256_hex = std::string(64, 'a');
  return request;
}

Router TestRouter() {
  Router router;
  EXPECT_TRUE(router
                  .Add("POST", "/json",
                       [](const Request& r) -> StatusOr<Response> {
                         return JsonResponse(r.body, 201);
                       },
                       {.require_json = true})
                  .ok());
  EXPECT_TRUE(router
                  .AddPrefix("GET", "/items/",
                             [](const Request& r) -> StatusOr<Response> {
                               if (r.path_remainder == "missing") {
                                 return NotFoundError(
                                     "item \"missing\" does "
                                     "not exist");
                               }
                               if (r.path_remainder == "broken") {
                                 return InternalError("sqlite: disk I/O error");
                               }
                               if (r.path_remainder == "throws") {
                                 throw std::runtime_error("secret detail");
                               }
                               return JsonResponse("\"" + r.path_remainder +
                                                   "\"");
                             })
                  .ok());
  return router;
}

TEST(DispatchTest, RunsTheHandlerWithTheRemainder) {
  const Router router = TestRouter();
  Request request = MakeRequest("GET", "/items/42");
  const DispatchResult result = Dispatch(router, request);
  EXPECT_EQ(result.response.status, 200);
  EXPECT_EQ(result.response.body, "\"42\"");
  EXPECT_EQ(result.route, "/items/*");
  EXPECT_EQ(request.path_remainder, "42");
}

TEST(DispatchTest, UnknownPathIs404Json) {
  Request request = MakeRequest("GET", "/nothing");
  const DispatchResult result = Dispatch(TestRouter(), request);
  EXPECT_EQ(result.response.status, 404);
  EXPECT_EQ(result.response.content_type, "application/json");
  EXPECT_EQ(result.response.body,
            R"({"error":"not_found","message":"no resource at \"/nothing\""})");
  EXPECT_EQ(result.route, "unmatched");
}

TEST(DispatchTest, WrongMethodIs405WithAllow) {
  Request request = MakeRequest("GET", "/json");
  const DispatchResult result = Dispatch(TestRouter(), request);
  EXPECT_EQ(result.response.status, 405);
  EXPECT_EQ(result.response.Header("allow"), "POST");
  EXPECT_EQ(result.response.body,
            R"({"error":"method_not_allowed","message":"\"/json\" does not )"
            R"(accept GET; it accepts POST"})");
}

TEST(DispatchTest, RequireJsonRefusesOtherTypesWith415) {
  Request request = MakeRequest("POST", "/json", "text/plain");
  const DispatchResult result = Dispatch(TestRouter(), request);
  EXPECT_EQ(result.response.status, 415);
  EXPECT_EQ(StatusFromResponse(result.response).message(),
            "the body must be application/json, not \"text/plain\"");

  Request with_charset =
      MakeRequest("POST", "/json", "Application/JSON; charset=utf-8");
  with_charset.body = "{}";
  EXPECT_EQ(Dispatch(TestRouter(), with_charset).response.status, 201);
}

TEST(DispatchTest, HandlerErrorsBecomeJsonErrors) {
  Request missing = MakeRequest("GET", "/items/missing");
  const Response not_found = Dispatch(TestRouter(), missing).response;
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(
      not_found.body,
      R"({"error":"not_found","message":"item \"missing\" does not exist"})");
}

TEST(DispatchTest, InternalErrorsAndExceptionsAre500WithoutDetail) {
  std::vector<std::string> lines;
  SetLogSink([&lines](std::string_view line) { lines.emplace_back(line); });
  Request broken = MakeRequest("GET", "/items/broken");
  const Response internal = Dispatch(TestRouter(), broken).response;
  Request throws = MakeRequest("GET", "/items/throws");
  const Response thrown = Dispatch(TestRouter(), throws).response;
  SetLogSink(nullptr);

  const std::string expected =
      R"({"error":"internal","message":"internal error"})";
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body, expected);
  EXPECT_EQ(thrown.status, 500);
  EXPECT_EQ(thrown.body, expected);
  // The operator sees the Status, but never the exception's text.
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("sqlite: disk I/O error"), std::string::npos);
  EXPECT_EQ(lines[1].find("secret detail"), std::string::npos);
}

TEST(DispatchTest, RequestWithoutIdentityIs401) {
  Request request = MakeRequest("GET", "/items/1");
  request.peer = PeerIdentity();
  EXPECT_EQ(Dispatch(TestRouter(), request).response.status, 401);
}

TEST(DispatchTest, AccessLogLineHasNoBodyAndAnIdentityPrefix) {
  std::vector<std::string> lines;
  SetLogSink([&lines](std::string_view line) { lines.emplace_back(line); });
  LogAccess({.method = "POST",
             .path = "/v1/sessions",
             .route = "/v1/sessions",
             .status = 201,
             .latency = std::chrono::microseconds(1500),
             .identity = "0123456789abcdef0123456789abcdef",
             .remote_address = "127.0.0.1:5000"});
  SetLogSink(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(
                "level=info msg=\"http request\" method=POST path=/v1/sessions "
                "route=/v1/sessions status=201 latency_us=1500 "
                "identity=0123456789abcdef remote=127.0.0.1:5000"),
            std::string::npos)
      << lines[0];
}

TEST(HttpMessageTest, StatusFromResponseReadsTheJsonError) {
  EXPECT_TRUE(StatusFromResponse(JsonResponse("{}", 201)).ok());
  const Status denied = StatusFromResponse(ErrorResponse(
      PermissionDeniedError("identity abc may not read session \"db\"")));
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "identity abc may not read session \"db\"");

  Response html;
  html.status = 502;
  html.content_type = "text/html";
  html.body = "<html>";
  const Status gateway = StatusFromResponse(html);
  EXPECT_EQ(gateway.code(), StatusCode::kUnavailable);
  EXPECT_EQ(gateway.message(), "HTTP 502 Bad Gateway");

  const Status too_large =
      StatusFromResponse(ErrorResponse(413, "payload_too_large", "too big"));
  EXPECT_EQ(too_large.code(), StatusCode::kResourceExhausted);
}

TEST(HttpMessageTest, ErrorStatusesMapToHttp) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(ErrorResponse(DataLossError("page 7 corrupt")).body,
            R"({"error":"data_loss","message":"internal error"})");
}

TEST(HttpMessageTest, ErrorBodiesEscapeUntrustedText) {
  const Response response =
      ErrorResponse(400, "bad_request", "quote \" newline \n bad \xff");
  EXPECT_EQ(response.body,
            "{\"error\":\"bad_request\",\"message\":\"quote \\\" newline \\n "
            "bad \xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace coffer::net

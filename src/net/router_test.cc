#include "net/router.h"

#include <gtest/gtest.h>

namespace coffer::net {
namespace {

Handler Named(const std::string& name) {
  return [name](const Request&) -> StatusOr<Response> {
    return JsonResponse("\"" + name + "\"");
  };
}

std::string Call(const Router::Match& match) {
  if (match.route == nullptr) return "(none)";
  return match.route->handler(Request{})->body;
}

Router TestRouter() {
  Router router;
  EXPECT_TRUE(router.Add("GET", "/v1/sessions", Named("list")).ok());
  EXPECT_TRUE(router.Add("POST", "/v1/sessions", Named("create")).ok());
  EXPECT_TRUE(router.AddPrefix("GET", "/v1/sessions/", Named("read")).ok());
  EXPECT_TRUE(router.AddPrefix("PUT", "/v1/sessions/", Named("update")).ok());
  EXPECT_TRUE(
      router.AddPrefix("GET", "/v1/sessions/special/", Named("special")).ok());
  EXPECT_TRUE(router.Add("GET", "/v1/sessions/exact", Named("exact")).ok());
  return router;
}

TEST(RouterTest, ExactPathsMatchByMethod) {
  const Router router = TestRouter();
  Router::Match match = router.Find("GET", "/v1/sessions");
  EXPECT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(Call(match), "\"list\"");
  EXPECT_EQ(match.route->label, "/v1/sessions");
  EXPECT_EQ(match.path_remainder, "");
  EXPECT_EQ(Call(router.Find("POST", "/v1/sessions")), "\"create\"");
}

TEST(RouterTest, PrefixPassesTheRemainder) {
  const Router router = TestRouter();
  const Router::Match match = router.Find("GET", "/v1/sessions/db/a");
  EXPECT_EQ(Call(match), "\"read\"");
  EXPECT_EQ(match.path_remainder, "db/a");
  EXPECT_EQ(match.route->label, "/v1/sessions/*");
}

TEST(RouterTest, ExactBeatsPrefixAndLongerPrefixBeatsShorter) {
  const Router router = TestRouter();
  EXPECT_EQ(Call(router.Find("GET", "/v1/sessions/exact")), "\"exact\"");
  const Router::Match special = router.Find("GET", "/v1/sessions/special/x");
  EXPECT_EQ(Call(special), "\"special\"");
  EXPECT_EQ(special.path_remainder, "x");
  // A method only the shorter prefix has still finds it.
  EXPECT_EQ(Call(router.Find("PUT", "/v1/sessions/special/x")), "\"update\"");
}

TEST(RouterTest, PrefixNeedsARemainder) {
  const Router router = TestRouter();
  EXPECT_EQ(router.Find("GET", "/v1/sessions/").kind,
            Router::Match::Kind::kNotFound);
}

TEST(RouterTest, UnknownPathIsNotFoundAndWrongMethodListsAllowed) {
  const Router router = TestRouter();
  EXPECT_EQ(router.Find("GET", "/v2").kind, Router::Match::Kind::kNotFound);
  const Router::Match wrong = router.Find("DELETE", "/v1/sessions");
  EXPECT_EQ(wrong.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(wrong.allowed_methods, "GET, POST");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(router.Find("DELETE", "/v1/sessions/exact").allowed_methods,
            "GET, PUT");
}

TEST(RouterTest, RejectsBadRoutes) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/a", Named("a")).ok());
  const Status duplicate = router.Add("GET", "/a", Named("again"));
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.message(), "route \"GET /a\" is already registered");
  EXPECT_EQ(router.Add("GET", "a", Named("a")).message(),
            "route \"GET a\": the path does not start with '/'");
  EXPECT_EQ(router.AddPrefix("GET", "/p", Named("p")).message(),
            "route prefix \"/p\" does not end with '/'");
  EXPECT_EQ(router.Add("", "/b", Named("b")).message(),
            "route \"/b\": empty method");
  EXPECT_EQ(router.Add("GET", "/c", nullptr).message(),
            "route \"GET /c\": no handler");
}

}  // namespace
}  // namespace coffer::net

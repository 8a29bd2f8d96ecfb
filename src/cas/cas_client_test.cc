// CasClient against a fake CAS on 127.0.0.1 (real TLS, net::HttpServer)
// that answers as the API contract says, plus the pure helpers.
#include "cas/cas_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "las/test_util.h"
#include "net/test_support.h"

namespace coffer::cas {
namespace {

using crypto::testing::ValueOrDie;
using Json = nlohmann::json;
using net::testing::ServerIdentity;
using ::testing::HasSubstr;

// The runtime's side of the reply keeps every value a substitution can
// reach in SecretBytes (STYLE.md point 5).
static_assert(std::is_same_v<decltype(ServiceConfiguration::command),
                             std::vector<crypto::SecretBytes>>);
static_assert(
    std::is_same_v<decltype(ServiceConfiguration::environment),
                   std::vector<std::pair<std::string, crypto::SecretBytes>>>);
static_assert(
    std::is_same_v<decltype(ServiceFile::content), crypto::SecretBytes>);

net::Response Answer(const Json& body, int status = 200) {
  return net::JsonResponse(body.dump(), status);
}

// What the fake CAS saw: the last request's method, target, body and
// caller identity.
struct Seen {
  std::mutex mutex;
  std::string method;
  std::string target;
  std::string body;
  std::string caller;
};

// A user with a configuration directory, and a fake CAS whose routes the
// test adds before Start().
class CasClientTest : public ::testing::Test {
 protected:
  CasClientTest()
      : config_(ValueOrDie(ClientConfig::Open(dir_.File("config")))),
        user_(ValueOrDie(
            config_.LoadOrCreateIdentity(std::chrono::system_clock::now()))) {}

  void Route(
      const std::string& method, const std::string& path,
      std::function<StatusOr<net::Response>(const net::Request&)> handler) {
    auto record = [this, handler](const net::Request& request) {
      {
        std::lock_guard lock(seen_.mutex);
        seen_.method = request.method;
        seen_.target = request.target;
        seen_.body = request.body;
        seen_.caller = request.peer.spki_sha256_hex;
      }
      return handler(request);
    };
    Status added = path.ends_with("/")
                       ? router_.AddPrefix(method, path, std::move(record))
                       : router_.Add(method, path, std::move(record));
    ASSERT_TRUE(added.ok()) << added.ToString();
  }

  void Start() {
    server_ = net::testing::StartServer(std::move(router_));
    address_ = CasAddress{"127.0.0.1", server_->port()};
  }

  // Pins the fake CAS's certificate and connects as the user.
  std::unique_ptr<CasClient> Connect() {
    EXPECT_TRUE(
        config_.SavePin(address_.ToString(), ServerIdentity().certificate)
            .ok());
    return ValueOrDie(CasClient::ConnectPinned(address_, config_, user_.tls()));
  }

  Json SeenBody() {
    std::lock_guard lock(seen_.mutex);
    return Json::parse(seen_.body);
  }

  las::testing::TempDir dir_;
  ClientConfig config_;
  UserIdentity user_;
  net::Router router_;
  std::unique_ptr<net::HttpServer> server_;
  CasAddress address_;
  Seen seen_;
};

TEST_F(CasClientTest, RefusesACasThatWasNeverAttested) {
  Start();
  const std::string name = address_.ToString();
  EXPECT_EQ(CasClient::ConnectPinned(address_, config_, user_.tls()).status(),
            UnauthenticatedError("CAS " + name +
                                 " is not attested: run coffer cas attest " +
                                 name + " first"));
}

TEST_F(CasClientTest, RefusesACasWhoseCertificateChanged) {
  Start();
  const std::string name = address_.ToString();
  // Pinned: the same key in another certificate, as after a redeployment.
  const net::testing::Identity earlier =
      net::testing::MakeIdentity(*ServerIdentity().key, "earlier");
  ASSERT_TRUE(config_.SavePin(name, earlier.certificate).ok());
  EXPECT_EQ(CasClient::ConnectPinned(address_, config_, user_.tls()).status(),
            UnauthenticatedError(
                "the certificate of CAS " + name +
                " changed since it was attested (the pin is " +
                config_.PinPath(name) +
                "); if the CAS was redeployed, run coffer cas attest " + name +
                " again to check and trust the new one"));
}

TEST_F(CasClientTest, UnreachableCasIsUnavailable) {
  address_ = CasAddress{"127.0.0.1", net::testing::UnusedPort()};
  ASSERT_TRUE(
      config_.SavePin(address_.ToString(), ServerIdentity().certificate).ok());
  EXPECT_EQ(
      CasClient::ConnectPinned(address_, config_, user_.tls()).status().code(),
      StatusCode::kUnavailable);
}

TEST_F(CasClientTest, ListsSessionsAsTheUser) {
  Route("GET", "/v1/sessions", [](const net::Request&) {
    return StatusOr<net::Response>(Answer({{"sessions", {"a", "b/c"}}}));
  });
  Start();
  auto cas = Connect();
  EXPECT_EQ(ValueOrDie(cas->ListSessions()),
            (std::vector<std::string>{"a", "b/c"}));
  EXPECT_EQ(seen_.caller, user_.hash) << "the CAS knows the user by key";
  EXPECT_EQ(cas->address(), address_.ToString());
  EXPECT_EQ(cas->server_certificate_der(),
            ServerIdentity().certificate.ToDer());
}

TEST_F(CasClientTest, CreatesASession) {
  Route("POST", "/v1/sessions", [](const net::Request& request) {
    Json body = Json::parse(request.body);
    return StatusOr<net::Response>(
        Answer({{"name", body["name"]}, {"hash", std::string(64, 'a')}}, 201));
  });
  Start();
  auto cas = Connect();
  SessionUpload upload{"db", "name: $N\n", "db.yml", {{"N", "db"}}};
  SessionRef created = ValueOrDie(cas->CreateSession(upload));
  EXPECT_EQ(created.name, "db");
  EXPECT_EQ(created.hash, std::string(64, 'a'));
  EXPECT_EQ(SeenBody(), (Json{{"name", "db"},
                              {"session", "name: $N\n"},
                              {"file", "db.yml"},
                              {"variables", {{"N", "db"}}}}));
}

TEST_F(CasClientTest, UpdatesASessionWithOrWithoutPredecessor) {
  Route("PUT", "/v1/sessions/", [](const net::Request& request) {
    return StatusOr<net::Response>(Answer(
        {{"name", request.path_remainder}, {"hash", std::string(64, 'b')}}));
  });
  Start();
  auto cas = Connect();
  SessionUpload upload{"team/db", "name: team/db\n", "f.yml", {}};
  SessionRef updated =
      ValueOrDie(cas->UpdateSession(upload, std::string(64, 'a')));
  EXPECT_EQ(updated.name, "team/db");
  EXPECT_EQ(seen_.target, "/v1/sessions/team/db");
  EXPECT_EQ(SeenBody(), (Json{{"session", "name: team/db\n"},
                              {"file", "f.yml"},
                              {"variables", Json::object()},
                              {"predecessor", std::string(64, 'a')}}));
  ASSERT_TRUE(cas->UpdateSession(upload, std::nullopt).ok());
  EXPECT_FALSE(SeenBody().contains("predecessor"));
}

TEST_F(CasClientTest, ReadsASession) {
  Route("GET", "/v1/sessions/", [](const net::Request& request) {
    if (request.path_remainder != "db") {
      return StatusOr<net::Response>(NotFoundError(
          "session \"" + request.path_remainder + "\" does not exist"));
    }
    return StatusOr<net::Response>(Answer({{"name", "db"},
                                           {"hash", std::string(64, 'c')},
                                           {"session", "name: db\n"},
                                           {"variables", {{"A", "1"}}}}));
  });
  Start();
  auto cas = Connect();
  StoredSession stored = ValueOrDie(cas->ReadSession("db"));
  EXPECT_EQ(stored.name, "db");
  EXPECT_EQ(stored.hash, std::string(64, 'c'));
  EXPECT_EQ(stored.session, "name: db\n");
  EXPECT_EQ(stored.variables, (std::map<std::string, std::string>{{"A", "1"}}));
  EXPECT_EQ(cas->ReadSession("other").status(),
            NotFoundError("session \"other\" does not exist"));
  EXPECT_EQ(cas->ReadSession("a b").status(),
            InvalidArgumentError("session name \"a b\" is invalid: use 1 to "
                                 "128 of A-Z a-z 0-9 _ . ~ / -"));
}

TEST_F(CasClientTest, ServerErrorsKeepCodeMessageAndProblems) {
  Route("POST", "/v1/sessions", [](const net::Request&) {
    return StatusOr<net::Response>(
        Answer({{"error", "invalid_argument"},
                {"message", "db.yml: 2 errors"},
                {"problems",
                 {"db.yml:3:7: secret \"x\" is unknown",
                  "db.yml:9:1: duplicate service \"s\""}}},
               400));
  });
  Route("PUT", "/v1/sessions/", [](const net::Request&) {
    return StatusOr<net::Response>(FailedPreconditionError(
        "predecessor " + std::string(64, 'a') + " is not the current hash"));
  });
  Route("GET", "/v1/sessions/", [](const net::Request&) {
    return StatusOr<net::Response>(
        PermissionDeniedError("you may not read session \"db\""));
  });
  Start();
  auto cas = Connect();
  EXPECT_EQ(cas->CreateSession({"db", "x", "db.yml", {}}).status(),
            InvalidArgumentError("db.yml: 2 errors\n"
                                 "db.yml:3:7: secret \"x\" is unknown\n"
                                 "db.yml:9:1: duplicate service \"s\""));
  EXPECT_EQ(cas->UpdateSession({"db", "x", "db.yml", {}}, std::nullopt)
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(cas->ReadSession("db").status(),
            PermissionDeniedError("you may not read session \"db\""));
}

TEST_F(CasClientTest, MalformedAnswersAreUnavailable) {
  Route("GET", "/v1/sessions", [](const net::Request&) {
    return StatusOr<net::Response>(Answer({{"sessions", {1, 2}}}));
  });
  Route("GET", "/v1/evidence", [](const net::Request&) {
    return StatusOr<net::Response>(net::JsonResponse("not json"));
  });
  Start();
  auto cas = Connect();
  const std::string name = address_.ToString();
  EXPECT_EQ(cas->ListSessions().status(),
            UnavailableError("CAS " + name +
                             ": malformed answer to GET /v1/sessions: "
                             "\"sessions\" is not a list of strings"));
  EXPECT_EQ(cas->Evidence().status(),
            UnavailableError("CAS " + name +
                             ": malformed answer to GET /v1/evidence: CAS "
                             "evidence: not a JSON object"));
}

TEST_F(CasClientTest, GetsPublicValues) {
  Route("GET", "/v1/public/", [](const net::Request& request) {
    if (request.path_remainder == "db/ca") {
      return StatusOr<net::Response>(
          Answer({{"name", "ca"}, {"session", "db"}, {"certificate", "PEM"}}));
    }
    return StatusOr<net::Response>(Answer({{"value", "hello"}}));
  });
  Start();
  auto cas = Connect();
  PublicExport ca = ValueOrDie(cas->GetPublicValue("db", "ca"));
  EXPECT_EQ(ca.session, "db");
  EXPECT_EQ(ca.secret, "ca");
  EXPECT_EQ(ca.certificate_pem, "PEM");
  EXPECT_FALSE(ca.value.has_value());
  PublicExport value = ValueOrDie(cas->GetPublicValue("db", "greeting"));
  EXPECT_EQ(value.value, "hello");
  EXPECT_EQ(cas->GetPublicValue("db", "a/b").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CasClientTest, ProvisionsAService) {
  Route("POST", "/v1/provision", [](const net::Request& request) {
    Json body = Json::parse(request.body);
    if (body["config_id"] != "db/mariadb" || body["quote"] != "0102ff") {
      return StatusOr<net::Response>(PermissionDeniedError("wrong request"));
    }
    return StatusOr<net::Response>(
        Answer({{"command", {"mariadbd", "--key=s3cret"}},
                {"environment", Json::array({Json::array({"TZ", "UTC"}),
                                             Json::array({"PASSWORD", "pw"})})},
                {"pwd", "/data"},
                {"files",
                 {{{"path", "/run/coffer/k"},
                   {"mode", 384},
                   {"content_base64", Base64Encode(AsBytes("key"))}}}}}));
  });
  Start();
  auto cas = Connect();
  const Bytes quote = {0x01, 0x02, 0xff};
  ServiceConfiguration provisioning =
      ValueOrDie(cas->Provision("db/mariadb", quote));
  ASSERT_EQ(provisioning.command.size(), 2u);
  EXPECT_EQ(AsString(provisioning.command[1].span()), "--key=s3cret");
  ASSERT_EQ(provisioning.environment.size(), 2u);
  EXPECT_EQ(provisioning.environment[1].first, "PASSWORD");
  EXPECT_EQ(AsString(provisioning.environment[1].second.span()), "pw");
  EXPECT_EQ(provisioning.pwd, "/data");
  ASSERT_EQ(provisioning.files.size(), 1u);
  EXPECT_EQ(provisioning.files[0].path, "/run/coffer/k");
  EXPECT_EQ(provisioning.files[0].mode, 0600u);
  EXPECT_EQ(AsString(provisioning.files[0].content.span()), "key");

  EXPECT_EQ(cas->Provision("db/other", quote).status(),
            PermissionDeniedError("wrong request"));
}

TEST(CasAddressTest, ParsesHostAndPort) {
  CasAddress v4 = ValueOrDie(ParseCasAddress("127.0.0.1:8081"));
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 8081);
  EXPECT_EQ(v4.ToString(), "127.0.0.1:8081");
  CasAddress v6 = ValueOrDie(ParseCasAddress("[::1]:443"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.ToString(), "[::1]:443");
  EXPECT_EQ(ValueOrDie(ParseCasAddress("cas.example:1")).host, "cas.example");
  for (const char* bad :
       {"cas", "cas:", ":8081", "cas:0", "cas:65536", "cas:80x", "::1:80",
        "[::1]", "[]:80", "a b:80", "https://cas:80"}) {
    EXPECT_EQ(ParseCasAddress(bad).status(),
              InvalidArgumentError(
                  "CAS address \"" + std::string(bad) +
                  "\" must be HOST:PORT with a port from 1 to 65535 (e.g. "
                  "127.0.0.1:8081, [::1]:8081)"))
        << bad;
  }
}

TEST(CasAddressTest, ParsesSeveralMembers) {
  std::vector<CasAddress> members =
      ValueOrDie(ParseCasAddresses("127.0.0.1:8081,[::1]:8082,cas.example:1"));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[1].ToString(), "[::1]:8082");
  EXPECT_EQ(ValueOrDie(ParseCasAddresses("127.0.0.1:8081")).size(), 1u);
  // Each member must be HOST:PORT; an empty one names itself.
  EXPECT_THAT(ParseCasAddresses("127.0.0.1:8081,").status().message(),
              HasSubstr("CAS address \"\" must be HOST:PORT"));
  EXPECT_THAT(ParseCasAddresses("127.0.0.1:8081,cas").status().message(),
              HasSubstr("CAS address \"cas\" must be HOST:PORT"));
}

TEST(CasAddressTest, DefaultsToTheEnvironmentThenLoopback) {
  const char* saved = std::getenv("COFFER_CAS_ADDR");
  const std::string value = saved ? saved : "";
  ::setenv("COFFER_CAS_ADDR", "cas:9", 1);
  EXPECT_EQ(DefaultCasAddress(), "cas:9");
  ::unsetenv("COFFER_CAS_ADDR");
  EXPECT_EQ(DefaultCasAddress(), "127.0.0.1:8081");
  if (saved) ::setenv("COFFER_CAS_ADDR", value.c_str(), 1);
}

TEST(UsedVariablesTest, SendsOnlyWhatTheFileUses) {
  policy::Variables variables;
  variables.values = {{"NAME", "db"},       {"MR", "aa"},
                      {"UNUSED", "secret"}, {"KEY", "k"},
                      {"IN_COMMENT", "no"}, {"LITERAL", "no"},
                      {"SUBST", "no"}};
  const std::string text =
      "# $IN_COMMENT\n"
      "name: $NAME\n"
      "$KEY: ${MR}x\n"
      "list: [a$$LITERAL, \"$$COFFER::SUBST$$\", $MISSING]\n";
  EXPECT_EQ(UsedVariables(text, variables),
            (std::map<std::string, std::string>{{"MR", "aa"}, {"NAME", "db"}}));
  EXPECT_TRUE(UsedVariables("a: [", variables).empty());
}

TEST(UsedVariablesTest, SendsAVariableWithADefaultWhenSet) {
  policy::Variables variables;
  variables.values = {{"HOST", "db-0.example"}};
  EXPECT_EQ(
      UsedVariables("a: \"${HOST:-127.0.0.1}:${PORT:-3306}\"\n", variables),
      (std::map<std::string, std::string>{{"HOST", "db-0.example"}}));
}

TEST(UsedVariablesTest, ReadsTheEnvironmentOnlyWithUseEnv) {
  ::setenv("COFFER_TEST_VARIABLE", "from-env", 1);
  policy::Variables variables;
  EXPECT_TRUE(UsedVariables("a: $COFFER_TEST_VARIABLE", variables).empty());
  variables.use_env = true;
  EXPECT_EQ(UsedVariables("a: $COFFER_TEST_VARIABLE", variables),
            (std::map<std::string, std::string>{
                {"COFFER_TEST_VARIABLE", "from-env"}}));
  variables.values["COFFER_TEST_VARIABLE"] = "from-flag";
  EXPECT_EQ(
      UsedVariables("a: $COFFER_TEST_VARIABLE", variables).begin()->second,
      "from-flag");
  ::unsetenv("COFFER_TEST_VARIABLE");
}

}  // namespace
}  // namespace coffer::cas

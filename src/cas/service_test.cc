// The CAS end to end in one process: a real LAS, the real CAS on
// 127.0.0.1 with mutual TLS, clients with their own keys, and quotes from
// the LAS for this test binary. Each attack a runtime or an owner could try
// is shown failing with its reason, and nothing leaking.
#include "cas/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>

#include "cas/audit_log.h"
#include "common/encoding.h"
#include "common/files.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/test_pki.h"
#include "las/running_las.h"
#include "las/test_util.h"
#include "net/http_client.h"
#include "net/tls.h"

namespace coffer::cas {
namespace {

using crypto::testing::ValueOrDie;
using Json = nlohmann::json;

// A client of the CAS with its own key (its identity).
class Caller {
 public:
  Caller()
      : key_(ValueOrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256))),
        certificate_(ValueOrDie(net::MakeSelfSignedIdentityCertificate(
            key_, "test caller", std::chrono::system_clock::now(),
            std::chrono::hours(1)))) {}

  std::string identity() const {
    return HexEncode(crypto::Sha256(key_.PublicKeyDer()));
  }
  const crypto::PrivateKey& key() const { return key_; }

  // One request on a fresh connection; the CAS's certificate is pinned.
  net::Response Call(const CasService& cas, std::string_view method,
                     std::string_view path, const std::string& body = "",
                     std::string_view content_type = net::kJsonContentType) {
    const net::TlsIdentity identity{.key = &key_,
                                    .chain = std::span(&certificate_, 1)};
    auto tls = ValueOrDie(
        net::MakeClientTlsContext(net::ServerVerification::PinnedCertificate(
                                      cas.identity().certificate.ToDer()),
                                  &identity));
    const std::string address = cas.address();
    const size_t colon = address.rfind(':');
    auto client = ValueOrDie(net::HttpClient::Connect(
        address.substr(0, colon),
        static_cast<uint16_t>(std::stoi(address.substr(colon + 1))), tls));
    return ValueOrDie(client->Request(method, path, body, content_type));
  }

 private:
  crypto::PrivateKey key_;
  crypto::Certificate certificate_;
};

constexpr std::string_view kDbSession = R"(name: db
version: "0.3"
services:
  - name: server
    image_name: image
    attestation: [{mrenclave: [$MRENCLAVE]}]
    platforms: [$PLATFORM]
    command: server --key=$$COFFER::db_key:hex$$ @@1
    environment: {PASSWORD: "$$COFFER::password$$", LEVEL: $LEVEL}
    pwd: /var/lib/db
images:
  - name: image
    injection_files:
      - {path: /run/coffer/db/keys.txt, content: "1;$$COFFER::db_key:hex$$", permission: "0600"}
secrets:
  - {name: db_key, kind: binary, size: 32}
  - {name: password, kind: ascii, size: 16}
  - {name: ca_key, kind: private-key}
  - {name: ca, kind: x509-ca, private_key: ca_key, export_public: true, export: [{session: client}]}
security:
  attestation: {tolerate: [$TOLERATE]}
)";

constexpr std::string_view kImportingSession = R"(name: $NAME
version: "0.3"
services:
  - name: app
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: app --ca=$$COFFER::db_ca:crt$$
secrets:
  - {name: db_ca, import: {session: db, secret: ca}}
security:
  attestation: {tolerate: [simulation]}
)";

// A database whose CA's certificate goes to an analyst's session, which
// someone else writes, and whose key goes only to the operator's.
constexpr std::string_view kDbForAnalysts = R"(name: db-1
version: "0.3"
services:
  - name: server
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: server
secrets:
  - {name: ca_key, kind: private-key}
  - {name: ca, kind: x509-ca, private_key: ca_key, export: [{session: analyst-1, public_only: true}, {session: operator}]}
  - {name: analyst_cert, kind: x509, issuer: ca, endpoint: client, common_name: analyst-1, export: [{session: analyst-1}]}
security:
  attestation: {tolerate: [simulation]}
)";

// `app` takes what an analyst needs; the others try for the CA's key.
constexpr std::string_view kAnalystSession = R"(name: analyst-1
version: "0.3"
services:
  - name: app
    image_name: app_files
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: app --ca=$$COFFER::db_ca:crt$$
  - name: mint
    image_name: mint_files
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: mint
  - name: mint_scone
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: mint
    environment: {CA_KEY: "$$SCONE::db_ca.key$$"}
  - name: mint_der
    image_name: mint_der_files
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: mint
images:
  - name: app_files
    injection_files:
      - {path: /run/ca.pem, content: "$$COFFER::db_ca$$"}
      - {path: /run/chain.pem, content: "$$COFFER::db_ca:chain$$"}
      - {path: /run/ca.der, content: "$$COFFER::db_ca:der$$"}
      - {path: /run/client.pem, content: "$$COFFER::client:crt$$"}
      - {path: /run/client.key, content: "$$COFFER::client:key$$"}
  - name: mint_files
    injection_files:
      - {path: /run/ca.pem, content: "$$COFFER::db_ca:crt$$"}
      - {path: /run/ca.key, content: "$$COFFER::db_ca:key$$"}
  - name: mint_der_files
    injection_files:
      - {path: /run/ca.key.der, content: "$$COFFER::db_ca:key:der$$"}
secrets:
  - {name: db_ca, import: {session: db-1, secret: ca}}
  - {name: client, import: {session: db-1, secret: analyst_cert}}
security:
  attestation: {tolerate: [simulation]}
)";

constexpr std::string_view kOperatorSession = R"(name: operator
version: "0.3"
services:
  - name: admin
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: admin --ca-key=$$COFFER::db_ca:key$$
secrets:
  - {name: db_ca, import: {session: db-1, secret: ca}}
security:
  attestation: {tolerate: [simulation]}
)";

class CasServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(las_.ok()) << las_.status().ToString();
    StartCas();
    // The measurement the LAS gives this test binary.
    const las::QuoteReply reply = ValueOrDie(las_.client().Quote(Bytes(32, 0)));
    measurement_ = HexEncode(reply.mr_enclave);
    platform_ = reply.platform_id;
  }

  void StartCas() {
    CasOptions options;
    options.data_dir = dir_.File("cas");
    options.listen = "127.0.0.1:0";
    options.las_socket = las_.socket();
    // Tests move the CAS's clock forward (renewal); shared, so the lambda
    // outlives nothing it reads.
    options.clock = [offset = clock_offset_] {
      return std::chrono::system_clock::now() + offset->load();
    };
    cas_ = ValueOrDie(CasService::Start(std::move(options)));
  }

  // LEVEL only makes a new revision of an otherwise equal session.
  Json Variables(std::string_view platform = "",
                 std::string_view tolerate = "simulation",
                 std::string_view level = "1") const {
    return Json{{"MRENCLAVE", measurement_},
                {"PLATFORM", platform.empty() ? platform_ : platform},
                {"TOLERATE", tolerate},
                {"LEVEL", level}};
  }

  net::Response CreateDb(Caller& caller, const Json& variables) {
    return caller.Call(*cas_, "POST", "/v1/sessions",
                       Json{{"name", "db"},
                            {"session", kDbSession},
                            {"file", "db.yml"},
                            {"variables", variables}}
                           .dump());
  }

  // A quote of this binary binding `caller`'s key, as the runtime gets it.
  std::string QuoteFor(const Caller& caller) {
    const crypto::Sha256Digest binding =
        crypto::Sha256(caller.key().PublicKeyDer());
    return HexEncode(ValueOrDie(las_.client().Quote(binding)).quote);
  }

  net::Response Provision(Caller& caller, const std::string& config_id,
                          const std::string& quote) {
    return caller.Call(*cas_, "POST", "/v1/provision",
                       Json{{"config_id", config_id}, {"quote", quote}}.dump());
  }

  static Json Body(const net::Response& response) {
    return Json::parse(response.body);
  }

  std::shared_ptr<std::atomic<std::chrono::system_clock::duration>>
      clock_offset_ =
          std::make_shared<std::atomic<std::chrono::system_clock::duration>>(
              std::chrono::system_clock::duration::zero());
  las::testing::TempDir dir_;
  las::testing::RunningLas las_{dir_.path()};
  std::unique_ptr<CasService> cas_;
  std::string measurement_;
  std::string platform_;
  Caller owner_;
  Caller other_;
};

TEST_F(CasServiceTest, CreateReadUpdateAndList) {
  net::Response created = CreateDb(owner_, Variables());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string hash = Body(created)["hash"];
  EXPECT_EQ(hash.size(), 64u);

  EXPECT_EQ(CreateDb(owner_, Variables()).status, 409);
  EXPECT_EQ(Body(CreateDb(owner_, Variables()))["error"], "already_exists");

  net::Response read = owner_.Call(*cas_, "GET", "/v1/sessions/db");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Body(read)["hash"], hash);
  EXPECT_EQ(Body(read)["session"], kDbSession);
  EXPECT_EQ(read.body.find("db_key\":"), std::string::npos);

  // Another identity: CREATOR only, by default.
  net::Response denied = other_.Call(*cas_, "GET", "/v1/sessions/db");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(Body(denied)["message"],
            "access_policy of session \"db\" does not allow you to read it");
  EXPECT_EQ(Body(other_.Call(*cas_, "GET", "/v1/sessions"))["sessions"],
            Json::array());
  EXPECT_EQ(Body(owner_.Call(*cas_, "GET", "/v1/sessions"))["sessions"],
            Json::array({"db"}));

  // A stale predecessor changes nothing.
  Json update{{"session", kDbSession},
              {"file", "db.yml"},
              {"variables", Variables("", "simulation", "2")},
              {"predecessor", std::string(64, 'a')}};
  net::Response stale =
      owner_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump());
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(Body(stale)["message"].get<std::string>().find(
                "not the given predecessor"),
            std::string::npos);
  EXPECT_EQ(Body(owner_.Call(*cas_, "GET", "/v1/sessions/db"))["hash"], hash);

  update["predecessor"] = hash;
  EXPECT_EQ(other_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump()).status,
            403);
  net::Response updated =
      owner_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_NE(Body(updated)["hash"], hash);
  EXPECT_EQ(Body(owner_.Call(*cas_, "GET", "/v1/sessions/db"))["hash"],
            Body(updated)["hash"]);
}

TEST_F(CasServiceTest, BadInputGetsAClearErrorAndTheCasKeepsServing) {
  net::Response not_json =
      owner_.Call(*cas_, "POST", "/v1/sessions", "{not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Body(not_json)["message"], "request body is not valid JSON");

  EXPECT_EQ(
      owner_.Call(*cas_, "POST", "/v1/sessions", "{}", "text/plain").status,
      415);
  net::Response missing =
      owner_.Call(*cas_, "POST", "/v1/sessions", Json{{"name", "db"}}.dump());
  EXPECT_EQ(Body(missing)["message"],
            "request body: \"session\" must be a string");

  net::Response bad_policy =
      owner_.Call(*cas_, "POST", "/v1/sessions",
                  Json{{"name", "db"},
                       {"session", "name: db\nversion: \"0.3\"\nservices: 7\n"},
                       {"file", "db.yml"}}
                      .dump());
  EXPECT_EQ(bad_policy.status, 400);
  const Json problems = Body(bad_policy)["problems"];
  ASSERT_FALSE(problems.empty()) << bad_policy.body;
  EXPECT_EQ(problems[0].get<std::string>().rfind("db.yml:3:", 0), 0u)
      << problems[0];

  ASSERT_EQ(CreateDb(owner_, Variables()).status, 201);
  net::Response unknown = owner_.Call(*cas_, "GET", "/v1/sessions/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Body(unknown)["message"], "no session \"nope\"");
  EXPECT_EQ(owner_.Call(*cas_, "GET", "/healthz").status, 200);
}

TEST_F(CasServiceTest, ProvisioningResolvesEverySecret) {
  ASSERT_EQ(CreateDb(owner_, Variables()).status, 201);
  Caller runtime;
  net::Response provisioned =
      Provision(runtime, "db/server", QuoteFor(runtime));
  ASSERT_EQ(provisioned.status, 200) << provisioned.body;
  const Json configuration = Body(provisioned);
  const std::string key_argument = configuration["command"][1];
  ASSERT_EQ(key_argument.rfind("--key=", 0), 0u);
  const std::string key_hex = key_argument.substr(6);
  EXPECT_EQ(key_hex.size(), 64u);
  EXPECT_EQ(configuration["command"][2], "@@1");  // for the runtime
  EXPECT_EQ(configuration["environment"][0][0], "PASSWORD");
  EXPECT_EQ(configuration["environment"][0][1].get<std::string>().size(), 16u);
  EXPECT_EQ(configuration["pwd"], "/var/lib/db");
  const Json& file = configuration["files"][0];
  EXPECT_EQ(file["path"], "/run/coffer/db/keys.txt");
  EXPECT_EQ(file["mode"], 0600);
  EXPECT_EQ(AsString(ValueOrDie(
                Base64Decode(file["content_base64"].get<std::string>()))),
            "1;" + key_hex);

  // The database key survives a policy update.
  const std::string hash =
      Body(owner_.Call(*cas_, "GET", "/v1/sessions/db"))["hash"];
  Json update{{"session", kDbSession},
              {"file", "db.yml"},
              {"variables", Variables("", "simulation", "2")},
              {"predecessor", hash}};
  ASSERT_EQ(owner_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump()).status,
            200);
  const Json again = Body(Provision(runtime, "db/server", QuoteFor(runtime)));
  EXPECT_EQ(again["command"][1], key_argument);
}

constexpr std::string_view kTlsSession = R"(name: tls
version: "0.3"
services:
  - name: server
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: server --cert=$$COFFER::server:crt$$
secrets:
  - {name: ca, kind: x509-ca}
  - {name: server, kind: x509, issuer: ca, common_name: db, valid_for: 90d}
security:
  attestation: {tolerate: [simulation]}
)";

// A certificate past two thirds of its validity is issued again at the
// next provisioning: same session hash, same CA, in the audit log.
TEST_F(CasServiceTest, ProvisioningRenewsCertificatesPastTwoThirds) {
  ASSERT_EQ(owner_
                .Call(*cas_, "POST", "/v1/sessions",
                      Json{{"name", "tls"},
                           {"session", kTlsSession},
                           {"file", "tls.yml"},
                           {"variables", Variables()}}
                          .dump())
                .status,
            201);
  Caller runtime;
  auto certificate = [&] {
    net::Response provisioned =
        Provision(runtime, "tls/server", QuoteFor(runtime));
    EXPECT_EQ(provisioned.status, 200) << provisioned.body;
    return Body(provisioned)["command"][1].get<std::string>();
  };
  const std::string first = certificate();
  const std::string hash =
      Body(owner_.Call(*cas_, "GET", "/v1/sessions/tls"))["hash"];
  *clock_offset_ = std::chrono::hours(24 * 59);
  EXPECT_EQ(certificate(), first) << "kept before two thirds";
  *clock_offset_ = std::chrono::hours(24 * 61);
  const std::string renewed = certificate();
  EXPECT_NE(renewed, first);
  EXPECT_EQ(certificate(), renewed) << "renewed once";
  const crypto::Certificate parsed = ValueOrDie(
      crypto::Certificate::FromPem(renewed.substr(renewed.find('=') + 1)));
  EXPECT_EQ(parsed.common_name(), "db");
  EXPECT_GT(parsed.not_after(),
            std::chrono::system_clock::now() + std::chrono::hours(24 * 140));
  EXPECT_EQ(Body(owner_.Call(*cas_, "GET", "/v1/sessions/tls"))["hash"], hash);
  const std::string audit =
      ValueOrDie(ReadFile(dir_.File("cas") + "/audit.log"));
  EXPECT_NE(audit.find("\"type\":\"secrets.renew\""), std::string::npos);
}

TEST_F(CasServiceTest, RefusalsSayWhyAndReleaseNothing) {
  ASSERT_EQ(CreateDb(owner_, Variables()).status, 201);
  Caller runtime;
  Caller thief;
  auto refused = [&](const net::Response& response,
                     const std::string& message) {
    EXPECT_EQ(response.status, 403) << response.body;
    EXPECT_NE(Body(response)["message"].get<std::string>().find(message),
              std::string::npos)
        << response.body;
    EXPECT_EQ(response.body.find("--key="), std::string::npos);
  };
  // A quote replayed on another key's connection.
  refused(Provision(thief, "db/server", QuoteFor(runtime)),
          "the quote does not bind the key of this connection");
  // A forged quote: one flipped byte of the report.
  std::string forged = QuoteFor(runtime);
  forged[200] = forged[200] == '0' ? '1' : '0';
  refused(Provision(runtime, "db/server", forged), "quote does not verify");

  // Another platform, then another measurement, then no simulation.
  Caller owner2;
  const std::string other_platform(64, 'b');
  ASSERT_EQ(owner2
                .Call(*cas_, "POST", "/v1/sessions",
                      Json{{"name", "db"},
                           {"session", kDbSession},
                           {"variables", Variables(other_platform)}}
                          .dump())
                .status,
            409);
  const std::string hash =
      Body(owner_.Call(*cas_, "GET", "/v1/sessions/db"))["hash"];
  Json update{{"session", kDbSession},
              {"file", "db.yml"},
              {"variables", Variables(other_platform)},
              {"predecessor", hash}};
  net::Response updated =
      owner_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  refused(Provision(runtime, "db/server", QuoteFor(runtime)),
          "platform " + platform_ + " not allowed by session db/server");

  Json variables = Variables();
  variables["MRENCLAVE"] = std::string(64, 'c');
  update = Json{{"session", kDbSession},
                {"variables", variables},
                {"predecessor", Body(updated)["hash"]}};
  updated = owner_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  refused(Provision(runtime, "db/server", QuoteFor(runtime)),
          "measurement " + measurement_ + " not allowed by session db/server");

  update = Json{{"session", kDbSession},
                {"variables", Variables("", "debug-mode")},
                {"predecessor", Body(updated)["hash"]}};
  updated = owner_.Call(*cas_, "PUT", "/v1/sessions/db", update.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  refused(Provision(runtime, "db/server", QuoteFor(runtime)),
          "attestation not accepted by session db/server");

  net::Response unknown = Provision(runtime, "db/nothing", QuoteFor(runtime));
  EXPECT_EQ(unknown.status, 404);

  const std::string metrics = owner_.Call(*cas_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("coffer_cas_attestations_total{result=\"refused\","
                         "reason=\"platform\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("reason=\"key_binding\"} 1"), std::string::npos);
}

TEST_F(CasServiceTest, ImportsOnlyWhatIsExportedToTheImporter) {
  ASSERT_EQ(CreateDb(owner_, Variables()).status, 201);
  for (const char* name : {"client", "intruder"}) {
    net::Response created = owner_.Call(
        *cas_, "POST", "/v1/sessions",
        Json{{"name", name},
             {"session", kImportingSession},
             {"variables", {{"NAME", name}, {"MRENCLAVE", measurement_}}}}
            .dump());
    ASSERT_EQ(created.status, 201) << created.body;
  }
  Caller runtime;
  net::Response client = Provision(runtime, "client/app", QuoteFor(runtime));
  ASSERT_EQ(client.status, 200) << client.body;
  const std::string argument = Body(client)["command"][1];
  EXPECT_NE(argument.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_EQ(argument.find("PRIVATE KEY"), std::string::npos);

  net::Response intruder =
      Provision(runtime, "intruder/app", QuoteFor(runtime));
  EXPECT_EQ(intruder.status, 403);
  EXPECT_NE(Body(intruder)["message"].get<std::string>().find(
                "session \"db\" does not export secret \"ca\" to session "
                "\"intruder\""),
            std::string::npos)
      << intruder.body;

  // The CA certificate is public; the key and the database key are not.
  net::Response ca = other_.Call(*cas_, "GET", "/v1/public/db/ca");
  ASSERT_EQ(ca.status, 200) << ca.body;
  EXPECT_EQ(Body(ca)["certificate"].get<std::string>().find(
                "-----BEGIN CERTIFICATE-----"),
            0u);
  EXPECT_EQ(Body(ca)["certificate"].get<std::string>().find("PRIVATE"),
            std::string::npos);
  EXPECT_EQ(other_.Call(*cas_, "GET", "/v1/public/db/db_key").status, 404);
  EXPECT_EQ(other_.Call(*cas_, "GET", "/v1/public/db/ca_key").status, 404);
}

TEST_F(CasServiceTest, PublicOnlyImportsGiveCertificatesNeverTheCaKey) {
  for (auto [name, text] : {std::pair{"db-1", kDbForAnalysts},
                            {"analyst-1", kAnalystSession},
                            {"operator", kOperatorSession}}) {
    const net::Response created =
        owner_.Call(*cas_, "POST", "/v1/sessions",
                    Json{{"name", name},
                         {"session", text},
                         {"variables", {{"MRENCLAVE", measurement_}}}}
                        .dump());
    ASSERT_EQ(created.status, 201) << created.body;
  }
  Caller runtime;
  auto file_text = [](const Json& configuration, size_t index) {
    return std::string(AsString(ValueOrDie(Base64Decode(
        configuration["files"][index]["content_base64"].get<std::string>()))));
  };

  // The analyst gets the CA's certificate in every certificate format, and
  // its own client certificate with its key (issued for it).
  const net::Response app =
      Provision(runtime, "analyst-1/app", QuoteFor(runtime));
  ASSERT_EQ(app.status, 200) << app.body;
  const Json configuration = Body(app);
  const std::string ca = file_text(configuration, 0);
  EXPECT_EQ(ca.find("-----BEGIN CERTIFICATE-----"), 0u);
  EXPECT_EQ(configuration["command"][1], "--ca=" + ca);
  EXPECT_EQ(file_text(configuration, 1), ca);  // a root: its chain is itself
  EXPECT_EQ(file_text(configuration, 2)[0], '\x30');  // DER
  const crypto::Certificate client =
      ValueOrDie(crypto::Certificate::FromPem(file_text(configuration, 3)));
  const crypto::PrivateKey client_key =
      ValueOrDie(crypto::PrivateKey::FromPem(file_text(configuration, 4)));
  EXPECT_EQ(client_key.PublicKeyDer(), client.PublicKeyDer());

  // Any key format of the CA is refused, naming the importer, the secret
  // and the exporter, and nothing of the configuration is released.
  auto refused = [&](const std::string& service, std::string_view format) {
    const net::Response response =
        Provision(runtime, "analyst-1/" + service, QuoteFor(runtime));
    EXPECT_EQ(response.status, 403) << response.body;
    EXPECT_EQ(Body(response)["message"],
              "cannot resolve the configuration of session analyst-1/" +
                  service +
                  ": session \"analyst-1\": secret \"db_ca\" is imported "
                  "from session \"db-1\" as public only; format \"" +
                  std::string(format) + "\" is not allowed");
    EXPECT_EQ(response.body.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(response.body.find("CERTIFICATE-----"), std::string::npos);
    EXPECT_EQ(response.body.find("content_base64"), std::string::npos);
  };
  refused("mint", "key");
  refused("mint_scone", "key");
  refused("mint_der", "key:der");

  // A session the CA is exported to whole still gets its key.
  const net::Response admin =
      Provision(runtime, "operator/admin", QuoteFor(runtime));
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(Body(admin)["command"][1].get<std::string>().find(
                "--ca-key=-----BEGIN PRIVATE KEY-----"),
            0u);
}

TEST_F(CasServiceTest, RestartKeepsStateAndIdentityAnotherPlatformCannotOpen) {
  const net::Response created = CreateDb(owner_, Variables());
  ASSERT_EQ(created.status, 201);
  const Bytes certificate = cas_->identity().certificate.ToDer();
  cas_.reset();
  StartCas();
  EXPECT_EQ(cas_->identity().certificate.ToDer(), certificate);
  EXPECT_FALSE(cas_->created_state());
  EXPECT_EQ(Body(owner_.Call(*cas_, "GET", "/v1/sessions/db"))["hash"],
            Body(created)["hash"]);
  cas_.reset();

  // The same state directory under another platform's LAS.
  las::testing::RunningLas other_las(dir_.File("other-las"));
  ASSERT_TRUE(other_las.ok());
  CasOptions options;
  options.data_dir = dir_.File("cas");
  options.listen = "127.0.0.1:0";
  options.las_socket = other_las.socket();
  StatusOr<std::unique_ptr<CasService>> stolen =
      CasService::Start(std::move(options));
  EXPECT_EQ(stolen.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stolen.status().message().find(
                "sealed by another CAS build or on another platform"),
            std::string::npos)
      << stolen.status().ToString();
  StartCas();  // and the state is intact for its own platform
  EXPECT_EQ(Body(owner_.Call(*cas_, "GET", "/v1/sessions/db"))["hash"],
            Body(created)["hash"]);
}

TEST_F(CasServiceTest, AuditLogRecordsEveryActionAndVerifies) {
  ASSERT_EQ(CreateDb(owner_, Variables()).status, 201);
  owner_.Call(*cas_, "GET", "/v1/sessions/db");
  Caller runtime;
  Caller thief;
  Provision(runtime, "db/server", QuoteFor(runtime));
  Provision(thief, "db/server", QuoteFor(runtime));
  const std::string log = dir_.File("cas/audit.log");
  const AuditVerification verification =
      ValueOrDie(VerifyAuditLog(log, nullptr));
  EXPECT_TRUE(verification.intact())
      << DescribeAuditVerification(verification, log);
  // log.open, create, read, two attestations.
  EXPECT_GE(verification.good_records, 5u);
  const std::string text = ValueOrDie(ReadFile(log));
  EXPECT_NE(text.find("\"session.create\""), std::string::npos);
  EXPECT_NE(text.find("\"session.read\""), std::string::npos);
  EXPECT_NE(text.find("does not bind"), std::string::npos);
  EXPECT_NE(text.find("\"accepted\""), std::string::npos);
}

TEST(SplitSessionPathTest, SplitsAtTheLastSlash) {
  const std::optional<SessionPath> path = SplitSessionPath("team/db/server");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->session, "team/db");
  EXPECT_EQ(path->name, "server");
  EXPECT_FALSE(SplitSessionPath("db").has_value());
  EXPECT_FALSE(SplitSessionPath("db/").has_value());
  EXPECT_FALSE(SplitSessionPath("/server").has_value());
}

}  // namespace
}  // namespace coffer::cas

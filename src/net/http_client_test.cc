#include "net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "crypto/certificate_issuer.h"
#include "net/test_support.h"

namespace coffer::net {
namespace {

using std::chrono::milliseconds;
using testing::ClientIdentity;
using testing::ConnectClient;
using testing::Identity;
using testing::OtherClientIdentity;
using testing::ServerIdentity;
using testing::StartServer;
using testing::TestConfig;
using testing::ValueOrDie;

Router HelloRouter(std::atomic<int>* calls = nullptr) {
  Router router;
  EXPECT_TRUE(router
                  .Add("GET", "/hello",
                       [calls](const Request&) -> StatusOr<Response> {
                         if (calls != nullptr) ++*calls;
                         return JsonResponse("\"hello\"");
                       })
                  .ok());
  EXPECT_TRUE(router
                  .Add("POST", "/hello",
                       [](const Request& request) -> StatusOr<Response> {
                         return JsonResponse(request.body);
                       })
                  .ok());
  EXPECT_TRUE(router
                  .Add("GET", "/big",
                       [](const Request&) -> StatusOr<Response> {
                         return JsonResponse("\"" + std::string(4096, 'b') +
                                             "\"");
                       })
                  .ok());
  return router;
}

std::string Address(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

StatusOr<std::unique_ptr<HttpClient>> ConnectWith(
    uint16_t port, const ServerVerification& verification,
    const Identity* client = &ClientIdentity()) {
  const TlsIdentity identity =
      client != nullptr ? client->tls() : TlsIdentity();
  auto context = ValueOrDie(MakeClientTlsContext(
      verification, client != nullptr ? &identity : nullptr));
  return HttpClient::Connect("127.0.0.1", port, context);
}

TEST(HttpClientTest, RefusedConnectionIsUnavailable) {
  const uint16_t port = testing::UnusedPort();
  auto client = ConnectWith(port, ServerVerification::PinnedCertificate(
                                      ServerIdentity().certificate.ToDer()));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(client.status().message(),
            "cannot connect to " + Address(port) + ": connection refused");
}

TEST(HttpClientTest, WrongPinnedCertificateIsRefused) {
  auto server = StartServer(HelloRouter());
  // Same key, another certificate: a certificate pin is exact.
  const Identity impostor =
      testing::MakeIdentity(*ServerIdentity().key, "coffer-test-server");
  auto client = ConnectWith(
      server->port(),
      ServerVerification::PinnedCertificate(impostor.certificate.ToDer()));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(client.status().message(),
            "TLS handshake with " + Address(server->port()) +
                " failed: the server's certificate is not the pinned one");
}

TEST(HttpClientTest, PublicKeyPinSurvivesANewCertificate) {
  auto server = StartServer(HelloRouter());
  const Identity renewed =
      testing::MakeIdentity(*ServerIdentity().key, "renewed");
  auto client = ValueOrDie(ConnectWith(
      server->port(), ServerVerification::PinnedPublicKey(
                          crypto::Sha256(renewed.certificate.PublicKeyDer()))));
  EXPECT_EQ(ValueOrDie(client->Request("GET", "/hello")).body, "\"hello\"");

  auto wrong = ConnectWith(
      server->port(), ServerVerification::PinnedPublicKey(crypto::Sha256(
                          OtherClientIdentity().certificate.PublicKeyDer())));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "TLS handshake with " + Address(server->port()) +
                " failed: the server's public key is not the pinned one");
}

// A CA, and a server certificate from it for 127.0.0.1 and localhost.
struct CaIssuedServer {
  crypto::Certificate ca;
  crypto::Certificate leaf;

  static CaIssuedServer Make(const crypto::PrivateKey& ca_key) {
    const auto now = std::chrono::system_clock::now();
    crypto::CertificateSpec spec;
    spec.common_name = "Coffer Test CA";
    spec.usage = crypto::CertificateSpec::Usage::kCa;
    spec.not_before = now - std::chrono::hours(1);
    spec.valid_for = std::chrono::hours(24);
    crypto::Certificate ca = ValueOrDie(crypto::MakeSelfSignedCa(ca_key, spec));
    spec.common_name = "server";
    spec.usage = crypto::CertificateSpec::Usage::kServer;
    spec.dns_names = {"localhost"};
    spec.ip_addresses = {"127.0.0.1"};
    crypto::Certificate leaf = ValueOrDie(crypto::IssueCertificate(
        ca, ca_key, ServerIdentity().key->public_key(), spec));
    return {std::move(ca), std::move(leaf)};
  }
};

TEST(HttpClientTest, CaAndHostNameVerification) {
  const CaIssuedServer pki =
      CaIssuedServer::Make(crypto::testing::CachedKey(crypto::KeyType::kP384));
  const TlsIdentity server_identity{ServerIdentity().key,
                                    std::span(&pki.leaf, 1)};
  auto server = ValueOrDie(HttpServer::Start(
      TestConfig(), ValueOrDie(MakeServerTlsContext(server_identity)),
      HelloRouter()));

  auto good = ValueOrDie(ConnectWith(
      server->port(),
      ServerVerification::CaAndHostName({pki.ca.ToDer()}, "127.0.0.1")));
  EXPECT_EQ(ValueOrDie(good->Request("GET", "/hello")).status, 200);

  // The status a client gets from `verification`.
  const auto refusal = [&](const ServerVerification& verification) {
    return ConnectWith(server->port(), verification).status();
  };
  const std::string prefix = "TLS handshake with " + Address(server->port()) +
                             " failed: the server's certificate failed "
                             "verification: ";
  const Status wrong_name = refusal(
      ServerVerification::CaAndHostName({pki.ca.ToDer()}, "db.example"));
  EXPECT_EQ(wrong_name.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong_name.message(), prefix + "hostname mismatch");

  const CaIssuedServer other = CaIssuedServer::Make(
      crypto::testing::OtherCachedKey(crypto::KeyType::kP384));
  const Status wrong_ca = refusal(
      ServerVerification::CaAndHostName({other.ca.ToDer()}, "127.0.0.1"));
  EXPECT_EQ(wrong_ca.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong_ca.message(),
            prefix + "unable to get local issuer certificate");
}

TEST(HttpClientTest, AttestationModeHandsOverTheServerCertificate) {
  auto server = StartServer(HelloRouter());
  auto client = ValueOrDie(ConnectWith(
      server->port(), ServerVerification::AnyCertificateForAttestation()));
  EXPECT_EQ(client->server_certificate_der(),
            ServerIdentity().certificate.ToDer());
  EXPECT_EQ(client->server_identity(),
            IdentityOf(ServerIdentity().certificate));
  EXPECT_EQ(client->address(), Address(server->port()));
}

TEST(HttpClientTest, ClientWithoutCertificateIsRefused) {
  std::atomic<int> calls = 0;
  auto server = StartServer(HelloRouter(&calls));
  // TLS 1.3 lets the client finish its handshake before the server's
  // verdict arrives, so the refusal may surface on the first request.
  auto client = ConnectWith(server->port(),
                            ServerVerification::PinnedCertificate(
                                ServerIdentity().certificate.ToDer()),
                            nullptr);
  Status status = client.status();
  if (client.ok()) status = (*client)->Request("GET", "/hello").status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated) << status.ToString();
  EXPECT_EQ(status.message(),
            "GET /hello to " + Address(server->port()) +
                " failed: the server requires a client certificate");
  EXPECT_EQ(calls, 0);
}

TEST(HttpClientTest, ResponseOverTheLimitIsRefused) {
  auto server = StartServer(HelloRouter());
  ClientOptions options;
  options.max_response_bytes = 1024;
  auto client = ConnectClient(server->port(), &ClientIdentity(), options);
  const auto response = client->Request("GET", "/big");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(response.status().message(),
            "GET /big to " + Address(server->port()) +
                ": the response is larger than 1024 bytes");
  // The next request gets a fresh connection.
  EXPECT_EQ(ValueOrDie(client->Request("GET", "/hello")).status, 200);
}

TEST(HttpClientTest, SlowResponseHitsTheRequestDeadline) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/slow",
                       [released](const Request&) -> StatusOr<Response> {
                         released.wait();
                         return JsonResponse("{}");
                       })
                  .ok());
  auto server = StartServer(std::move(router));
  ClientOptions options;
  options.request_timeout = milliseconds(300);
  auto client = ConnectClient(server->port(), &ClientIdentity(), options);
  const auto response = client->Request("GET", "/slow");
  release.set_value();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(response.status().message(),
            "GET /slow to " + Address(server->port()) +
                ": no complete response within 300 ms");
}

TEST(HttpClientTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  ServerConfig config = TestConfig();
  config.idle_timeout = milliseconds(50);
  auto server = StartServer(HelloRouter(), config);
  auto client = ConnectClient(server->port());
  ASSERT_EQ(ValueOrDie(client->Request("GET", "/hello")).status, 200);
  // Long past the idle deadline: the server has closed the connection. A
  // POST (never retried) still succeeds, on a new connection.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(ValueOrDie(client->Request("POST", "/hello", "[2]")).body, "[2]");
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(ValueOrDie(client->Request("GET", "/hello")).status, 200);
}

TEST(HttpClientTest, RefusesBadRequestLines) {
  auto server = StartServer(HelloRouter());
  auto client = ConnectClient(server->port());
  EXPECT_EQ(client->Request("GET", "hello").status().message(),
            "bad request target \"hello\": it must be a path without spaces");
  EXPECT_EQ(client->Request("GET", "/a b").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->Request("GE T", "/hello").status().message(),
            "bad HTTP method \"GE T\"");
  EXPECT_EQ(
      client->Request("POST", "/hello", "{}", "a\r\nX: y").status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::net

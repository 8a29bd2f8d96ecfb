#include "net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "crypto/hash.h"
#include "net/http_client.h"
#include "net/test_support.h"

namespace coffer::net {
namespace {

using std::chrono::milliseconds;
using testing::ClientIdentity;
using testing::ConnectClient;
using testing::Identity;
using testing::OtherClientIdentity;
using testing::RawClientContext;
using testing::RawConnection;
using testing::ServerIdentity;
using testing::StartServer;
using testing::TestConfig;
using testing::ValueOrDie;

Response Text(std::string body) {
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

// Routes every test here can use. `calls` counts handler invocations.
Router TestRouter(std::atomic<int>* calls = nullptr) {
  Router router;
  auto count = [calls] {
    if (calls != nullptr) ++*calls;
  };
  EXPECT_TRUE(router
                  .Add("GET", "/whoami",
                       [count](const Request& request) -> StatusOr<Response> {
                         count();
                         return Text(request.peer.spki_sha256_hex + "\n" +
                                     HexEncode(request.peer.certificate_der));
                       })
                  .ok());
  EXPECT_TRUE(router
                  .Add("GET", "/remote",
                       [count](const Request& request) -> StatusOr<Response> {
                         count();
                         return Text(request.remote_address);
                       })
                  .ok());
  EXPECT_TRUE(router
                  .Add("POST", "/echo",
                       [count](const Request& request) -> StatusOr<Response> {
                         count();
                         return JsonResponse(request.body);
                       },
                       {.require_json = true})
                  .ok());
  EXPECT_TRUE(router
                  .Add("GET", "/fail",
                       [](const Request&) -> StatusOr<Response> {
                         return InternalError("database file is locked");
                       })
                  .ok());
  return router;
}

TEST(HttpServerTest, MutualTlsRoundTripShowsTheClientIdentity) {
  auto server = StartServer(TestRouter());
  const Identity& client_identity = ClientIdentity();
  auto client = ConnectClient(server->port());
  const Response response = ValueOrDie(client->Request("GET", "/whoami"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain");
  EXPECT_EQ(response.Header("Cache-Control"), "no-store");
  EXPECT_EQ(response.body,
            HexEncode(crypto::Sha256(client_identity.key->PublicKeyDer())) +
                "\n" + HexEncode(client_identity.certificate.ToDer()));
  // And the client sees the server's.
  EXPECT_EQ(client->server_identity(),
            IdentityOf(ServerIdentity().certificate));
  EXPECT_EQ(client->server_certificate_der(),
            ServerIdentity().certificate.ToDer());
}

TEST(HttpServerTest, AnEd25519ClientHasItsOwnIdentity) {
  auto server = StartServer(TestRouter());
  auto client = ConnectClient(server->port(), &OtherClientIdentity());
  const Response response = ValueOrDie(client->Request("GET", "/whoami"));
  EXPECT_TRUE(response.body.starts_with(
      IdentityOf(OtherClientIdentity().certificate) + "\n"));
}

TEST(HttpServerTest, ErrorsAreJsonWithTheRightStatus) {
  auto server = StartServer(TestRouter());
  auto client = ConnectClient(server->port());

  const Response not_found = ValueOrDie(client->Request("GET", "/v1/nothing"));
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.content_type, "application/json");
  EXPECT_EQ(
      not_found.body,
      R"({"error":"not_found","message":"no resource at \"/v1/nothing\""})");
  EXPECT_EQ(StatusFromResponse(not_found).code(), StatusCode::kNotFound);

  const Response wrong_method = ValueOrDie(client->Request("DELETE", "/echo"));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.Header("allow"), "POST");

  const Response wrong_type =
      ValueOrDie(client->Request("POST", "/echo", "hello", "text/plain"));
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_TRUE(
      wrong_type.body.starts_with(R"({"error":"unsupported_media_type")"))
      << wrong_type.body;

  const Response failed = ValueOrDie(client->Request("GET", "/fail"));
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, R"({"error":"internal","message":"internal error"})");

  // All on one connection: errors do not close it.
  const Response echoed = ValueOrDie(client->Request("POST", "/echo", "[1]"));
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, "[1]");
}

TEST(HttpServerTest, OversizedBodyGets413AndTheClientCarriesOn) {
  ServerConfig config = TestConfig();
  config.max_body_bytes = 1024;
  auto server = StartServer(TestRouter(), config);
  auto client = ConnectClient(server->port());

  EXPECT_EQ(ValueOrDie(client->Request("POST", "/echo",
                                       "\"" + std::string(1000, 'x') + "\""))
                .status,
            200);
  // Far larger than socket buffers: the server must read (and discard) the
  // body for the client to get to read the answer.
  const std::string huge = "\"" + std::string(2 * 1024 * 1024, 'x') + "\"";
  const Response refused = ValueOrDie(client->Request("POST", "/echo", huge));
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.Header("connection"), "close");
  EXPECT_EQ(refused.body,
            R"({"error":"payload_too_large","message":"the request body )"
            R"(exceeds 1024 bytes"})");
  EXPECT_EQ(ValueOrDie(client->Request("POST", "/echo", "{}")).status, 200);
}

TEST(HttpServerTest, OversizedHeadGets431) {
  ServerConfig config = TestConfig();
  config.max_header_bytes = 4096;
  auto server = StartServer(TestRouter(), config);
  auto client = ConnectClient(server->port());
  const Response refused =
      ValueOrDie(client->Request("GET", "/whoami?" + std::string(8192, 'q')));
  EXPECT_EQ(refused.status, 431);
  EXPECT_TRUE(refused.body.starts_with(
      R"({"error":"request_header_fields_too_large")"));
}

TEST(HttpServerTest, MalformedRequestGets400) {
  std::atomic<int> calls = 0;
  auto server = StartServer(TestRouter(&calls));
  auto raw = RawConnection::Open(server->port());
  ASSERT_NE(raw, nullptr);
  auto context = RawClientContext(&ClientIdentity());
  ASSERT_TRUE(raw->Handshake(context.get())) << raw->error();
  ASSERT_TRUE(raw->Write("GET /whoami HTTP/1.1\r\nBad Header\r\n\r\n"));
  const RawConnection::ReadResult result = raw->ReadUntilClosed();
  EXPECT_TRUE(result.closed_by_peer);
  EXPECT_TRUE(result.data.starts_with("HTTP/1.1 400 Bad Request\r\n"))
      << result.data;
  EXPECT_NE(result.data.find(R"({"error":"bad_request","message":"malformed )"
                             R"(HTTP request: )"),
            std::string::npos)
      << result.data;
  EXPECT_EQ(calls, 0);
}

TEST(HttpServerTest, AnswersExpect100ContinueBeforeTheBody) {
  auto server = StartServer(TestRouter());
  auto raw = RawConnection::Open(server->port());
  ASSERT_NE(raw, nullptr);
  auto context = RawClientContext(&ClientIdentity());
  ASSERT_TRUE(raw->Handshake(context.get())) << raw->error();
  ASSERT_TRUE(
      raw->Write("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: 2\r\n"
                 "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(raw->ReadSome(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw->Write("{}"));
  const RawConnection::ReadResult result = raw->ReadUntilClosed();
  EXPECT_TRUE(result.data.starts_with("HTTP/1.1 200 OK\r\n")) << result.data;
  EXPECT_TRUE(result.data.ends_with("\r\n\r\n{}")) << result.data;
}

TEST(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = StartServer(TestRouter());
  auto client = ConnectClient(server->port());
  const std::string first = ValueOrDie(client->Request("GET", "/remote")).body;
  EXPECT_TRUE(first.starts_with("127.0.0.1:")) << first;
  for (int i = 0; i < 5; ++i) {
    // The same client port: the same TCP connection.
    EXPECT_EQ(ValueOrDie(client->Request("GET", "/remote")).body, first);
  }
}

TEST(HttpServerTest, ConcurrentClientsAreAllServed) {
  SetLogLevel(LogLevel::kWarning);  // 320 access lines are noise here
  ServerConfig config = TestConfig();
  config.io_threads = 2;
  config.handler_threads = 4;
  auto server = StartServer(TestRouter(), config);
  constexpr int kThreads = 16;
  constexpr int kRequests = 20;
  std::atomic<int> ok = 0;
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = HttpClient::Connect(
          "127.0.0.1", server->port(),
          testing::PinningClientContext(ServerIdentity(), &ClientIdentity()));
      for (int i = 0; client.ok() && i < kRequests; ++i) {
        const std::string body =
            "[" + std::to_string(t) + "," + std::to_string(i) + "]";
        auto response = (*client)->Request("POST", "/echo", body);
        if (response.ok() && response->status == 200 &&
            response->body == body) {
          ++ok;
        } else {
          std::lock_guard lock(errors_mutex);
          errors.push_back(response.ok() ? response->body
                                         : response.status().ToString());
        }
      }
      if (!client.ok()) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(client.status().ToString());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  SetLogLevel(LogLevel::kInfo);
  EXPECT_EQ(ok, kThreads * kRequests);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST(HttpServerTest, HandlersMayRunOnTheIoThreads) {
  ServerConfig config = TestConfig();
  config.handler_threads = 0;
  auto server = StartServer(TestRouter(), config);
  auto client = ConnectClient(server->port());
  EXPECT_EQ(ValueOrDie(client->Request("POST", "/echo", "{}")).body, "{}");
}

TEST(HttpServerTest, PlaintextRequestIsRefusedAndTheServerKeepsServing) {
  std::atomic<int> calls = 0;
  auto server = StartServer(TestRouter(&calls));
  auto raw = RawConnection::Open(server->port());
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Write("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n"));
  const RawConnection::ReadResult result = raw->ReadUntilClosed();
  EXPECT_TRUE(result.closed_by_peer);
  EXPECT_EQ(result.data.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(calls, 0);
  auto client = ConnectClient(server->port());
  EXPECT_EQ(ValueOrDie(client->Request("GET", "/whoami")).status, 200);
}

TEST(HttpServerTest, ClientWithoutCertificateIsRefusedAtTheHandshake) {
  std::atomic<int> calls = 0;
  auto server = StartServer(TestRouter(&calls));
  // In TLS 1.2 the server's refusal ends the handshake itself.
  auto context = RawClientContext(nullptr);
  SSL_CTX_set_max_proto_version(context.get(), TLS1_2_VERSION);
  auto raw = RawConnection::Open(server->port());
  ASSERT_NE(raw, nullptr);
  EXPECT_FALSE(raw->Handshake(context.get()));
  EXPECT_EQ(raw->error(), "sslv3 alert handshake failure");
  EXPECT_EQ(calls, 0);
}

TEST(HttpServerTest, Tls11ClientIsRefused) {
  auto server = StartServer(TestRouter());
  auto context = RawClientContext(&ClientIdentity());
  // OpenSSL 3 allows TLS 1.1 only at security level 0.
  SSL_CTX_set_security_level(context.get(), 0);
  SSL_CTX_set_min_proto_version(context.get(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(context.get(), TLS1_1_VERSION);
  auto raw = RawConnection::Open(server->port());
  ASSERT_NE(raw, nullptr);
  ASSERT_FALSE(raw->Handshake(context.get()));
  if (raw->error() == "no protocols available") {
    GTEST_SKIP() << "this libssl cannot speak TLS 1.1 at all";
  }
  EXPECT_EQ(raw->error(), "tlsv1 alert protocol version");
}

TEST(HttpServerTest, NonAeadCipherIsRefused) {
  auto server = StartServer(TestRouter());
  auto context = RawClientContext(&ClientIdentity());
  SSL_CTX_set_max_proto_version(context.get(), TLS1_2_VERSION);
  ASSERT_EQ(SSL_CTX_set_cipher_list(context.get(), "ECDHE-ECDSA-AES128-SHA"),
            1);
  auto raw = RawConnection::Open(server->port());
  ASSERT_NE(raw, nullptr);
  EXPECT_FALSE(raw->Handshake(context.get()));
  EXPECT_EQ(raw->error(), "sslv3 alert handshake failure");
}

TEST(HttpServerTest, SlowClientIsDroppedWhileOthersAreServed) {
  ServerConfig config = TestConfig();
  config.request_timeout = milliseconds(300);
  std::atomic<int> calls = 0;
  auto server = StartServer(TestRouter(&calls), config);
  auto slow = RawConnection::Open(server->port());
  ASSERT_NE(slow, nullptr);
  auto context = RawClientContext(&ClientIdentity());
  ASSERT_TRUE(slow->Handshake(context.get())) << slow->error();
  ASSERT_TRUE(slow->Write("GET /whoami HTTP/1.1\r\nHost: x\r\n"));

  auto client = ConnectClient(server->port());
  EXPECT_EQ(ValueOrDie(client->Request("GET", "/whoami")).status, 200);

  const RawConnection::ReadResult result = slow->ReadUntilClosed();
  EXPECT_TRUE(result.closed_by_peer);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.data, "");
  EXPECT_EQ(calls, 1);
}

TEST(HttpServerTest, SilentConnectionIsDroppedAtTheHandshakeDeadline) {
  ServerConfig config = TestConfig();
  config.handshake_timeout = milliseconds(300);
  auto server = StartServer(TestRouter(), config);
  auto silent = RawConnection::Open(server->port());
  ASSERT_NE(silent, nullptr);
  const RawConnection::ReadResult result = silent->ReadUntilClosed();
  EXPECT_TRUE(result.closed_by_peer);
  EXPECT_FALSE(result.timed_out);
}

TEST(HttpServerTest, ConnectionsOverTheLimitAreClosed) {
  ServerConfig config = TestConfig();
  config.max_connections = 1;
  auto server = StartServer(TestRouter(), config);
  auto context = RawClientContext(&ClientIdentity());
  auto first = RawConnection::Open(server->port());
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Handshake(context.get())) << first->error();

  auto second = RawConnection::Open(server->port());
  ASSERT_NE(second, nullptr);
  EXPECT_FALSE(second->Handshake(context.get()));

  // Once the first is gone, its slot is free again (the server learns of
  // the close asynchronously, hence the retries up to a deadline).
  first.reset();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  StatusOr<Response> response = UnavailableError("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    auto client = HttpClient::Connect(
        "127.0.0.1", server->port(),
        testing::PinningClientContext(ServerIdentity(), &ClientIdentity()));
    if (client.ok()) {
      response = (*client)->Request("GET", "/whoami");
      if (response.ok()) break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

// A route whose handler blocks until the test releases it.
struct BlockingRoute {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released{release.get_future().share()};

  Router MakeRouter() {
    Router router = TestRouter();
    EXPECT_TRUE(router
                    .Add("GET", "/slow",
                         [this](const Request&) -> StatusOr<Response> {
                           entered.set_value();
                           released.wait();
                           return Text("done");
                         })
                    .ok());
    return router;
  }
};

TEST(HttpServerTest, GracefulStopFinishesTheRequestInFlight) {
  BlockingRoute route;
  auto server = StartServer(route.MakeRouter());
  const uint16_t port = server->port();
  auto busy = ConnectClient(port);
  auto idle = ConnectClient(port);
  ASSERT_EQ(ValueOrDie(idle->Request("GET", "/whoami")).status, 200);

  auto in_flight = std::async(std::launch::async,
                              [&] { return busy->Request("GET", "/slow"); });
  route.entered.get_future().wait();
  server->RequestStop();

  // No new connections are served.
  auto late = HttpClient::Connect(
      "127.0.0.1", port,
      testing::PinningClientContext(ServerIdentity(), &ClientIdentity()));
  if (late.ok()) {
    EXPECT_FALSE((*late)->Request("GET", "/whoami").ok());
  } else {
    EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);
  }

  route.release.set_value();
  const Response response = ValueOrDie(in_flight.get());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "done");
  EXPECT_EQ(response.Header("connection"), "close");
  server->Wait();
  // The idle connection was closed by the drain.
  EXPECT_EQ(idle->Request("GET", "/whoami").status().code(),
            StatusCode::kUnavailable);
}

TEST(HttpServerTest, StopClosesRequestsPastTheDrainDeadline) {
  ServerConfig config = TestConfig();
  config.drain_timeout = milliseconds(200);
  BlockingRoute route;
  auto server = StartServer(route.MakeRouter(), config);
  auto client = ConnectClient(server->port());
  auto in_flight = std::async(std::launch::async,
                              [&] { return client->Request("GET", "/slow"); });
  route.entered.get_future().wait();
  auto stopped = std::async(std::launch::async, [&] { server->Stop(); });
  // The drain deadline closes the connection under the running handler.
  const StatusOr<Response> response = in_flight.get();
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable)
      << response.status().ToString();
  // Stop() waits for the handler, which cannot be interrupted.
  route.release.set_value();
  stopped.get();
}

TEST(HttpServerTest, StopFromAHandlerOnlyRequestsIt) {
  std::atomic<HttpServer*> self = nullptr;
  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/shutdown",
                       [&self](const Request&) -> StatusOr<Response> {
                         self.load()->Stop();  // must not wait for itself
                         return JsonResponse("{}", 202);
                       })
                  .ok());
  auto server = StartServer(std::move(router));
  self = server.get();
  auto client = ConnectClient(server->port());
  const Response response =
      ValueOrDie(client->Request("POST", "/shutdown", "{}"));
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.Header("connection"), "close");
  server->Wait();
}

TEST(HttpServerTest, CountsRequestsAndConnectionsInTheRegistry) {
  MetricsRegistry registry;
  ServerConfig config = TestConfig();
  config.metrics = &registry;
  auto server = StartServer(TestRouter(), config);
  auto client = ConnectClient(server->port());
  ASSERT_EQ(ValueOrDie(client->Request("GET", "/whoami")).status, 200);
  ASSERT_EQ(ValueOrDie(client->Request("GET", "/nothing")).status, 404);
  ASSERT_EQ(ValueOrDie(client->Request("BREW", "/whoami")).status, 405);
  server->Stop();  // the counters are final once it has stopped

  const std::string text = registry.Render();
  for (const char* line : {
           "coffer_http_requests_total{method=\"GET\",route=\"/whoami\","
           "code=\"200\"} 1\n",
           "coffer_http_requests_total{method=\"GET\",route=\"unmatched\","
           "code=\"404\"} 1\n",
           "coffer_http_requests_total{method=\"other\",route=\"unmatched\","
           "code=\"405\"} 1\n",
           "coffer_http_request_duration_seconds_count{route=\"/whoami\"} 1\n",
           "coffer_http_connections_total{result=\"established\"} 1\n",
           "coffer_http_connections_open 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
  }
}

TEST(HttpServerTest, LogsOneAccessLineWithoutTheBody) {
  std::mutex mutex;
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  });
  {
    auto server = StartServer(TestRouter());
    auto client = ConnectClient(server->port());
    ASSERT_EQ(
        ValueOrDie(client->Request("POST", "/echo", "\"hunter2\"")).status,
        200);
    server->Stop();
  }
  SetLogSink(nullptr);
  const std::string identity = IdentityOf(ClientIdentity().certificate);
  int access_lines = 0;
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
    if (line.find("msg=\"http request\"") == std::string::npos) continue;
    ++access_lines;
    EXPECT_NE(line.find("method=POST path=/echo route=/echo status=200 "),
              std::string::npos)
        << line;
    EXPECT_NE(line.find(" identity=" + identity.substr(0, 16) + " "),
              std::string::npos)
        << line;
  }
  EXPECT_EQ(access_lines, 1);
}

TEST(HttpServerTest, StartFailsClearlyOnABusyPort) {
  auto first = StartServer(TestRouter());
  ServerConfig config = TestConfig();
  config.port = first->port();
  auto second = HttpServer::Start(
      config, testing::ServerContext(ServerIdentity()), TestRouter());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(),
            "cannot listen on 127.0.0.1:" + std::to_string(first->port()) +
                ": address already in use");
}

TEST(HttpServerTest, StartRefusesBadConfigs) {
  ServerConfig config = TestConfig();
  config.host = "localhost";
  auto by_name = HttpServer::Start(
      config, testing::ServerContext(ServerIdentity()), TestRouter());
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.status().message(),
            "https server: \"localhost\" is not an IP address");

  const TlsIdentity identity = ClientIdentity().tls();
  auto client_context = ValueOrDie(MakeClientTlsContext(
      ServerVerification::AnyCertificateForAttestation(), &identity));
  auto wrong_context =
      HttpServer::Start(TestConfig(), client_context, TestRouter());
  ASSERT_FALSE(wrong_context.ok());
  EXPECT_EQ(wrong_context.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::net

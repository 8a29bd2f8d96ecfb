#include "net/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace coffer::net::testing {
namespace {

std::string TakeSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

}  // namespace

Identity MakeIdentity(const crypto::PrivateKey& key, std::string name) {
  const auto now = std::chrono::system_clock::now();
  return Identity{&key,
                  ValueOrDie(MakeSelfSignedIdentityCertificate(
                      key, std::move(name), now - std::chrono::hours(1),
                      std::chrono::hours(24), {"localhost"}, {"127.0.0.1"}))};
}

// Never destroyed: shared by all tests of the binary, like the keys.
const Identity& ServerIdentity() {
  static const auto* identity = new Identity(
      MakeIdentity(crypto::testing::CachedKey(crypto::KeyType::kP256),
                   "coffer-test-server"));
  return *identity;
}

const Identity& ClientIdentity() {
  static const auto* identity = new Identity(
      MakeIdentity(crypto::testing::OtherCachedKey(crypto::KeyType::kP256),
                   "coffer-test-client"));
  return *identity;
}

const Identity& OtherClientIdentity() {
  static const auto* identity = new Identity(
      MakeIdentity(crypto::testing::CachedKey(crypto::KeyType::kEd25519),
                   "coffer-test-other"));
  return *identity;
}

std::shared_ptr<const TlsContext> ServerContext(const Identity& server) {
  return ValueOrDie(MakeServerTlsContext(server.tls()));
}

std::shared_ptr<const TlsContext> PinningClientContext(const Identity& server,
                                                       const Identity* client) {
  const TlsIdentity identity =
      client != nullptr ? client->tls() : TlsIdentity();
  return ValueOrDie(MakeClientTlsContext(
      ServerVerification::PinnedCertificate(server.certificate.ToDer()),
      client != nullptr ? &identity : nullptr));
}

ServerConfig TestConfig() {
  ServerConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.io_threads = 2;
  config.handler_threads = 2;
  config.drain_timeout = std::chrono::seconds(10);
  return config;
}

std::unique_ptr<HttpServer> StartServer(Router router, ServerConfig config) {
  return ValueOrDie(HttpServer::Start(
      std::move(config), ServerContext(ServerIdentity()), std::move(router)));
}

std::unique_ptr<HttpClient> ConnectClient(uint16_t port, const Identity* client,
                                          ClientOptions options) {
  return ValueOrDie(HttpClient::Connect(
      "127.0.0.1", port, PinningClientContext(ServerIdentity(), client),
      options));
}

SslCtxPtr RawClientContext(const Identity* client) {
  SslCtxPtr context(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  if (client != nullptr) {
    SSL_CTX_use_certificate(context.get(), client->certificate.native());
    SSL_CTX_use_PrivateKey(context.get(), client->key->native());
  }
  return context;
}

std::unique_ptr<RawConnection> RawConnection::Open(
    uint16_t port, std::chrono::seconds timeout) {
  // libssl writes with write(2): a server that has closed the connection
  // would kill the test binary with SIGPIPE instead of failing a write.
  signal(SIGPIPE, SIG_IGN);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return nullptr;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return nullptr;
  }
  return std::unique_ptr<RawConnection>(new RawConnection(fd));
}

RawConnection::~RawConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  close(fd_);
}

bool RawConnection::Handshake(SSL_CTX* context) {
  ERR_clear_error();
  ssl_ = SSL_new(context);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    error_ = TakeSslError();
    return false;
  }
  return true;
}

bool RawConnection::Write(std::string_view data) {
  if (ssl_ != nullptr) {
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

RawConnection::ReadResult RawConnection::ReadUntilClosed() {
  ReadResult result;
  char buffer[4096];
  for (;;) {
    errno = 0;
    const int n = ssl_ != nullptr
                      ? SSL_read(ssl_, buffer, sizeof buffer)
                      : static_cast<int>(recv(fd_, buffer, sizeof buffer, 0));
    if (n > 0) {
      result.data.append(buffer, static_cast<size_t>(n));
      continue;
    }
    result.timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
    result.closed_by_peer = !result.timed_out;
    ERR_clear_error();
    return result;
  }
}

std::string RawConnection::ReadSome() {
  char buffer[4096];
  const int n = ssl_ != nullptr
                    ? SSL_read(ssl_, buffer, sizeof buffer)
                    : static_cast<int>(recv(fd_, buffer, sizeof buffer, 0));
  ERR_clear_error();
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

uint16_t UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  EXPECT_TRUE(bound) << "cannot find a free port";
  return ntohs(address.sin_port);
}

}  // namespace coffer::net::testing

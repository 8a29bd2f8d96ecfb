// Test support for src/net: identities valid now, TLS contexts, servers on
// 127.0.0.1 port 0, and a raw TLS/TCP client (POSIX sockets and libssl)
// for what HttpClient refuses to do: old protocols, no certificate, half
// requests, plaintext.
//
// TLS verification in OpenSSL uses the real clock, so the certificates
// here are valid from an hour ago for a day.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/test_pki.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"

namespace coffer::net::testing {

using crypto::testing::ValueOrDie;

// A key (borrowed from crypto's test key cache) and its self-signed
// certificate (CN=`name`, IP SAN 127.0.0.1).
struct Identity {
  const crypto::PrivateKey* key;
  crypto::Certificate certificate;

  TlsIdentity tls() const { return {key, std::span(&certificate, 1)}; }
};
// Made once per test binary.
const Identity& ServerIdentity();  // P-256 key, "coffer-test-server"
const Identity& ClientIdentity();  // another P-256 key, "coffer-test-client"
const Identity& OtherClientIdentity();  // an Ed25519 key, "coffer-test-other"
// A fresh certificate for `key`.
Identity MakeIdentity(const crypto::PrivateKey& key, std::string name);

std::shared_ptr<const TlsContext> ServerContext(const Identity& server);
// Pins `server`'s certificate and presents `client` (unless null).
std::shared_ptr<const TlsContext> PinningClientContext(const Identity& server,
                                                       const Identity* client);

// Short timeouts for tests that wait for them; others keep defaults.
ServerConfig TestConfig();

// A server presenting ServerIdentity(); it stops when destroyed, so a test
// that fails half-way still stops it.
std::unique_ptr<HttpServer> StartServer(Router router,
                                        ServerConfig config = TestConfig());
// A client on 127.0.0.1:`port` pinning ServerIdentity() and presenting
// `client` (none if null).
std::unique_ptr<HttpClient> ConnectClient(
    uint16_t port, const Identity* client = &ClientIdentity(),
    ClientOptions options = {});

struct SslCtxDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// A plain libssl client context with no verification of the server and
// `client`'s key and certificate if given.
SslCtxPtr RawClientContext(const Identity* client);

// A blocking TCP connection to 127.0.0.1:`port`, optionally with TLS.
// Reads and writes give up after `timeout` (a deadline, never asserted).
class RawConnection {
 public:
  static std::unique_ptr<RawConnection> Open(
      uint16_t port, std::chrono::seconds timeout = std::chrono::seconds(10));
  ~RawConnection();

  // True when the TLS handshake completed; error() then says why not.
  bool Handshake(SSL_CTX* context);
  bool Write(std::string_view data);

  struct ReadResult {
    std::string data;
    bool closed_by_peer = false;  // EOF, reset or a TLS alert/close_notify
    bool timed_out = false;       // our own deadline, not the peer
  };
  // Reads until the peer closes the connection or the deadline passes.
  ReadResult ReadUntilClosed();
  // One read: what arrived (at most 4 KiB), "" on close or timeout.
  std::string ReadSome();

  const std::string& error() const { return error_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}

  int fd_;
  SSL* ssl_ = nullptr;
  std::string error_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
uint16_t UnusedPort();

}  // namespace coffer::net::testing

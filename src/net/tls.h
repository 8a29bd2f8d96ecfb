// TLS contexts for Coffer's HTTPS server and client, built in memory from
// crypto::PrivateKey and crypto::Certificate (no files).
//
// Every context allows TLS 1.2 and 1.3 only, AEAD cipher suites only
// (AES-GCM, ChaCha20-Poly1305, with ECDHE in TLS 1.2), no compression, no
// renegotiation and no session resumption (a resumed session would skip the
// certificate checks below, and Coffer's connections are long-lived).
//
// Server: mutual TLS. The server requests and requires a client
// certificate but accepts any, self-signed included, because the CAS
// identifies a caller by the SHA-256 of its public key (PeerIdentity), not
// by a CA. The TLS handshake proves that the client holds that key.
//
// Client: presents its own key and certificate (optional) and verifies the
// server in one of the ways of ServerVerification.
//
// A TlsContext is immutable after construction and shared by the server or
// client that uses it (shared_ptr<const TlsContext>).
//
// Thread safety: a TlsContext may be used by any number of connections on
// any threads at once. The free functions may be called from any thread.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace coffer::net {

// The key and certificate chain a side presents. Borrowed for the duration
// of the Make*TlsContext call only: the context keeps its own references.
struct TlsIdentity {
  const crypto::PrivateKey* key = nullptr;
  // Leaf first, then intermediates; the leaf must be the key's.
  std::span<const crypto::Certificate> chain;
};

// How a client decides that it talks to the right server.
struct ServerVerification {
  enum class Mode {
    // The server's leaf certificate must be exactly this DER (the CLI pins
    // the certificate of an attested CAS).
    kPinnedCertificate,
    // The SHA-256 of the server leaf's SubjectPublicKeyInfo must be this
    // (survives a certificate renewal with the same key).
    kPinnedPublicKey,
    // The chain must verify up to one of `ca_certificates` at the current
    // time, and the leaf must name `host_name` (DNS name or IP address).
    kCaAndHostName,
    // Any certificate is accepted during the handshake. Only for `cas
    // attest`: the caller must verify server_certificate_der() (by a quote
    // that binds its key) before it trusts anything it received.
    kAnyCertificateForAttestation,
  };

  static ServerVerification PinnedCertificate(Bytes certificate_der);
  static ServerVerification PinnedPublicKey(crypto::Sha256Digest spki_sha256);
  static ServerVerification CaAndHostName(
      std::vector<Bytes> ca_certificates_der, std::string host_name);
  static ServerVerification AnyCertificateForAttestation();

  Mode mode = Mode::kPinnedCertificate;
  Bytes pinned_certificate_der;
  crypto::Sha256Digest pinned_spki_sha256{};
  std::vector<Bytes> ca_certificates_der;
  std::string host_name;
};

// Which client certificates a server accepts. A certificate is always
// required.
struct ClientVerification {
  enum class Mode {
    // Any certificate, self-signed included: the CAS identifies callers by
    // their key (PeerIdentity), not by a CA.
    kAnyCertificate,
    // The chain must verify up to one of `ca_certificates_der` at the
    // current time and the leaf must allow TLS client authentication (the
    // MySQL proxy: clients hold certificates of the database session's CA).
    kCa,
  };

  static ClientVerification AnyCertificate() { return {}; }
  static ClientVerification Ca(std::vector<Bytes> ca_certificates_der);

  Mode mode = Mode::kAnyCertificate;
  std::vector<Bytes> ca_certificates_der;
};

class TlsContext;

// A server context presenting `identity` (required) and requiring a client
// certificate that `clients` accepts. Failure: kInvalidArgument when the
// key and the leaf do not match, the chain is empty, or kCa has no CA or
// one that does not parse; kInternal when libssl fails.
StatusOr<std::shared_ptr<const TlsContext>> MakeServerTlsContext(
    const TlsIdentity& identity,
    const ClientVerification& clients = ClientVerification::AnyCertificate());

// A client context verifying the server by `verification` and presenting
// `identity` if it is not null. Failure: kInvalidArgument for an
// incomplete verification (no pin, no CA, a CA mode without host name), a
// CA that does not parse, or a key that does not match its leaf.
StatusOr<std::shared_ptr<const TlsContext>> MakeClientTlsContext(
    const ServerVerification& verification,
    const TlsIdentity* identity = nullptr);

// An SSL_CTX with Coffer's settings plus what its callbacks need.
class TlsContext {
 public:
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  bool is_server() const { return is_server_; }
  // For client contexts: what the server must prove.
  const ServerVerification& verification() const { return verification_; }

  // For client contexts, after a failed handshake on `ssl`: why the
  // server's certificate was refused ("the server's certificate is not the
  // pinned one", "hostname mismatch", ...), or "" if certificate
  // verification was not what failed.
  std::string ExplainVerificationFailure(const SSL* ssl) const;

  // Borrowed; valid while this object lives. Only for src/net's server and
  // client, which wrap it for Asio.
  SSL_CTX* native() const { return context_.get(); }

 private:
  friend StatusOr<std::shared_ptr<const TlsContext>> MakeServerTlsContext(
      const TlsIdentity& identity, const ClientVerification& clients);
  friend StatusOr<std::shared_ptr<const TlsContext>> MakeClientTlsContext(
      const ServerVerification& verification, const TlsIdentity* identity);
  struct SslCtxDeleter {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  };
  using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

  TlsContext(SslCtxPtr context, bool is_server,
             ServerVerification verification);

  SslCtxPtr context_;
  bool is_server_;
  ServerVerification verification_;
};

// A self-signed end-entity certificate for `key` with CN=common_name, usable
// for both TLS server and client authentication: how a CLI user or a CAS
// gets an identity without a CA. DNS names and IP addresses go into
// subjectAltName (for clients that verify host names). Validity is
// [not_before, not_before + valid_for]; pass the injected clock's now.
StatusOr<crypto::Certificate> MakeSelfSignedIdentityCertificate(
    const crypto::PrivateKey& key, std::string common_name,
    std::chrono::system_clock::time_point not_before,
    std::chrono::seconds valid_for, std::vector<std::string> dns_names = {},
    std::vector<std::string> ip_addresses = {});

// The identity of a TLS peer as Coffer uses it: the lower-case hex SHA-256
// of the leaf's SubjectPublicKeyInfo DER (what policies list), and the DER
// of the leaf itself.
struct PeerIdentity {
  std::string spki_sha256_hex;
  Bytes certificate_der;

  bool empty() const { return spki_sha256_hex.empty(); }
};

// The peer's identity on an established connection; empty if the peer sent
// no certificate.
PeerIdentity PeerIdentityOf(const SSL* ssl);

// The subject of the peer's leaf certificate in OpenSSL's one-line form
// with RFC 2253 escaping ("CN=app,O=Example"), or "" without one.
std::string PeerSubjectOf(const SSL* ssl);

// The hex SHA-256 of the SubjectPublicKeyInfo of `certificate`: the same
// value PeerIdentity holds for a peer that presents it.
std::string IdentityOf(const crypto::Certificate& certificate);

}  // namespace coffer::net

#include "net/tls.h"

#include <openssl/x509_vfy.h>

#include <utility>

#include "crypto/certificate_issuer.h"
#include "crypto/openssl_errors.h"

namespace coffer::net {
namespace {

using crypto::internal::ClearOpenSslErrors;
using crypto::internal::TakeOpenSslError;

// TLS 1.2: ECDHE for forward secrecy, AEAD only. Ed25519 certificates use
// the ECDSA suites in OpenSSL.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3 defines AEAD suites only; listing them keeps out the CCM ones.
constexpr char kTls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
    "TLS_CHACHA20_POLY1305_SHA256";
constexpr char kGroups[] = "X25519:P-256:P-384";

Bytes CertificateDer(X509* certificate) {
  const int length = i2d_X509(certificate, nullptr);
  if (length <= 0) return {};
  Bytes der(static_cast<size_t>(length));
  unsigned char* out = der.data();
  if (i2d_X509(certificate, &out) != length) return {};
  return der;
}

Bytes SpkiDer(X509* certificate) {
  X509_PUBKEY* spki = X509_get_X509_PUBKEY(certificate);
  const int length = spki != nullptr ? i2d_X509_PUBKEY(spki, nullptr) : 0;
  if (length <= 0) return {};
  Bytes der(static_cast<size_t>(length));
  unsigned char* out = der.data();
  if (i2d_X509_PUBKEY(spki, &out) != length) return {};
  return der;
}

// Replaces OpenSSL's chain verification on the server: any client
// certificate is acceptable, because the client's identity is its key
// (which the handshake proves it holds), not a CA's signature.
int AcceptAnyCertificate(X509_STORE_CTX* /*store*/, void* /*arg*/) { return 1; }

// Replaces chain verification on a pinning client: only the leaf matters.
int VerifyPinned(X509_STORE_CTX* store, void* arg) {
  const auto* verification = static_cast<const ServerVerification*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  bool match = false;
  if (leaf != nullptr) {
    if (verification->mode == ServerVerification::Mode::kPinnedCertificate) {
      match = CertificateDer(leaf) == verification->pinned_certificate_der;
    } else {
      match = crypto::Sha256(SpkiDer(leaf)) == verification->pinned_spki_sha256;
    }
  }
  if (!match) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

Status LibsslError(std::string_view what) {
  return InternalError("TLS context: " + std::string(what) + ": " +
                       TakeOpenSslError());
}

// Protocol versions, cipher suites, groups and options both sides share.
Status ConfigureCommon(SSL_CTX* context) {
  if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) {
    return LibsslError("cannot restrict protocol versions");
  }
  if (SSL_CTX_set_cipher_list(context, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(context, kTls13Suites) != 1) {
    return LibsslError("cannot set cipher suites");
  }
  if (SSL_CTX_set1_groups_list(context, kGroups) != 1) {
    return LibsslError("cannot set key exchange groups");
  }
  SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                   SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  return OkStatus();
}

Status UseIdentity(SSL_CTX* context, const TlsIdentity& identity) {
  if (identity.key == nullptr || identity.chain.empty()) {
    return InvalidArgumentError(
        "TLS identity: a private key and at least one certificate are "
        "required");
  }
  const crypto::Certificate& leaf = identity.chain.front();
  if (X509_check_private_key(leaf.native(), identity.key->native()) != 1) {
    ClearOpenSslErrors();
    return InvalidArgumentError("TLS identity: the certificate \"" +
                                leaf.subject() +
                                "\" does not belong to the private key");
  }
  // Each call takes its own reference; the caller's objects stay theirs.
  if (SSL_CTX_use_certificate(context, leaf.native()) != 1 ||
      SSL_CTX_use_PrivateKey(context, identity.key->native()) != 1) {
    return LibsslError("cannot use the identity key and certificate");
  }
  for (const crypto::Certificate& intermediate : identity.chain.subspan(1)) {
    if (SSL_CTX_add1_chain_cert(context, intermediate.native()) != 1) {
      return LibsslError("cannot add chain certificate \"" +
                         intermediate.subject() + "\"");
    }
  }
  return OkStatus();
}

Status CheckVerification(const ServerVerification& verification) {
  using Mode = ServerVerification::Mode;
  switch (verification.mode) {
    case Mode::kPinnedCertificate:
      if (verification.pinned_certificate_der.empty()) {
        return InvalidArgumentError(
            "server verification: the pinned certificate is empty");
      }
      return OkStatus();
    case Mode::kPinnedPublicKey:
      if (verification.pinned_spki_sha256 == crypto::Sha256Digest{}) {
        return InvalidArgumentError(
            "server verification: the pinned public key hash is all zero");
      }
      return OkStatus();
    case Mode::kCaAndHostName:
      if (verification.ca_certificates_der.empty()) {
        return InvalidArgumentError(
            "server verification: no CA certificate given");
      }
      if (verification.host_name.empty()) {
        return InvalidArgumentError(
            "server verification: no expected host name given");
      }
      return OkStatus();
    case Mode::kAnyCertificateForAttestation: return OkStatus();
  }
  return InvalidArgumentError("server verification: unknown mode");
}

// Adds `ca_certificates_der` to the context's trust store.
Status AddTrustedCas(SSL_CTX* context, const std::vector<Bytes>& cas,
                     std::string_view what) {
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  for (size_t i = 0; i < cas.size(); ++i) {
    auto ca = crypto::Certificate::FromDer(cas[i]);
    if (!ca.ok()) {
      return ca.status().WithContext(std::string(what) + ": CA certificate " +
                                     std::to_string(i + 1));
    }
    if (X509_STORE_add_cert(store, ca->native()) != 1) {
      return LibsslError("cannot add CA certificate \"" + ca->subject() + "\"");
    }
  }
  return OkStatus();
}

// The trust store and host name check of kCaAndHostName.
Status UseCaAndHostName(SSL_CTX* context,
                        const ServerVerification& verification) {
  COFFER_RETURN_IF_ERROR(AddTrustedCas(
      context, verification.ca_certificates_der, "server verification"));
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context);
  // An IP address must match an iPAddress entry, a name a dNSName entry.
  if (X509_VERIFY_PARAM_set1_ip_asc(param, verification.host_name.c_str()) !=
      1) {
    ClearOpenSslErrors();
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, verification.host_name.c_str(),
                                    verification.host_name.size()) != 1) {
      return InvalidArgumentError("server verification: bad host name \"" +
                                  verification.host_name + "\"");
    }
  }
  return OkStatus();
}

}  // namespace

ServerVerification ServerVerification::PinnedCertificate(
    Bytes certificate_der) {
  ServerVerification v;
  v.mode = Mode::kPinnedCertificate;
  v.pinned_certificate_der = std::move(certificate_der);
  return v;
}

ServerVerification ServerVerification::PinnedPublicKey(
    crypto::Sha256Digest spki_sha256) {
  ServerVerification v;
  v.mode = Mode::kPinnedPublicKey;
  v.pinned_spki_sha256 = spki_sha256;
  return v;
}

ServerVerification ServerVerification::CaAndHostName(
    std::vector<Bytes> ca_certificates_der, std::string host_name) {
  ServerVerification v;
  v.mode = Mode::kCaAndHostName;
  v.ca_certificates_der = std::move(ca_certificates_der);
  v.host_name = std::move(host_name);
  return v;
}

ServerVerification ServerVerification::AnyCertificateForAttestation() {
  ServerVerification v;
  v.mode = Mode::kAnyCertificateForAttestation;
  return v;
}

TlsContext::TlsContext(SslCtxPtr context, bool is_server,
                       ServerVerification verification)
    : context_(std::move(context)),
      is_server_(is_server),
      verification_(std::move(verification)) {}

std::string TlsContext::ExplainVerificationFailure(const SSL* ssl) const {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return "";
  if (result == X509_V_ERR_APPLICATION_VERIFICATION) {
    return verification_.mode == ServerVerification::Mode::kPinnedPublicKey
               ? "the server's public key is not the pinned one"
               : "the server's certificate is not the pinned one";
  }
  return std::string("the server's certificate failed verification: ") +
         X509_verify_cert_error_string(result);
}

ClientVerification ClientVerification::Ca(
    std::vector<Bytes> ca_certificates_der) {
  ClientVerification v;
  v.mode = Mode::kCa;
  v.ca_certificates_der = std::move(ca_certificates_der);
  return v;
}

StatusOr<std::shared_ptr<const TlsContext>> MakeServerTlsContext(
    const TlsIdentity& identity, const ClientVerification& clients) {
  ClearOpenSslErrors();
  TlsContext::SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  if (context == nullptr) return LibsslError("SSL_CTX_new");
  COFFER_RETURN_IF_ERROR(ConfigureCommon(context.get()));
  COFFER_RETURN_IF_ERROR(UseIdentity(context.get(), identity));
  SSL_CTX_set_num_tickets(context.get(), 0);
  SSL_CTX_set_verify(context.get(),
                     SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  if (clients.mode == ClientVerification::Mode::kCa) {
    if (clients.ca_certificates_der.empty()) {
      return InvalidArgumentError(
          "client verification: no CA certificate given");
    }
    COFFER_RETURN_IF_ERROR(AddTrustedCas(
        context.get(), clients.ca_certificates_der, "client verification"));
    // OpenSSL's chain verification, and the leaf must be meant for clients.
    X509_VERIFY_PARAM_set_purpose(SSL_CTX_get0_param(context.get()),
                                  X509_PURPOSE_SSL_CLIENT);
  } else {
    // Clients authenticate by key, so any certificate is accepted, but one
    // is required.
    SSL_CTX_set_cert_verify_callback(context.get(), AcceptAnyCertificate,
                                     nullptr);
  }
  return std::shared_ptr<const TlsContext>(
      new TlsContext(std::move(context), true, ServerVerification()));
}

StatusOr<std::shared_ptr<const TlsContext>> MakeClientTlsContext(
    const ServerVerification& verification, const TlsIdentity* identity) {
  COFFER_RETURN_IF_ERROR(CheckVerification(verification));
  ClearOpenSslErrors();
  TlsContext::SslCtxPtr context(SSL_CTX_new(TLS_client_method()));
  if (context == nullptr) return LibsslError("SSL_CTX_new");
  COFFER_RETURN_IF_ERROR(ConfigureCommon(context.get()));
  if (identity != nullptr) {
    COFFER_RETURN_IF_ERROR(UseIdentity(context.get(), *identity));
  }
  using Mode = ServerVerification::Mode;
  if (verification.mode == Mode::kCaAndHostName) {
    COFFER_RETURN_IF_ERROR(UseCaAndHostName(context.get(), verification));
  }
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX* native = context.get();
  // Heap-allocated and immovable, so the callback may keep a pointer to the
  // verification the context owns.
  std::unique_ptr<TlsContext> result(
      new TlsContext(std::move(context), false, verification));
  switch (verification.mode) {
    case Mode::kPinnedCertificate:
    case Mode::kPinnedPublicKey:
      SSL_CTX_set_cert_verify_callback(native, VerifyPinned,
                                       &result->verification_);
      break;
    case Mode::kAnyCertificateForAttestation:
      SSL_CTX_set_cert_verify_callback(native, AcceptAnyCertificate, nullptr);
      break;
    case Mode::kCaAndHostName: break;  // OpenSSL's own chain verification
  }
  return std::shared_ptr<const TlsContext>(std::move(result));
}

StatusOr<crypto::Certificate> MakeSelfSignedIdentityCertificate(
    const crypto::PrivateKey& key, std::string common_name,
    std::chrono::system_clock::time_point not_before,
    std::chrono::seconds valid_for, std::vector<std::string> dns_names,
    std::vector<std::string> ip_addresses) {
  crypto::CertificateSpec spec;
  spec.common_name = std::move(common_name);
  spec.not_before = not_before;
  spec.valid_for = valid_for;
  spec.usage = crypto::CertificateSpec::Usage::kServerAndClient;
  spec.dns_names = std::move(dns_names);
  spec.ip_addresses = std::move(ip_addresses);
  return crypto::MakeSelfSignedLeaf(key, spec);
}

PeerIdentity PeerIdentityOf(const SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return {};
  PeerIdentity identity;
  identity.certificate_der = CertificateDer(leaf);
  identity.spki_sha256_hex = HexEncode(crypto::Sha256(SpkiDer(leaf)));
  return identity;
}

std::string PeerSubjectOf(const SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string subject;
  if (X509_NAME_print_ex(bio, X509_get_subject_name(leaf), 0,
                         XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    if (length > 0) subject.assign(data, static_cast<size_t>(length));
  }
  BIO_free(bio);
  return subject;
}

std::string IdentityOf(const crypto::Certificate& certificate) {
  return HexEncode(crypto::Sha256(certificate.PublicKeyDer()));
}

}  // namespace coffer::net

#include "net/tls.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "net/test_support.h"

namespace coffer::net {
namespace {

using testing::ClientIdentity;
using testing::Identity;
using testing::ServerIdentity;
using testing::ValueOrDie;

TEST(TlsTest, SelfSignedIdentityCertificateIsASelfSignedLeaf) {
  const Identity& identity = ServerIdentity();
  const crypto::Certificate& certificate = identity.certificate;
  EXPECT_EQ(certificate.subject(), "CN=coffer-test-server");
  EXPECT_EQ(certificate.issuer(), certificate.subject());
  EXPECT_FALSE(certificate.IsCa());
  EXPECT_EQ(certificate.ip_addresses(), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(certificate.dns_names(), std::vector<std::string>{"localhost"});
  // Signed by its own key.
  EXPECT_EQ(X509_verify(certificate.native(), identity.key->native()), 1);
  EXPECT_EQ(certificate.PublicKeyDer(), identity.key->PublicKeyDer());
}

TEST(TlsTest, IdentityIsTheHashOfThePublicKey) {
  const Identity& identity = ClientIdentity();
  EXPECT_EQ(IdentityOf(identity.certificate),
            HexEncode(crypto::Sha256(identity.key->PublicKeyDer())));
}

TEST(TlsTest, ServerContextAllowsOnlyModernTls) {
  auto context = ValueOrDie(MakeServerTlsContext(ServerIdentity().tls()));
  SSL_CTX* native = context->native();
  EXPECT_TRUE(context->is_server());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(native), TLS1_3_VERSION);
  const uint64_t options = SSL_CTX_get_options(native);
  EXPECT_NE(options & SSL_OP_NO_COMPRESSION, 0u);
  EXPECT_NE(options & SSL_OP_NO_RENEGOTIATION, 0u);
  EXPECT_EQ(SSL_CTX_get_verify_mode(native),
            SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  // Every cipher offered is an AEAD one.
  SSL* ssl = SSL_new(native);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl);
  ASSERT_NE(ciphers, nullptr);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    EXPECT_TRUE(SSL_CIPHER_is_aead(cipher)) << SSL_CIPHER_get_name(cipher);
  }
  SSL_free(ssl);
}

TEST(TlsTest, ServerContextNeedsAMatchingKeyAndCertificate) {
  const Identity& server = ServerIdentity();
  const Identity& client = ClientIdentity();
  const TlsIdentity mismatched{client.key, std::span(&server.certificate, 1)};
  auto context = MakeServerTlsContext(mismatched);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(context.status().message(),
            "TLS identity: the certificate \"CN=coffer-test-server\" does not "
            "belong to the private key");

  auto empty = MakeServerTlsContext(TlsIdentity{server.key, {}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
}

TEST(TlsTest, ClientVerificationMustBeComplete) {
  auto no_pin = MakeClientTlsContext(ServerVerification::PinnedCertificate({}));
  ASSERT_FALSE(no_pin.ok());
  EXPECT_EQ(no_pin.status().message(),
            "server verification: the pinned certificate is empty");

  const Identity& server = ServerIdentity();
  auto no_host = MakeClientTlsContext(
      ServerVerification::CaAndHostName({server.certificate.ToDer()}, ""));
  ASSERT_FALSE(no_host.ok());
  EXPECT_EQ(no_host.status().message(),
            "server verification: no expected host name given");

  auto bad_ca = MakeClientTlsContext(
      ServerVerification::CaAndHostName({Bytes{1, 2, 3}}, "localhost"));
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_EQ(bad_ca.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bad_ca.status().message().starts_with(
      "server verification: CA certificate 1: "))
      << bad_ca.status().message();
}

TEST(TlsTest, ClientContextPresentsItsIdentity) {
  const Identity& client = ClientIdentity();
  const TlsIdentity identity = client.tls();
  auto context = ValueOrDie(MakeClientTlsContext(
      ServerVerification::AnyCertificateForAttestation(), &identity));
  EXPECT_FALSE(context->is_server());
  X509* presented = SSL_CTX_get0_certificate(context->native());
  ASSERT_NE(presented, nullptr);
  EXPECT_EQ(X509_cmp(presented, client.certificate.native()), 0);
}

}  // namespace
}  // namespace coffer::net

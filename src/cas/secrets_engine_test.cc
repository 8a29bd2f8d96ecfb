#include "cas/secrets_engine.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/chain_verify.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/test_pki.h"
#include "policy/test_util.h"

namespace coffer::cas {
namespace {

using crypto::Certificate;
using crypto::CertificatePurpose;
using crypto::testing::ValueOrDie;
using policy::SecretKind;
using TimePoint = std::chrono::system_clock::time_point;

const TimePoint kNow = std::chrono::sys_days(std::chrono::year(2025) / 6 / 1);
constexpr std::chrono::hours kDay(24);

// The seed's database session, with `ca_key_extra` and `server_extra`
// appended to the flow mappings of ca_key and server.
std::string DbSession(const std::string& ca_key_extra = "",
                      const std::string& server_extra = "") {
  return R"(name: db
version: "0.3"
secrets:
  - {name: client, kind: x509, issuer: ca, endpoint: client, common_name: app, export: [{session: client}]}
  - {name: server, kind: x509, issuer: ca, endpoint: server, dns: [localhost], san: ["ip:127.0.0.1"], valid_for: 90d)" +
         server_extra + R"(}
  - {name: ca, kind: x509-ca, private_key: ca_key, common_name: "MariaDB CA", export: [{session: client}]}
  - {name: ca_key, kind: private-key)" +
         ca_key_extra + R"(}
  - {name: db_key, kind: binary, size: 32}
  - {name: app_password, kind: ascii, size: 24}
  - {name: client_ca, import: {session: client, secret: ca}}
)";
}

policy::Session Parse(const std::string& yaml) {
  policy::CheckResult result = policy::testing::Check(yaml);
  if (!result.session) {
    ADD_FAILURE() << policy::testing::Report(result);
    std::abort();
  }
  return std::move(*result.session);
}

SecretValues Generate(const std::string& yaml,
                      const SecretValues* previous = nullptr,
                      TimePoint now = kNow) {
  return ValueOrDie(GenerateSecrets(Parse(yaml), previous, now));
}

Certificate Cert(const SecretValues& values, const std::string& name) {
  const SecretValue* value = values.Find(name);
  if (value == nullptr) {
    ADD_FAILURE() << "no value for " << name;
    std::abort();
  }
  return ValueOrDie(Certificate::FromPem(value->certificate_pem));
}

crypto::PrivateKey Key(const SecretValues& values, const std::string& name) {
  return ValueOrDie(
      crypto::PrivateKey::FromDer(values.Find(name)->value.span()));
}

std::string Text(const crypto::SecretBytes& bytes) {
  return std::string(AsString(bytes.span()));
}

Status Verify(const Certificate& leaf, const Certificate& root,
              CertificatePurpose purpose, TimePoint now = kNow) {
  return crypto::VerifyChain(leaf, {}, std::span(&root, 1), now, purpose);
}

TEST(SecretsEngineTest, GeneratesEveryKindButImports) {
  const SecretValues values = Generate(DbSession());
  EXPECT_EQ(values.Names(),
            (std::vector<std::string>{"app_password", "ca", "ca_key", "client",
                                      "db_key", "server"}));

  const SecretValue& password = *values.Find("app_password");
  EXPECT_EQ(password.kind, SecretKind::kAscii);
  ASSERT_EQ(password.value.size(), 24u);
  EXPECT_TRUE(std::all_of(password.value.span().begin(),
                          password.value.span().end(), [](uint8_t c) {
                            return crypto::kAsciiSecretAlphabet.find(
                                       static_cast<char>(c)) !=
                                   std::string_view::npos;
                          }));
  EXPECT_EQ(values.Find("db_key")->kind, SecretKind::kBinary);
  EXPECT_EQ(values.Find("db_key")->value.size(), 32u);
  EXPECT_EQ(values.Find("ca_key")->kind, SecretKind::kPrivateKey);
  EXPECT_EQ(Key(values, "ca_key").type(), crypto::KeyType::kP256);
  EXPECT_TRUE(values.Find("ca_key")->certificate_pem.empty());
  EXPECT_EQ(values.Find("ca")->kind, SecretKind::kX509Ca);
  EXPECT_EQ(values.Find("server")->kind, SecretKind::kX509);
  for (const auto& [name, value] : values) {
    EXPECT_EQ(value.spec_fingerprint.size(), 64u) << name;
  }

  // Two sessions never share a generated value.
  const SecretValues other = Generate(DbSession());
  EXPECT_NE(Text(other.Find("db_key")->value),
            Text(values.Find("db_key")->value));
  EXPECT_NE(Text(other.Find("ca_key")->value),
            Text(values.Find("ca_key")->value));
}

TEST(SecretsEngineTest, KeyTypesAndSizesFollowThePolicy) {
  const SecretValues values = Generate(R"(name: keys
version: "0.3"
secrets:
  - {name: p256, kind: private-key, key_type: P-256}
  - {name: p384, kind: private-key, key_type: P-384}
  - {name: ed, kind: private-key, key_type: Ed25519}
  - {name: rsa2048, kind: private-key, key_type: RSA-2048}
  - {name: rsa3072, kind: x509-ca, key_type: RSA-3072}
  - {name: leaf, kind: x509, issuer: rsa3072, key_type: Ed25519}
  - {name: one, kind: binary, size: 1}
  - {name: big, kind: binary, size: 65536}
  - {name: default_ascii, kind: ascii}
)");
  EXPECT_EQ(Key(values, "p256").type(), crypto::KeyType::kP256);
  EXPECT_EQ(Key(values, "p384").type(), crypto::KeyType::kP384);
  EXPECT_EQ(Key(values, "ed").type(), crypto::KeyType::kEd25519);
  EXPECT_EQ(Key(values, "rsa2048").type(), crypto::KeyType::kRsa2048);
  EXPECT_EQ(Key(values, "rsa3072").type(), crypto::KeyType::kRsa3072);
  EXPECT_EQ(ValueOrDie(Cert(values, "rsa3072").public_key()).type(),
            crypto::KeyType::kRsa3072);
  EXPECT_EQ(Key(values, "leaf").type(), crypto::KeyType::kEd25519);
  EXPECT_EQ(Key(values, "leaf").PublicKeyDer(),
            Cert(values, "leaf").PublicKeyDer());
  EXPECT_TRUE(Verify(Cert(values, "leaf"), Cert(values, "rsa3072"),
                     CertificatePurpose::kServerAuth)
                  .ok());
  EXPECT_EQ(values.Find("one")->value.size(), 1u);
  EXPECT_EQ(values.Find("big")->value.size(), 65536u);
  EXPECT_EQ(values.Find("default_ascii")->value.size(), 20u);
}

TEST(SecretsEngineTest, CertificatesChainToTheirCaWithTheirSpec) {
  const SecretValues values = Generate(DbSession());
  const Certificate ca = Cert(values, "ca");
  const Certificate server = Cert(values, "server");
  const Certificate client = Cert(values, "client");

  EXPECT_EQ(ca.subject(), "CN=MariaDB CA");
  EXPECT_EQ(ca.issuer(), "CN=MariaDB CA");
  EXPECT_TRUE(ca.IsCa());
  EXPECT_EQ(ca.PublicKeyDer(), Key(values, "ca_key").PublicKeyDer());
  EXPECT_EQ(values.Find("ca")->value.span().size(),
            values.Find("ca_key")->value.span().size());
  EXPECT_EQ(Text(values.Find("ca")->value), Text(values.Find("ca_key")->value));
  EXPECT_EQ(values.Find("ca")->chain_pem, "");

  // The common name defaults to the secret name.
  EXPECT_EQ(server.subject(), "CN=server");
  EXPECT_EQ(server.issuer(), "CN=MariaDB CA");
  EXPECT_FALSE(server.IsCa());
  EXPECT_EQ(server.dns_names(), std::vector<std::string>{"localhost"});
  EXPECT_EQ(server.ip_addresses(), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(server.not_before(), kNow - kCertificateBackdate);
  EXPECT_EQ(server.not_after(), kNow + 90 * kDay);
  EXPECT_EQ(ca.not_after(), kNow + 365 * kDay);  // the default valid_for
  EXPECT_EQ(server.PublicKeyDer(), Key(values, "server").PublicKeyDer());
  EXPECT_EQ(values.Find("server")->chain_pem, ca.ToPem());
  EXPECT_TRUE(Verify(server, ca, CertificatePurpose::kServerAuth).ok());
  EXPECT_EQ(X509_get_extended_key_usage(server.native()), XKU_SSL_SERVER);
  // Valid at once for a peer whose clock is a little behind.
  EXPECT_TRUE(Verify(server, ca, CertificatePurpose::kServerAuth,
                     kNow - std::chrono::minutes(30))
                  .ok());
  EXPECT_EQ(
      Verify(server, ca, CertificatePurpose::kServerAuth, kNow + 91 * kDay)
          .code(),
      StatusCode::kUnauthenticated);

  EXPECT_EQ(client.subject(), "CN=app");
  EXPECT_TRUE(Verify(client, ca, CertificatePurpose::kClientAuth).ok());
  EXPECT_EQ(X509_get_extended_key_usage(client.native()), XKU_SSL_CLIENT);
  EXPECT_EQ(Verify(client, ca, CertificatePurpose::kServerAuth).code(),
            StatusCode::kUnauthenticated);
}

TEST(SecretsEngineTest, IssuersComeFirstAndChainsListThemNearestFirst) {
  // File order is leaf, intermediate, root: the reverse of what is needed.
  const SecretValues values = Generate(R"(name: pki
version: "0.3"
secrets:
  - {name: leaf, kind: x509, issuer: intermediate, endpoint: "server,client", dns: [db.example]}
  - {name: intermediate, kind: x509-ca, issuer: root, valid_for: 2y}
  - {name: root, kind: x509-ca, key_type: P-384, valid_for: 10y}
)");
  const Certificate root = Cert(values, "root");
  const Certificate intermediate = Cert(values, "intermediate");
  const Certificate leaf = Cert(values, "leaf");
  EXPECT_EQ(intermediate.issuer(), "CN=root");
  EXPECT_TRUE(intermediate.IsCa());
  EXPECT_EQ(values.Find("intermediate")->chain_pem, root.ToPem());
  EXPECT_EQ(values.Find("leaf")->chain_pem,
            intermediate.ToPem() + root.ToPem());
  EXPECT_EQ(X509_get_extended_key_usage(leaf.native()),
            XKU_SSL_SERVER | XKU_SSL_CLIENT);
  for (CertificatePurpose purpose :
       {CertificatePurpose::kServerAuth, CertificatePurpose::kClientAuth}) {
    EXPECT_TRUE(crypto::VerifyChain(leaf, std::span(&intermediate, 1),
                                    std::span(&root, 1), kNow, purpose)
                    .ok());
  }
}

TEST(SecretsEngineTest, X509WithoutIssuerIsASelfSignedLeaf) {
  const SecretValues values = Generate(R"(name: solo
version: "0.3"
secrets:
  - {name: tls, kind: x509, common_name: solo.example, dns: [solo.example]}
)");
  const Certificate tls = Cert(values, "tls");
  EXPECT_EQ(tls.subject(), "CN=solo.example");
  EXPECT_EQ(tls.issuer(), "CN=solo.example");
  EXPECT_FALSE(tls.IsCa());
  EXPECT_EQ(values.Find("tls")->chain_pem, "");
  // No endpoint: usable as server and as client; a peer pins it.
  EXPECT_TRUE(Verify(tls, tls, CertificatePurpose::kServerAuth).ok());
  EXPECT_TRUE(Verify(tls, tls, CertificatePurpose::kClientAuth).ok());
}

TEST(SecretsEngineTest, ExplicitValuesAreWhatThePolicySays) {
  const std::string yaml = R"(name: fixed
version: "0.3"
secrets:
  - {name: password, kind: ascii, value: "correct horse"}
  - {name: key, kind: binary, value: "00ff10"}
)";
  const SecretValues values = Generate(yaml);
  EXPECT_EQ(Text(values.Find("password")->value), "correct horse");
  EXPECT_EQ(HexEncode(values.Find("key")->value.span()), "00ff10");

  // On update the policy's value wins, and dropping it generates a fresh
  // one rather than carrying over a value that was written in a file.
  const SecretValues changed = Generate(R"(name: fixed
version: "0.3"
secrets:
  - {name: password, kind: ascii, value: "battery staple"}
  - {name: key, kind: binary, size: 3}
)",
                                        &values);
  EXPECT_EQ(Text(changed.Find("password")->value), "battery staple");
  EXPECT_EQ(changed.Find("key")->value.size(), 3u);
  EXPECT_NE(HexEncode(changed.Find("key")->value.span()), "00ff10");
}

TEST(SecretsEngineTest, UpdateKeepsGeneratedAsciiAndBinaryValues) {
  const SecretValues first = Generate(DbSession());
  // Any other change to the session: a new secret, reordered fields.
  const SecretValues second = Generate(
      DbSession() + "  - {name: extra, kind: ascii, size: 8}\n", &first);
  EXPECT_EQ(Text(second.Find("db_key")->value),
            Text(first.Find("db_key")->value));
  EXPECT_EQ(Text(second.Find("app_password")->value),
            Text(first.Find("app_password")->value));
  EXPECT_EQ(second.Find("extra")->value.size(), 8u);

  // A new size or kind is a new secret.
  std::string resized = DbSession();
  resized.replace(resized.find("size: 32"), 8, "size: 16");
  resized.replace(resized.find("kind: ascii"), 11, "kind: binary");
  const SecretValues third = Generate(resized, &second);
  EXPECT_EQ(third.Find("db_key")->value.size(), 16u);
  EXPECT_EQ(third.Find("app_password")->kind, SecretKind::kBinary);
  EXPECT_EQ(third.Find("app_password")->value.size(), 24u);
  EXPECT_NE(Text(third.Find("app_password")->value),
            Text(second.Find("app_password")->value));
}

TEST(SecretsEngineTest, UpdateWithoutMigrateRegeneratesKeysAndReissues) {
  const SecretValues first = Generate(DbSession());
  const SecretValues second = Generate(DbSession(), &first);
  EXPECT_NE(Text(second.Find("ca_key")->value),
            Text(first.Find("ca_key")->value));
  EXPECT_NE(Text(second.Find("server")->value),
            Text(first.Find("server")->value));
  EXPECT_NE(second.Find("ca")->certificate_pem,
            first.Find("ca")->certificate_pem);
  EXPECT_NE(second.Find("server")->certificate_pem,
            first.Find("server")->certificate_pem);
  // The new certificates chain to the new CA only.
  EXPECT_TRUE(Verify(Cert(second, "server"), Cert(second, "ca"),
                     CertificatePurpose::kServerAuth)
                  .ok());
  EXPECT_EQ(Verify(Cert(second, "server"), Cert(first, "ca"),
                   CertificatePurpose::kServerAuth)
                .code(),
            StatusCode::kUnauthenticated);
  // The database key survived all this.
  EXPECT_EQ(Text(second.Find("db_key")->value),
            Text(first.Find("db_key")->value));
}

TEST(SecretsEngineTest, UpdateWithMigrateKeepsKeysAndCertificates) {
  const std::string yaml = DbSession(", migrate: true", ", migrate: true");
  const SecretValues first = Generate(yaml);
  const SecretValues second = Generate(yaml, &first, kNow + 10 * kDay);
  for (const std::string name : {"ca_key", "ca", "server"}) {
    EXPECT_EQ(Text(second.Find(name)->value), Text(first.Find(name)->value))
        << name;
    EXPECT_EQ(second.Find(name)->certificate_pem,
              first.Find(name)->certificate_pem)
        << name;
  }
  EXPECT_EQ(second.Find("server")->chain_pem, first.Find("server")->chain_pem);
  // client has its own key and no migrate: a new key, issued by the same CA.
  EXPECT_NE(Text(second.Find("client")->value),
            Text(first.Find("client")->value));
  EXPECT_TRUE(Verify(Cert(second, "client"), Cert(first, "ca"),
                     CertificatePurpose::kClientAuth, kNow + 10 * kDay)
                  .ok());
}

// DbSession with the server's DNS name `dns` instead of localhost.
std::string WithServerDns(std::string yaml, const std::string& dns) {
  return yaml.replace(yaml.find("dns: [localhost]"), 16, "dns: [" + dns + "]");
}

TEST(SecretsEngineTest, ChangedSansReissueAroundAMigratedKey) {
  const SecretValues first =
      Generate(DbSession(", migrate: true", ", migrate: true"));
  const SecretValues second =
      Generate(WithServerDns(DbSession(", migrate: true", ", migrate: true"),
                             "db.example"),
               &first);
  EXPECT_EQ(Text(second.Find("server")->value),
            Text(first.Find("server")->value));
  EXPECT_NE(second.Find("server")->certificate_pem,
            first.Find("server")->certificate_pem);
  const Certificate server = Cert(second, "server");
  EXPECT_EQ(server.dns_names(), std::vector<std::string>{"db.example"});
  EXPECT_EQ(server.PublicKeyDer(), Key(first, "server").PublicKeyDer());
  EXPECT_EQ(second.Find("ca")->certificate_pem,
            first.Find("ca")->certificate_pem);
  EXPECT_TRUE(
      Verify(server, Cert(first, "ca"), CertificatePurpose::kServerAuth).ok());

  // A new key type is a new key, migrate or not.
  const SecretValues third = Generate(
      WithServerDns(
          DbSession(", migrate: true, key_type: P-384", ", migrate: true"),
          "db.example"),
      &second);
  EXPECT_EQ(Key(third, "ca_key").type(), crypto::KeyType::kP384);
  EXPECT_NE(third.Find("server")->certificate_pem,
            second.Find("server")->certificate_pem);
  EXPECT_EQ(Text(third.Find("server")->value),
            Text(second.Find("server")->value));
}

TEST(SecretsEngineTest, ExpiredCertificatesAreReissuedOnUpdate) {
  const std::string yaml = DbSession(", migrate: true", ", migrate: true");
  const SecretValues first = Generate(yaml);
  const TimePoint later = kNow + 100 * kDay;  // server (90d) expired, ca not
  const SecretValues second = Generate(yaml, &first, later);
  EXPECT_EQ(second.Find("ca")->certificate_pem,
            first.Find("ca")->certificate_pem);
  EXPECT_NE(second.Find("server")->certificate_pem,
            first.Find("server")->certificate_pem);
  EXPECT_EQ(Text(second.Find("server")->value),
            Text(first.Find("server")->value));
  EXPECT_TRUE(Verify(Cert(second, "server"), Cert(second, "ca"),
                     CertificatePurpose::kServerAuth, later)
                  .ok());
}

// Renewal: past two thirds of its validity a certificate is issued again
// (same CA, same names, the migrated key), before that it is kept.
TEST(SecretsEngineTest, CertificatesPastTwoThirdsAreRenewed) {
  const std::string yaml = DbSession(", migrate: true", ", migrate: true");
  const SecretValues first = Generate(yaml);
  EXPECT_FALSE(CertificatesDue(first, kNow + 59 * kDay));
  EXPECT_TRUE(CertificatesDue(first, kNow + 61 * kDay));  // server: 90d
  const SecretValues kept = Generate(yaml, &first, kNow + 59 * kDay);
  EXPECT_EQ(kept.Find("server")->certificate_pem,
            first.Find("server")->certificate_pem);
  const TimePoint later = kNow + 61 * kDay;
  const SecretValues renewed = Generate(yaml, &first, later);
  EXPECT_NE(renewed.Find("server")->certificate_pem,
            first.Find("server")->certificate_pem);
  EXPECT_EQ(Text(renewed.Find("server")->value),
            Text(first.Find("server")->value));
  EXPECT_EQ(Cert(renewed, "server").dns_names(),
            Cert(first, "server").dns_names());
  EXPECT_TRUE(Verify(Cert(renewed, "server"), Cert(first, "ca"),
                     CertificatePurpose::kServerAuth, later)
                  .ok());
  EXPECT_FALSE(CertificatesDue(renewed, later));
}

TEST(SecretsEngineTest, PreviousValuesOfOtherKindsAreNotReused) {
  const SecretValues first = Generate(R"(name: s
version: "0.3"
secrets:
  - {name: k, kind: private-key, migrate: true}
)");
  const SecretValues second = Generate(R"(name: s
version: "0.3"
secrets:
  - {name: k, kind: x509-ca, migrate: true}
)",
                                       &first);
  EXPECT_EQ(second.Find("k")->kind, SecretKind::kX509Ca);
  EXPECT_NE(Text(second.Find("k")->value), Text(first.Find("k")->value));
}

TEST(SecretsEngineTest, RefusesWhatItCannotMake) {
  // An issuer from another session: imports resolve only at attestation.
  Status status = GenerateSecrets(Parse(R"(name: s
version: "0.3"
secrets:
  - {name: ca, import: {session: other, secret: ca}}
  - {name: leaf, kind: x509, issuer: ca}
)"),
                                  nullptr, kNow)
                      .status();
  EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(status.message(),
            "secret \"leaf\": issuer \"ca\" is imported; Coffer issues "
            "certificates only with keys and CAs of the same session");

  // The checker allows '_' in DNS names; X.509 hostnames do not.
  status = GenerateSecrets(Parse(R"(name: s
version: "0.3"
secrets:
  - {name: leaf, kind: x509, dns: [db_1.example]}
)"),
                           nullptr, kNow)
               .status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "secret \"leaf\": certificate \"leaf\": invalid DNS name "
            "\"db_1.example\"");

  // A key the policy asks to keep must not be silently replaced.
  SecretValues corrupt;
  SecretValue garbage;
  garbage.kind = SecretKind::kPrivateKey;
  garbage.value = crypto::SecretBytes(AsBytes("not a key"));
  corrupt.Set("ca_key", std::move(garbage));
  status = GenerateSecrets(Parse(DbSession(", migrate: true")), &corrupt, kNow)
               .status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "secret \"ca_key\": the private key to migrate from the previous "
            "revision is corrupt");
}

// Links that a checked session never has, built by hand: the engine
// refuses them rather than trusting the checker.
TEST(SecretsEngineTest, RefusesBrokenLinksOfUncheckedSessions) {
  policy::Session session;
  session.name = "s";
  policy::Secret a;
  a.name = "a";
  a.kind = SecretKind::kX509Ca;
  a.issuer = "b";
  policy::Secret b = a;
  b.name = "b";
  b.issuer = "a";
  session.secrets = {a, b};
  Status status = GenerateSecrets(session, nullptr, kNow).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "secret \"b\": its issuers form a cycle");

  session.secrets[1].kind = SecretKind::kAscii;
  status = GenerateSecrets(session, nullptr, kNow).status();
  EXPECT_EQ(status.message(),
            "secret \"a\": issuer \"b\" is not x509-ca (it is ascii)");

  session.secrets[0].private_key = "nowhere";
  status = GenerateSecrets(session, nullptr, kNow).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "secret \"a\": private_key \"nowhere\" is not a secret of this "
            "session");
}

TEST(SecretsEngineTest, LongSecretNamesGiveAValidCommonName) {
  const std::string name(100, 'n');
  const SecretValues values = Generate(
      "name: s\nversion: \"0.3\"\nsecrets:\n"
      "  - {name: " +
      name + ", kind: x509-ca}\n");
  EXPECT_EQ(Cert(values, name).common_name(), std::string(64, 'n'));
}

}  // namespace
}  // namespace coffer::cas

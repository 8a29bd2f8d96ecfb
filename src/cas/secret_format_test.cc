#include "cas/secret_format.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "cas/secrets_engine.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/test_pki.h"
#include "policy/test_util.h"

namespace coffer::cas {
namespace {

using crypto::testing::ValueOrDie;
using policy::SecretFormat;

const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days(std::chrono::year(2025) / 6 / 1);

constexpr SecretFormat kAllFormats[] = {
    SecretFormat::kDefault, SecretFormat::kHex,   SecretFormat::kBase64,
    SecretFormat::kCrt,     SecretFormat::kChain, SecretFormat::kKey,
    SecretFormat::kDer,     SecretFormat::kKeyDer};

// How a policy writes `format` after the secret name.
std::string Spelling(SecretFormat format) {
  return format == SecretFormat::kDefault
             ? ""
             : ":" + std::string(policy::FormatName(format));
}

policy::Session Parse(const std::string& yaml) {
  std::optional<policy::Session> session = policy::testing::Check(yaml).session;
  EXPECT_TRUE(session.has_value()) << yaml;
  return session ? std::move(*session) : policy::Session();
}

const std::string kSession = R"(name: db
version: "0.3"
secrets:
  - {name: password, kind: ascii, value: "s3cret"}
  - {name: key, kind: binary, value: "00ff10"}
  - {name: signing, kind: private-key, key_type: Ed25519}
  - {name: ca, kind: x509-ca, export_public: true}
  - {name: server, kind: x509, issuer: ca, dns: [localhost], export_public: true, export: [{session: client}]}
  - {name: pinned, kind: ascii, export_public: true, export: ["client:ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"]}
  - {name: db_ca, kind: x509-ca, export: [{session: analyst, public_only: true}, {session: client}]}
  - {name: both, kind: x509-ca, export: [{session: client, public_only: true}, {session: client, session_hash: ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789}]}
)";

class SecretFormatTest : public ::testing::Test {
 protected:
  SecretFormatTest()
      : session_(Parse(kSession)),
        values_(ValueOrDie(GenerateSecrets(session_, nullptr, kNow))) {}

  std::string Format(const std::string& name, SecretFormat format) const {
    return ValueOrDie(FormatSecret(name, *values_.Find(name), format));
  }
  Status FormatError(const std::string& name, SecretFormat format) const {
    return FormatSecret(name, *values_.Find(name), format).status();
  }

  policy::Session session_;
  SecretValues values_;
};

TEST_F(SecretFormatTest, AsciiAndBinaryAsTextHexAndBase64) {
  EXPECT_EQ(Format("password", SecretFormat::kDefault), "s3cret");
  EXPECT_EQ(Format("password", SecretFormat::kHex), "733363726574");
  EXPECT_EQ(Format("password", SecretFormat::kBase64), "czNjcmV0");
  // Binary's default is the raw bytes, as in SCONE.
  EXPECT_EQ(Format("key", SecretFormat::kDefault),
            std::string("\x00\xff\x10", 3));
  EXPECT_EQ(Format("key", SecretFormat::kHex), "00ff10");
  EXPECT_EQ(Format("key", SecretFormat::kBase64), "AP8Q");
}

TEST_F(SecretFormatTest, PrivateKeyAsPemOrDer) {
  const std::string pem = Format("signing", SecretFormat::kDefault);
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem.size();
  EXPECT_EQ(Format("signing", SecretFormat::kKey), pem);
  const crypto::PrivateKey key = ValueOrDie(crypto::PrivateKey::FromPem(pem));
  EXPECT_EQ(key.type(), crypto::KeyType::kEd25519);
  const std::string der = Format("signing", SecretFormat::kKeyDer);
  EXPECT_EQ(
      ValueOrDie(crypto::PrivateKey::FromDer(AsBytes(der))).PublicKeyDer(),
      key.PublicKeyDer());
}

TEST_F(SecretFormatTest, CertificatesAsPemChainDerAndTheirKeys) {
  const std::string crt = Format("server", SecretFormat::kCrt);
  EXPECT_EQ(Format("server", SecretFormat::kDefault), crt);
  EXPECT_EQ(crt, values_.Find("server")->certificate_pem);
  const crypto::Certificate server =
      ValueOrDie(crypto::Certificate::FromPem(crt));
  EXPECT_EQ(server.subject(), "CN=server");

  const std::string ca = Format("ca", SecretFormat::kCrt);
  EXPECT_EQ(Format("server", SecretFormat::kChain), crt + ca);
  EXPECT_EQ(Format("ca", SecretFormat::kChain), ca);  // self-signed: itself
  const std::vector<crypto::Certificate> chain = ValueOrDie(
      crypto::ParsePemCertificates(Format("server", SecretFormat::kChain)));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[1].subject(), "CN=ca");

  const std::string der = Format("server", SecretFormat::kDer);
  EXPECT_EQ(ValueOrDie(crypto::Certificate::FromDer(AsBytes(der))).ToPem(),
            crt);

  const crypto::PrivateKey key = ValueOrDie(
      crypto::PrivateKey::FromPem(Format("server", SecretFormat::kKey)));
  EXPECT_EQ(key.PublicKeyDer(), server.PublicKeyDer());
  EXPECT_EQ(ValueOrDie(crypto::PrivateKey::FromDer(
                           AsBytes(Format("server", SecretFormat::kKeyDer))))
                .PublicKeyDer(),
            server.PublicKeyDer());
}

TEST_F(SecretFormatTest, FormatsThatDoNotFitNameTheKindAndTheFormat) {
  const std::pair<std::string, SecretFormat> cases[] = {
      {"key", SecretFormat::kCrt},       {"password", SecretFormat::kChain},
      {"key", SecretFormat::kDer},       {"password", SecretFormat::kKey},
      {"key", SecretFormat::kKeyDer},    {"signing", SecretFormat::kHex},
      {"signing", SecretFormat::kCrt},   {"server", SecretFormat::kBase64},
      {"ca", SecretFormat::kHex},        {"signing", SecretFormat::kDer},
      {"signing", SecretFormat::kChain}, {"signing", SecretFormat::kBase64}};
  const std::string expected[] = {
      "secret \"key\" (binary) has no certificate: format crt applies to "
      "x509 and x509-ca",
      "secret \"password\" (ascii) has no certificate: format chain applies "
      "to x509 and x509-ca",
      "secret \"key\" (binary) has no certificate: format der applies to "
      "x509 and x509-ca",
      "secret \"password\" (ascii) has no private key: format key applies to "
      "private-key, x509 and x509-ca",
      "secret \"key\" (binary) has no private key: format key:der applies to "
      "private-key, x509 and x509-ca",
      "secret \"signing\" (private-key) is not ascii or binary: format hex "
      "applies to ascii and binary",
      "secret \"signing\" (private-key) has no certificate: format crt "
      "applies to x509 and x509-ca",
      "secret \"server\" (x509) is not ascii or binary: format base64 applies "
      "to ascii and binary",
      "secret \"ca\" (x509-ca) is not ascii or binary: format hex applies to "
      "ascii and binary",
      "secret \"signing\" (private-key) has no certificate: format der "
      "applies to x509 and x509-ca",
      "secret \"signing\" (private-key) has no certificate: format chain "
      "applies to x509 and x509-ca",
      "secret \"signing\" (private-key) is not ascii or binary: format "
      "base64 applies to ascii and binary",
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    const Status status = FormatError(cases[i].first, cases[i].second);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << expected[i];
    EXPECT_EQ(status.message(), expected[i]);
  }
}

// The engine and the checker agree on which formats fit which kind: a
// substitution the checker accepts never fails at provisioning, and one it
// refuses is refused here too.
TEST_F(SecretFormatTest, AcceptsExactlyWhatTheCheckerAccepts) {
  const std::pair<std::string, std::string> kinds[] = {
      {"password", "{kind: ascii, size: 4}"},
      {"key", "{kind: binary, size: 4}"},
      {"signing", "{kind: private-key}"},
      {"ca", "{kind: x509-ca}"},
      {"server", "{kind: x509}"}};
  for (const auto& [name, spec] : kinds) {
    for (SecretFormat format : kAllFormats) {
      const std::string yaml =
          "name: s\nversion: \"0.3\"\nimages:\n  - name: i\n"
          "    injection_files:\n"
          "      - {path: /f, content: \"$$COFFER::s" +
          Spelling(format) + "$$\"}\nsecrets:\n  - {name: s, " +
          spec.substr(1) + "\n";
      const bool checker_accepts =
          policy::testing::Check(yaml).session.has_value();
      EXPECT_EQ(FormatError(name, format).ok(), checker_accepts)
          << spec << " " << policy::FormatName(format);
    }
  }
}

TEST_F(SecretFormatTest, ValuesWithoutTheirOwnKindHaveNoFormat) {
  SecretValue value;
  value.kind = policy::SecretKind::kImported;
  const Status status =
      FormatSecret("client_ca", value, SecretFormat::kCrt).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "secret \"client_ca\" (imported) has no value");
}

TEST_F(SecretFormatTest, CorruptStoredKeysAreDataLoss) {
  SecretValue value = values_.Find("server")->Clone();
  value.value = crypto::SecretBytes(AsBytes("garbage"));
  value.certificate_pem = "garbage";
  Status status = FormatSecret("server", value, SecretFormat::kKey).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "secret \"server\" (x509): its stored private key is corrupt");
  status = FormatSecret("server", value, SecretFormat::kDer).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "secret \"server\" (x509): its stored certificate is corrupt");
}

TEST_F(SecretFormatTest, ExportsAllowOnlyTheNamedSession) {
  EXPECT_EQ(ValueOrDie(CheckExport(session_, "server", "client", "any hash")),
            ExportGrant::kWhole);
  const std::string denied_to_other =
      "session \"db\" does not export secret \"server\" to session \"other\"";
  Status status = CheckExport(session_, "server", "other", "").status();
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(), denied_to_other);

  // A secret that is not exported, or does not exist: the same answer.
  status = CheckExport(session_, "ca", "client", "").status();
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(),
            "session \"db\" does not export secret \"ca\" to session "
            "\"client\"");
  status = CheckExport(session_, "nosuch", "client", "").status();
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(),
            "session \"db\" does not export secret \"nosuch\" to session "
            "\"client\"");
}

TEST_F(SecretFormatTest, HashPinnedExportsAllowOnlyThatRevision) {
  const std::string hash =
      "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  EXPECT_TRUE(CheckExport(session_, "pinned", "client", hash).ok());
  const Status status =
      CheckExport(session_, "pinned", "client", std::string(64, '0')).status();
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(),
            "session \"db\" does not export secret \"pinned\" to session "
            "\"client\"");
}

TEST_F(SecretFormatTest, PublicOnlyExportsGrantOnlyTheCertificate) {
  EXPECT_EQ(ValueOrDie(CheckExport(session_, "db_ca", "analyst", "")),
            ExportGrant::kPublicOnly);
  // The same secret exported whole to another session.
  EXPECT_EQ(ValueOrDie(CheckExport(session_, "db_ca", "client", "")),
            ExportGrant::kWhole);
  // Matching exports add up: the pinned revision gets it whole, any other
  // only its certificate.
  const std::string hash =
      "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  EXPECT_EQ(ValueOrDie(CheckExport(session_, "both", "client", hash)),
            ExportGrant::kWhole);
  EXPECT_EQ(
      ValueOrDie(CheckExport(session_, "both", "client", std::string(64, '0'))),
      ExportGrant::kPublicOnly);
}

TEST_F(SecretFormatTest, PublicFormsAreTheCertificateOnly) {
  for (const char* name : {"ca", "server"}) {
    const SecretValue& value = *values_.Find(name);
    for (SecretFormat format : kAllFormats) {
      const bool is_public =
          format == SecretFormat::kDefault || format == SecretFormat::kCrt ||
          format == SecretFormat::kChain || format == SecretFormat::kDer;
      EXPECT_EQ(IsPublicForm(value, format), is_public)
          << name << Spelling(format);
      if (!is_public) continue;
      // What a public form gives holds no key.
      StatusOr<std::string> text = FormatSecret(name, value, format);
      ASSERT_TRUE(text.ok()) << text.status().ToString();
      EXPECT_EQ(text->find("PRIVATE KEY"), std::string::npos);
    }
  }
  // Other kinds have no public part in any format.
  for (const char* name : {"password", "key", "signing"}) {
    for (SecretFormat format : kAllFormats) {
      EXPECT_FALSE(IsPublicForm(*values_.Find(name), format))
          << name << Spelling(format);
    }
  }
}

TEST_F(SecretFormatTest, OnlyCertificatesArePublic) {
  EXPECT_EQ(ValueOrDie(PublicCertificate(session_, values_, "ca")),
            values_.Find("ca")->certificate_pem);
  const std::string server =
      ValueOrDie(PublicCertificate(session_, values_, "server"));
  EXPECT_EQ(server, values_.Find("server")->certificate_pem);
  EXPECT_EQ(server.find("PRIVATE"), std::string::npos);

  // Marked but not a certificate; a certificate not marked; no such secret.
  for (const std::string name : {"pinned", "password", "nosuch"}) {
    const Status status = PublicCertificate(session_, values_, name).status();
    EXPECT_EQ(status.code(), StatusCode::kNotFound);
    EXPECT_EQ(status.message(),
              "session \"db\" has no public secret \"" + name + "\"");
  }
  const policy::Session unmarked = Parse(R"(name: db
version: "0.3"
secrets:
  - {name: ca, kind: x509-ca}
)");
  EXPECT_EQ(PublicCertificate(unmarked, values_, "ca").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace coffer::cas

#include "cas/secret_values.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cas/secret_format.h"
#include "cas/secrets_engine.h"
#include "crypto/test_pki.h"
#include "policy/test_util.h"

namespace coffer::cas {
namespace {

using crypto::SecretBytes;
using crypto::testing::ValueOrDie;
using policy::SecretKind;

SecretValue Value(SecretKind kind, std::string_view bytes) {
  SecretValue value;
  value.kind = kind;
  value.value = SecretBytes(AsBytes(bytes));
  return value;
}

std::string Text(const SecretBytes& bytes) {
  return std::string(AsString(bytes.span()));
}

SecretBytes Bytes(std::string_view text) { return SecretBytes(AsBytes(text)); }

// Every kind, as the engine makes them, plus bytes that are not UTF-8.
SecretValues Generated() {
  policy::CheckResult parsed = policy::testing::Check(R"(name: db
version: "0.3"
secrets:
  - {name: password, kind: ascii, size: 24}
  - {name: db_key, kind: binary, size: 32}
  - {name: ca_key, kind: private-key}
  - {name: ca, kind: x509-ca, private_key: ca_key}
  - {name: server, kind: x509, issuer: ca, dns: [localhost]}
)");
  EXPECT_TRUE(parsed.session.has_value()) << policy::testing::Report(parsed);
  SecretValues values = ValueOrDie(
      GenerateSecrets(*parsed.session, nullptr,
                      std::chrono::sys_days(std::chrono::year(2025) / 6 / 1)));
  values.Set("raw",
             Value(SecretKind::kBinary, std::string("\0\xff\xc3(\"\\", 6)));
  return values;
}

TEST(SecretValuesTest, SerializationRoundTripsEveryKind) {
  const SecretValues values = Generated();
  const SecretBytes serialized = values.Serialize();
  const SecretValues parsed = ValueOrDie(SecretValues::Parse(serialized));

  ASSERT_EQ(parsed.Names(), values.Names());
  for (const auto& [name, value] : values) {
    const SecretValue& copy = *parsed.Find(name);
    EXPECT_EQ(copy.kind, value.kind) << name;
    EXPECT_EQ(Text(copy.value), Text(value.value)) << name;
    EXPECT_EQ(copy.certificate_pem, value.certificate_pem) << name;
    EXPECT_EQ(copy.chain_pem, value.chain_pem) << name;
    EXPECT_EQ(copy.spec_fingerprint, value.spec_fingerprint) << name;
  }
  // What was serialized is what is substituted later.
  EXPECT_EQ(ValueOrDie(FormatSecret("server", *parsed.Find("server"),
                                    policy::SecretFormat::kChain)),
            ValueOrDie(FormatSecret("server", *values.Find("server"),
                                    policy::SecretFormat::kChain)));
  EXPECT_EQ(Text(parsed.Serialize()), Text(serialized));
  EXPECT_EQ(ValueOrDie(SecretValues::Parse(SecretValues().Serialize())).size(),
            0u);
}

TEST(SecretValuesTest, GarbageIsDataLoss) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "not a JSON object"},
      {"\x01\x02 not json", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {R"({"format": "other", "version": 1, "secrets": {}})",
       "not in the coffer-secret-values format"},
      {R"({"format": "coffer-secret-values", "version": 2, "secrets": {}})",
       "unknown version of the coffer-secret-values format"},
      {R"({"format": "coffer-secret-values", "version": 1})",
       "no \"secrets\" object"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets": {"a": 1}})",
       "secret \"a\" is not an object"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"value": "AA=="}}})",
       "secret \"a\" has no kind"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"kind": "imported", "value": "AA=="}}})",
       "secret \"a\" has an unknown kind"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"kind": "ascii"}}})",
       "secret \"a\" has no value"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"kind": "ascii", "value": "*not base64*"}}})",
       "secret \"a\": its value is not base64"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"kind": "ascii", "value": "AA==", "spec": 7}}})",
       "secret \"a\" has a field that is not a string"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"kind": "private-key", "value": ""}}})",
       "secret \"a\" (private-key) has no private key"},
      {R"({"format": "coffer-secret-values", "version": 1, "secrets":
           {"a": {"kind": "x509", "value": "AA=="}}})",
       "secret \"a\" (x509) has no certificate"},
  };
  for (const auto& [text, reason] : cases) {
    const Status status = SecretValues::Parse(Bytes(text)).status();
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << text;
    EXPECT_EQ(status.message(), "secret values are corrupt: " + reason) << text;
  }
  // Deep nesting where the format has none is no stack exhaustion.
  const std::string deep =
      R"({"format": "coffer-secret-values", "version": 1, "secrets": {"a": )"
      R"({"kind": "ascii", "value": "AA==", "spec": )" +
      std::string(100000, '[') + std::string(100000, ']') + "}}}";
  EXPECT_EQ(SecretValues::Parse(Bytes(deep)).status().message(),
            "secret values are corrupt: secret \"a\" has a field that is not "
            "a string");
  // Every truncation of a valid serialization is refused, never a crash.
  const SecretBytes valid = Generated().Serialize();
  for (size_t size = 0; size < valid.size(); size += 7) {
    EXPECT_EQ(SecretValues::Parse(SecretBytes(valid.span().first(size)))
                  .status()
                  .code(),
              StatusCode::kDataLoss)
        << size;
  }
}

TEST(SecretValuesTest, NeverPrintsAValue) {
  SecretValues values;
  values.Set("db_key", Value(SecretKind::kBinary, "TOPSECRETBYTES"));
  values.Set("app_password", Value(SecretKind::kAscii, "hunter2hunter2"));
  std::ostringstream out;
  out << values;
  EXPECT_EQ(out.str(), "SecretValues{app_password, db_key}");
  std::ostringstream one;
  one << *values.Find("app_password");
  EXPECT_EQ(one.str(), "[ascii secret]");
  // Neither does gtest, when a test prints one in a failure message.
  const std::string printed = ::testing::PrintToString(values) +
                              ::testing::PrintToString(*values.Find("db_key"));
  EXPECT_EQ(printed.find("TOPSECRET"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("hunter2"), std::string::npos) << printed;
}

TEST(SecretValuesTest, SetReplacesAndCloneIsIndependent) {
  SecretValues values;
  values.Set("a", Value(SecretKind::kAscii, "one"));
  values.Set("a", Value(SecretKind::kBinary, "two"));
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values.Find("a")->kind, SecretKind::kBinary);
  EXPECT_EQ(values.Find("b"), nullptr);

  SecretValues copy = values.Clone();
  values.Set("a", Value(SecretKind::kAscii, "three"));
  EXPECT_EQ(Text(copy.Find("a")->value), "two");
  EXPECT_EQ(Text(values.Find("a")->value), "three");
  EXPECT_TRUE(SecretValues().empty());
}

}  // namespace
}  // namespace coffer::cas

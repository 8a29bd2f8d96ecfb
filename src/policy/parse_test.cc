// The session language: whole files, and one test per rule.
#include "policy/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>

#include "common/encoding.h"
#include "policy/test_util.h"

namespace coffer::policy {
namespace {

using testing::Check;
using testing::ExampleVariables;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadTestFile;
using testing::Report;

const std::string kMr(64, 'a');

// A small valid session; tests add or change one thing at a time.
std::string Minimal(const std::string& extra_secrets = "",
                    const std::string& service_extra = "") {
  return "name: s\n"
         "version: \"0.3\"\n"
         "services:\n"
         "  - name: svc\n"
         "    mrenclaves: [" +
         kMr +
         "]\n"
         "    command: prog\n" +
         service_extra +
         "secrets:\n"
         "  - {name: k, kind: binary, size: 32}\n" +
         extra_secrets;
}

TEST(ParseSessionTest, MariaDbExampleIsValid) {
  CheckResult r = Check(ReadTestFile("tests/policy/mariadb_session.yml"),
                        ExampleVariables());
  ASSERT_TRUE(r.session.has_value()) << Report(r);
  EXPECT_EQ(Report(r), "");
  const Session& s = *r.session;
  EXPECT_EQ(s.name, "MariaDBSession-1234");
  EXPECT_TRUE(IsHex(s.hash, 64));
  ASSERT_EQ(s.services.size(), 1u);
  const Service& db = s.services[0];
  EXPECT_EQ(db.command,
            (std::vector<std::string>{
                "mariadbd", "--defaults-file=/run/coffer/mariadb/my.cnf"}));
  // One variable holding two platform IDs gives two platforms.
  EXPECT_EQ(db.platforms, (std::vector<std::string>{std::string(64, '1'),
                                                    std::string(64, '2')}));
  ASSERT_EQ(db.attestation.size(), 1u);
  EXPECT_EQ(db.attestation[0].mrenclaves, std::vector<std::string>{kMr});
  const Secret* server = s.FindSecret("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->kind, SecretKind::kX509);
  EXPECT_EQ(server->issuer, "ca");
  EXPECT_EQ(server->valid_for, std::chrono::hours(24 * 90));
  EXPECT_EQ(server->ip_addresses, std::vector<std::string>{"127.0.0.1"});
  const Secret* ca = s.FindSecret("ca");
  ASSERT_EQ(ca->exports.size(), 1u);
  EXPECT_EQ(ca->exports[0].session, "MariaDBClientSession-99");
  const Secret* imported = s.FindSecret("client_ca");
  ASSERT_TRUE(imported->import.has_value());
  EXPECT_EQ(imported->import->secret, "ca");
  EXPECT_TRUE(s.Tolerates(Tolerance::kSimulation));
  EXPECT_EQ(s.images[0].injection_files[0].mode, 0600u);
}

TEST(ParseSessionTest, ClientSessionWithSconeSpellingsIsValid) {
  CheckResult r = Check(ReadTestFile("tests/policy/mariadb_client_session.yml"),
                        ExampleVariables());
  ASSERT_TRUE(r.session.has_value()) << Report(r);
  EXPECT_EQ(r.session->services[0].command.back(), "@@2");
}

TEST(ParseSessionTest, HashIgnoresFormattingButNotValues) {
  std::string original = ReadTestFile("tests/policy/mariadb_session.yml");
  CheckResult a = Check(original, ExampleVariables());
  CheckResult b =
      Check(ReadTestFile("tests/policy/mariadb_session_reformatted.yml"),
            ExampleVariables());
  ASSERT_TRUE(a.session && b.session) << Report(a) << Report(b);
  EXPECT_EQ(a.session->hash, b.session->hash);

  // Any changed value changes the hash: a size, a name, a variable.
  std::string changed = original;
  changed.replace(changed.find("size: 24"), 8, "size: 25");
  CheckResult c = Check(changed, ExampleVariables());
  ASSERT_TRUE(c.session);
  EXPECT_NE(c.session->hash, a.session->hash);
  Variables other = ExampleVariables();
  other.values["MARIADB_MRENCLAVE"] = std::string(64, 'b');
  CheckResult d = Check(original, other);
  ASSERT_TRUE(d.session);
  EXPECT_NE(d.session->hash, a.session->hash);
}

TEST(ParseSessionTest, ExportsPublicOnlyInTheMappingForm) {
  const std::string text = Minimal(
      "  - {name: ca, kind: x509-ca, export: [client, "
      "{session: analyst-1, public_only: true}, "
      "{session: ops, public_only: false}]}\n"
      "  - {name: leaf, kind: x509, issuer: ca, endpoint: client, "
      "export: {session: analyst-1}}\n");
  CheckResult r = Check(text);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(Report(r), "");
  const Secret* ca = r.session->FindSecret("ca");
  ASSERT_EQ(ca->exports.size(), 3u);
  EXPECT_EQ(ca->exports[0].session, "client");
  EXPECT_FALSE(ca->exports[0].public_only);
  EXPECT_EQ(ca->exports[1].session, "analyst-1");
  EXPECT_TRUE(ca->exports[1].public_only);
  EXPECT_FALSE(ca->exports[2].public_only);
  // The leaf is issued for the importer, whose key it is: whole by default.
  const Secret* leaf = r.session->FindSecret("leaf");
  ASSERT_EQ(leaf->exports.size(), 1u);
  EXPECT_FALSE(leaf->exports[0].public_only);

  // public_only is part of the session's identity: adding it, or changing
  // it, gives another hash; so an update that narrows an export is one.
  EXPECT_NE(r.session->canonical.find("\"public_only\":\"true\""),
            std::string::npos)
      << r.session->canonical;
  std::string whole = text;
  whole.replace(whole.find("public_only: true"), 17, "public_only: false");
  CheckResult w = Check(whole);
  ASSERT_TRUE(w.session) << Report(w);
  EXPECT_NE(w.session->hash, r.session->hash);
  std::string without = text;
  without.replace(without.find(", public_only: true"), 19, "");
  CheckResult o = Check(without);
  ASSERT_TRUE(o.session) << Report(o);
  EXPECT_NE(o.session->hash, r.session->hash);
  EXPECT_NE(o.session->hash, w.session->hash);
}

TEST(ParseSessionTest, UnsetVariableIsNamedAtItsPosition) {
  Variables v = ExampleVariables();
  v.values.erase("DBCLIENT");
  CheckResult r = Check(ReadTestFile("tests/policy/mariadb_session.yml"), v);
  EXPECT_FALSE(r.session.has_value());
  EXPECT_THAT(Report(r),
              HasSubstr("f:29:98: error: variable $DBCLIENT is not set; give "
                        "-e DBCLIENT=VALUE, or --use-env to read it from the "
                        "environment"));
  // Every use is reported, not only the first.
  EXPECT_THAT(Report(r), HasSubstr("f:31:99: error: variable $DBCLIENT"));
  EXPECT_THAT(Report(r), HasSubstr("f:33:41: error: variable $DBCLIENT"));
}

TEST(ParseSessionTest, VariablesFromTheEnvironmentAndBraces) {
  ::setenv("COFFER_TEST_NAME", "from-env", 1);  // NOLINT(concurrency-mt-unsafe)
  Variables v;
  v.use_env = true;
  CheckResult r = Check("name: ${COFFER_TEST_NAME}\nversion: \"0.3\"\n", v);
  ::unsetenv("COFFER_TEST_NAME");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(r.session->name, "from-env");
  // -e wins over the environment.
  ::setenv("COFFER_TEST_NAME", "from-env", 1);  // NOLINT(concurrency-mt-unsafe)
  v.values["COFFER_TEST_NAME"] = "from-flag";
  r = Check("name: $COFFER_TEST_NAME\nversion: \"0.3\"\n", v);
  ::unsetenv("COFFER_TEST_NAME");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_TRUE(r.session);
  EXPECT_EQ(r.session->name, "from-flag");
}

TEST(ParseSessionTest, VariableDefaultsAsInTheShell) {
  Variables v;
  // Unset: the default.
  CheckResult r = Check("name: ${N:-a.b}/x\nversion: \"0.3\"\n", v);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(r.session->name, "a.b/x");
  // Set: its value; set but empty: the default (`:-`).
  v.values["N"] = "given";
  r = Check("name: ${N:-a.b}\nversion: \"0.3\"\n", v);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(r.session->name, "given");
  v.values["N"] = "";
  r = Check("name: ${N:-a.b}\nversion: \"0.3\"\n", v);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(r.session->name, "a.b");
  // An empty default is allowed (the value may be empty).
  r = Check(Minimal("  - {name: p, kind: ascii, value: \"x${U:-}y\"}\n"));
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(r.session->FindSecret("p")->value, "xy");
  // A default does not nest another reference.
  r = Check("name: ${N:-$M}\nversion: \"0.3\"\n");
  EXPECT_FALSE(r.session);
  EXPECT_THAT(Report(r), HasSubstr("f:1:7: error: malformed variable "
                                   "reference: write ${NAME}"));
}

TEST(ParseSessionTest, VariableValueCannotChangeStructure) {
  Variables v;
  v.values["N"] = "x\nversion: evil";
  CheckResult r = Check("name: $N\nversion: \"0.3\"\n", v);
  EXPECT_FALSE(r.session);
  EXPECT_THAT(Report(r), HasSubstr("f:1:7: error: session name \"x?version: "
                                   "evil\" is invalid"));
}

TEST(ParseSessionTest, DollarEscapesAndMalformedReferences) {
  CheckResult r =
      Check(Minimal("  - {name: p, kind: ascii, value: \"a$$b\"}\n"));
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(r.session->FindSecret("p")->value, "a$b");
  r = Check("name: ${1bad}\nversion: \"0.3\"\n");
  EXPECT_THAT(Report(r), HasSubstr("f:1:7: error: malformed variable "
                                   "reference"));
}

TEST(ParseSessionTest, UnknownSecretKind) {
  CheckResult r = Check(Minimal("  - {name: t, kind: x509ca}\n"));
  EXPECT_THAT(Report(r),
              HasSubstr("f:9:21: error: secret \"t\" has unknown kind "
                        "\"x509ca\"; did you mean \"x509-ca\"? (expected "
                        "ascii, binary, private-key, x509-ca or x509)"));
}

TEST(ParseSessionTest, IssuerMustBeAnX509Ca) {
  CheckResult r =
      Check(Minimal("  - {name: notca, kind: x509}\n"
                    "  - {name: leaf, kind: x509, issuer: notca}\n"
                    "  - {name: leaf2, kind: x509, issuer: nowhere}\n"
                    "  - {name: cert, kind: x509, private_key: k}\n"));
  EXPECT_THAT(Report(r),
              HasSubstr("f:10:38: error: secret \"leaf\": issuer \"notca\" is "
                        "not an x509-ca (it is x509)"));
  EXPECT_THAT(Report(r), HasSubstr("f:11:39: error: secret \"leaf2\": issuer "
                                   "\"nowhere\" is not a secret of this "
                                   "session"));
  EXPECT_THAT(Report(r), HasSubstr("f:12:43: error: secret \"cert\": "
                                   "private_key \"k\" is not a private-key "
                                   "(it is binary)"));
}

TEST(ParseSessionTest, IssuerCycleIsAnError) {
  CheckResult r =
      Check(Minimal("  - {name: a, kind: x509-ca, issuer: b}\n"
                    "  - {name: b, kind: x509-ca, issuer: a}\n"));
  EXPECT_THAT(Report(r), HasSubstr("f:9:5: error: secret \"a\": its issuers "
                                   "form a cycle"));
}

TEST(ParseSessionTest, SubstitutionOfMissingSecret) {
  CheckResult r =
      Check(Minimal("", "    environment: {K: \"x $$COFFER::kk:hex$$\"}\n"));
  EXPECT_THAT(Report(r),
              HasSubstr("f:7:25: error: substitution \"$$COFFER::kk:hex$$\" "
                        "names secret \"kk\", which this session does not "
                        "define; did you mean \"k\"?"));
}

TEST(ParseSessionTest, SubstitutionFormatMustFitKind) {
  CheckResult r = Check(Minimal("  - {name: pw, kind: ascii}\n",
                                "    environment:\n"
                                "      A: $$COFFER::pw:crt$$\n"
                                "      B: $$COFFER::k$$\n"
                                "      C: $$COFFER::pw:nope$$\n"));
  EXPECT_THAT(Report(r), HasSubstr("f:8:10: error: substitution "
                                   "\"$$COFFER::pw:crt$$\": format crt does "
                                   "not fit secret \"pw\" of kind ascii"));
  EXPECT_THAT(Report(r), HasSubstr("f:9:10: error: substitution "
                                   "\"$$COFFER::k$$\" gives binary data"));
  EXPECT_THAT(Report(r), HasSubstr("f:10:10: error: unknown format \"nope\""));
}

TEST(ParseSessionTest, BadMeasurementAndPlatform) {
  CheckResult r = Check(
      "name: s\nversion: \"0.3\"\nservices:\n"
      "  - name: svc\n"
      "    attestation: [{mrenclave: [abc123]}]\n"
      "    platforms: [" +
      std::string(63, 'f') +
      "z]\n"
      "    command: x\n");
  EXPECT_THAT(Report(r), HasSubstr("f:5:32: error: mrenclave \"abc123\" is "
                                   "not 64 hex digits (6 characters)"));
  EXPECT_THAT(Report(r), HasSubstr("f:6:17: error: platform"));
}

TEST(ParseSessionTest, DuplicateSecretName) {
  CheckResult r = Check(Minimal("  - {name: k, kind: ascii}\n"));
  EXPECT_THAT(Report(r), HasSubstr("f:9:12: error: duplicate secret name "
                                   "\"k\" (first defined at line 8)"));
}

TEST(ParseSessionTest, YamlSyntaxError) {
  CheckResult r = Check("name: s\nversion: \"0.3\"\nservices: [\n  - x\n");
  EXPECT_FALSE(r.session);
  EXPECT_THAT(Report(r), HasSubstr("f:4:3: error: YAML syntax error"));
}

TEST(ParseSessionTest, AllProblemsOfAFileInOneRun) {
  Variables v;  // DBSESSION, DBCLIENT etc. unset
  std::string text =
      "name: $DBSESSION\n"                       // 1
      "version: \"0.3\"\n"                       // 2
      "services:\n"                              // 3
      "  - name: db\n"                           // 4
      "    mrenclaves: [nothex]\n"               // 5
      "    command: run $$COFFER::missing$$\n"   // 6
      "secrets:\n"                               // 7
      "  - {name: a, kind: ascii}\n"             // 8
      "  - {name: a, kind: strange}\n"           // 9
      "  - {name: c, kind: x509, issuer: a}\n";  // 10
  CheckResult r = Check(text, v);
  EXPECT_EQ(r.diagnostics.error_count(), 5) << Report(r);
  std::string report = Report(r);
  EXPECT_THAT(report, HasSubstr("f:1:7: error: variable $DBSESSION"));
  EXPECT_THAT(report, HasSubstr("f:5:18: error: mrenclave \"nothex\""));
  EXPECT_THAT(report, HasSubstr("f:6:18: error: substitution"));
  EXPECT_THAT(report, HasSubstr("f:9:12: error: duplicate secret name"));
  EXPECT_THAT(report, HasSubstr("f:10:35: error: secret \"c\": issuer \"a\" "
                                "is not an x509-ca (it is ascii)"));
}

// One test per remaining rule: the text and the report line expected.
struct RuleCase {
  const char* rule;
  std::string text;
  std::string expected;
};

// gtest prints a parameter with this; the rule names the case.
void PrintTo(const RuleCase& rule_case, std::ostream* out) {
  *out << rule_case.rule;
}

class RuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(RuleTest, ReportsTheProblem) {
  CheckResult r = Check(GetParam().text);
  EXPECT_FALSE(r.session.has_value()) << GetParam().rule;
  EXPECT_THAT(Report(r), HasSubstr(GetParam().expected)) << GetParam().rule;
}

std::string Header() { return "name: s\nversion: \"0.3\"\n"; }

INSTANTIATE_TEST_SUITE_P(
    Rules, RuleTest,
    ::testing::Values(
        RuleCase{"name required", "version: \"0.3\"\n",
                 "f:1:1: error: the session needs \"name\""},
        RuleCase{"name syntax", "name: \"a b\"\nversion: \"0.3\"\n",
                 "f:1:7: error: session name \"a b\" is invalid"},
        RuleCase{"version required", "name: s\n",
                 "error: the session needs \"version\""},
        RuleCase{"version value", "name: s\nversion: \"1.0\"\n",
                 "f:2:10: error: unsupported version \"1.0\""},
        RuleCase{"predecessor", Header() + "predecessor: abc\n",
                 "f:3:14: error: predecessor must be the 64-hex hash"},
        RuleCase{"unknown top-level key", Header() + "secretz: []\n",
                 "f:3:1: error: unknown key \"secretz\" in the session; did "
                 "you mean \"secrets\"?"},
        RuleCase{"root must be a mapping", "- a\n- b\n",
                 "f:1:1: error: a session file must be a mapping"},
        RuleCase{"access entry",
                 Header() + "access_policy: {read: [SOMEONE]}\n",
                 "f:3:24: error: entry \"SOMEONE\" in access_policy.read"},
        RuleCase{"ANY stands alone",
                 Header() + "access_policy: {update: [ANY, CREATOR]}\n",
                 "f:3:25: error: access_policy.update: ANY and NONE must "
                 "stand alone"},
        RuleCase{"service needs a measurement",
                 Header() + "services:\n  - {name: a, command: x}\n",
                 "f:4:5: error: service \"a\" needs attestation (or "
                 "mrenclaves)"},
        RuleCase{
            "service needs a command",
            Header() + "services:\n  - {name: a, mrenclaves: [" + kMr + "]}\n",
            "f:4:5: error: service \"a\" needs a command"},
        RuleCase{"both attestation forms",
                 Header() +
                     "services:\n  - {name: a, command: x, "
                     "mrenclaves: [" +
                     kMr +
                     "], attestation: "
                     "{mrenclave: " +
                     kMr + "}}\n",
                 "error: service \"a\" has both attestation and mrenclaves"},
        RuleCase{"duplicate service",
                 Header() +
                     "services:\n  - {name: a, command: x, mrenclaves: "
                     "[" +
                     kMr +
                     "]}\n  - {name: a, command: y, "
                     "mrenclaves: [" +
                     kMr + "]}\n",
                 "f:5:12: error: duplicate service name \"a\""},
        RuleCase{"image must exist",
                 Header() +
                     "services:\n  - {name: a, image_name: img, "
                     "command: x, mrenclaves: [" +
                     kMr + "]}\n",
                 "f:4:5: error: service \"a\": image_name \"img\" is not an "
                 "image of this session"},
        RuleCase{"pwd absolute",
                 Header() +
                     "services:\n  - {name: a, command: x, pwd: rel, "
                     "mrenclaves: [" +
                     kMr + "]}\n",
                 "error: service \"a\": pwd must be an absolute path"},
        RuleCase{"environment name",
                 Header() +
                     "services:\n  - {name: a, command: x, "
                     "environment: {1X: y}, mrenclaves: [" +
                     kMr + "]}\n",
                 "error: service \"a\": environment name \"1X\""},
        RuleCase{"argument placeholder",
                 Header() +
                     "services:\n  - {name: a, command: \"x @@\", "
                     "mrenclaves: [" +
                     kMr + "]}\n",
                 "has @@ without an argument number"},
        RuleCase{"signer needs mrsigner",
                 Header() + "services:\n  - {name: a, command: x, "
                            "attestation: {signer: {isvprodid: 1}}}\n",
                 "signer needs mrsigner"},
        RuleCase{"isvsvn range",
                 Header() +
                     "services:\n  - {name: a, command: x, attestation: "
                     "{signer: {mrsigner: " +
                     kMr +
                     ", isvsvn: 1, "
                     "isvsvn_min: 0}}}\n",
                 "isvsvn cannot be combined"},
        RuleCase{"isvprodid range",
                 Header() +
                     "services:\n  - {name: a, command: x, attestation: "
                     "{signer: {mrsigner: " +
                     kMr +
                     ", isvprodid: "
                     "70000}}}\n",
                 "isvprodid must be a whole number from 0 to 65535"},
        RuleCase{"injection path",
                 Header() + "images:\n  - name: i\n    injection_files:\n"
                            "      - {path: rel/file, content: x}\n",
                 "f:6:16: error: image \"i\": injection file path "
                 "\"rel/file\" must be an absolute file path"},
        RuleCase{"injection duplicate",
                 Header() + "images:\n  - name: i\n    injection_files:\n"
                            "      - {path: /a, content: x}\n"
                            "      - {path: /a, content: y}\n",
                 "f:7:16: error: duplicate injection file path \"/a\" (first "
                 "defined at line 6)"},
        RuleCase{"permission",
                 Header() + "images:\n  - name: i\n"
                            "    injection_files:\n"
                            "      - {path: /a, permission: "
                            "\"0999\"}\n",
                 "permission \"0999\" must be an octal mode"},
        RuleCase{"duplicate image",
                 Header() + "images:\n  - {name: i}\n  - {name: i}\n",
                 "f:5:12: error: duplicate image name \"i\""},
        RuleCase{"secret needs kind", Header() + "secrets:\n  - {name: x}\n",
                 "f:4:5: error: secret \"x\" needs a kind"},
        RuleCase{"secret name",
                 Header() + "secrets:\n  - {name: \"a:b\", "
                            "kind: ascii}\n",
                 "secret name \"a:b\" is invalid"},
        RuleCase{"size and value",
                 Header() + "secrets:\n  - {name: x, kind: ascii, size: 3, "
                            "value: abc}\n",
                 "secret \"x\" has both size and value"},
        RuleCase{"size range",
                 Header() + "secrets:\n  - {name: x, kind: "
                            "ascii, size: 0}\n",
                 "secret \"x\" size must be a whole number from 1 to 65536"},
        RuleCase{"binary value is hex",
                 Header() + "secrets:\n  - {name: x, kind: binary, value: "
                            "xyz}\n",
                 "secret \"x\": a binary value is written in hex"},
        RuleCase{"key type",
                 Header() + "secrets:\n  - {name: x, kind: "
                            "private-key, key_type: P-521}\n",
                 "secret \"x\": unknown key_type \"P-521\""},
        RuleCase{"field of another kind",
                 Header() + "secrets:\n  - {name: x, kind: ascii, issuer: "
                            "y}\n",
                 "secret \"x\": \"issuer\" applies only to x509 and x509-ca "
                 "secrets, not to ascii"},
        RuleCase{"endpoint only on x509",
                 Header() + "secrets:\n  - {name: x, kind: x509-ca, endpoint: "
                            "server}\n",
                 "\"endpoint\" applies only to x509 secrets"},
        RuleCase{"endpoint value",
                 Header() + "secrets:\n  - {name: x, kind: x509, endpoint: "
                            "peer}\n",
                 "endpoint must be server, client or \"server,client\""},
        RuleCase{"valid_for",
                 Header() + "secrets:\n  - {name: x, kind: "
                            "x509-ca, valid_for: forever}\n",
                 "valid_for \"forever\" is not a duration"},
        RuleCase{"dns name",
                 Header() + "secrets:\n  - {name: x, kind: x509, "
                            "dns: [\"a b\"]}\n",
                 "secret \"x\": \"a b\" is not a DNS name"},
        RuleCase{"san",
                 Header() + "secrets:\n  - {name: x, kind: x509, san: "
                            "[\"ip:300.1.1.1\"]}\n",
                 "SAN \"ip:300.1.1.1\" must be dns:NAME or ip:ADDRESS"},
        RuleCase{"export target",
                 Header() + "secrets:\n  - {name: x, kind: ascii, export: "
                            "[{session: \"bad name\"}]}\n",
                 "secret \"x\": export to \"bad name\", which is not a valid "
                 "session name"},
        RuleCase{"export hash",
                 Header() + "secrets:\n  - {name: x, kind: ascii, export: "
                            "{session: t, session_hash: 12}}\n",
                 "session_hash \"12\" is not 64 hex digits"},
        RuleCase{"public_only needs a public part",
                 Header() + "secrets:\n  - {name: x, kind: ascii, export: "
                            "[{session: t, public_only: true}]}\n",
                 "f:4:63: error: secret \"x\": public_only applies only to "
                 "x509 and x509-ca secrets, whose certificate is their "
                 "public part; ascii has none"},
        RuleCase{"public_only on a binary",
                 Header() + "secrets:\n  - {name: x, kind: binary, size: 4, "
                            "export: [t, {session: u, public_only: true}]}\n",
                 "f:4:76: error: secret \"x\": public_only applies only to "
                 "x509 and x509-ca secrets, whose certificate is their "
                 "public part; binary has none"},
        RuleCase{"public_only on a private key",
                 Header() + "secrets:\n  - {name: x, kind: private-key, "
                            "export: {session: t, public_only: true}}\n",
                 "secret \"x\": public_only applies only to x509 and "
                 "x509-ca secrets, whose certificate is their public part; "
                 "private-key has none"},
        RuleCase{"public_only is a bool",
                 Header() + "secrets:\n  - {name: x, kind: private-key, "
                            "export: {session: t, public_only: yes}}\n",
                 "f:4:68: error: public_only must be true or false, not "
                 "\"yes\""},
        RuleCase{"import needs secret",
                 Header() + "secrets:\n  - {name: x, import: {session: t}}\n",
                 "secret \"x\" import needs \"secret\""},
        RuleCase{"import takes no generation fields",
                 Header() + "secrets:\n  - {name: x, size: 3, import: "
                            "{session: t, secret: y}}\n",
                 "secret \"x\": \"size\" has no meaning for an imported "
                 "secret"},
        RuleCase{"export_public is a bool",
                 Header() + "secrets:\n  - {name: x, kind: ascii, "
                            "export_public: maybe}\n",
                 "export_public must be true or false, not \"maybe\""},
        RuleCase{"unknown tolerance",
                 Header() + "security: {attestation: {tolerate: "
                            "[debugmode]}}\n",
                 "unknown tolerance \"debugmode\"; did you mean "
                 "\"debug-mode\"?"},
        RuleCase{"advisory id",
                 Header() + "security: {attestation: {ignore_advisories: "
                            "[SA-1]}}\n",
                 "advisory ID \"SA-1\" is malformed"},
        RuleCase{"star stands alone",
                 Header() + "security: {attestation: {ignore_advisories: "
                            "[\"*\", INTEL-SA-00615]}}\n",
                 "\"*\" ignores every advisory and must stand alone"},
        RuleCase{"unterminated substitution",
                 Header() +
                     "services:\n  - {name: a, command: "
                     "\"x $$COFFER::k\", mrenclaves: [" +
                     kMr + "]}\n",
                 "secret substitution is not closed with $$"},
        RuleCase{"wrong type", Header() + "services: {a: b}\n",
                 "f:3:11: error: services must be a list, not a mapping"}),
    [](const ::testing::TestParamInfo<RuleCase>& param_info) {
      // Readable test names: the rule with every non-alphanumeric as '_'.
      std::string name = param_info.param.rule;
      for (char& c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
      }
      return name;
    });

TEST(ParseSessionTest, SconeKeysAreWarningsAndFailOnWarningMakesErrors) {
  std::string text =
      Minimal("", "    fspf_path: /fspf.pb\n") + "volumes:\n  - name: v\n";
  CheckResult r = Check(text);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_EQ(Report(r),
            "f:7:5: warning: \"fspf_path\" in service \"svc\" is a SCONE key "
            "that Coffer does not implement; it is ignored\n"
            "f:10:1: warning: \"volumes\" in the session is a SCONE key that "
            "Coffer does not implement; it is ignored\n");
  CheckResult strict = Check(text, {}, /*fail_on_warning=*/true);
  EXPECT_FALSE(strict.session);
  EXPECT_THAT(Report(strict), HasSubstr("f:7:5: error: \"fspf_path\""));
}

TEST(ParseSessionTest, SconeHospitalTemplateIsValidWithItsVariables) {
  Variables v;
  v.values = {{"FLASK_SESSION", "flask-1"},
              {"MRENCLAVE", kMr},
              {"SCONE_FSPF_TAG", "00"},
              {"SCONE_FSPF_KEY", "00"},
              {"REDIS_SESSION", "redis-1"}};
  CheckResult r = Check(
      ReadTestFile("tests/policy/scone/avalon-hospital-flask-template.yml"), v);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_THAT(Report(r), HasSubstr("warning: \"fspf_tag\""));
  EXPECT_THAT(Report(r), Not(HasSubstr("error")));
  const Session& s = *r.session;
  EXPECT_EQ(s.FindSecret("redis_ca_cert")->import->session, "redis-1");
  EXPECT_EQ(s.attestation.ignore_advisories, std::vector<std::string>{"*"});
  EXPECT_EQ(s.services[0].command,
            (std::vector<std::string>{"python3",
                                      "/fspf/encrypted-files/rest_api.py"}));
}

TEST(ParseSessionTest, SconeWorkerTemplateOnceItsTokensAreReplaced) {
  std::string text =
      ReadTestFile("tests/policy/scone/avalon-worker-session-template.yml");
  // Its project replaces these tokens before upload; so do we.
  for (auto [token, value] :
       {std::pair<std::string, std::string>{"MR_ENCLAVE", kMr},
        {"WORKER_ID", "worker-7"}}) {
    for (size_t at; (at = text.find(token)) != std::string::npos;) {
      text.replace(at, token.size(), value);
    }
  }
  CheckResult r = Check(text);
  ASSERT_TRUE(r.session) << Report(r);
  EXPECT_THAT(Report(r), HasSubstr("warning: tolerance \"insecure-igpu\""));
  EXPECT_TRUE(r.session->FindSecret("signing_public_key")->export_public);
}

TEST(ParseSessionTest, SconeFixturesWithDummyMeasurementsAreRejected) {
  CheckResult r =
      Check(ReadTestFile("tests/policy/scone/iexec-tee-session.yml"));
  EXPECT_FALSE(r.session);
  std::string report = Report(r);
  EXPECT_EQ(r.diagnostics.error_count(), 3) << report;
  EXPECT_THAT(report, HasSubstr("f:15:18: error: mrenclave \"mrEnclave1\" is "
                                "not 64 hex digits"));
  EXPECT_THAT(report, HasSubstr("warning: \"volumes\" in image"));
  EXPECT_THAT(report, HasSubstr("warning: tolerance \"insecure-igpu\""));
  CheckResult maa =
      Check(ReadTestFile("tests/policy/scone/iexec-palaemon-maa.yml"));
  EXPECT_THAT(Report(maa), HasSubstr("warning: attestation mode \"maa\""));
}

TEST(ParseSessionTest, EveryTruncationIsHandled) {
  // A parser of untrusted input gets every prefix of a real file: no crash,
  // and every problem has a position.
  std::string text = ReadTestFile("tests/policy/mariadb_session.yml");
  Variables v = ExampleVariables();
  for (size_t n = 0; n <= text.size(); ++n) {
    CheckResult r = Check(std::string_view(text).substr(0, n), v);
    for (const Diagnostic& d : r.diagnostics.items()) {
      ASSERT_GE(d.position.line, 1) << n << ": " << d.message;
    }
  }
}

}  // namespace
}  // namespace coffer::policy

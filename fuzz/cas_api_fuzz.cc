// libFuzzer target: the CAS's API (cas/api.h) on arbitrary requests,
// dispatched through its router as the server does (net::Dispatch: the same
// Request, the same Content-Type and identity checks), without a network.
//
// Built once: a CAS in a temporary directory (/dev/shm when there is one,
// so that the store's and audit log's syncs are cheap) with a random seal
// key, an identity made in process, three owners' identities and two
// sessions, "db" (owner 0, private) and "app" (owner 1, readable by ANY,
// importing db's CA). Owner 0 also owns the CAS (governance.h), so
// approvals, revocations and joins are reachable.
//
// Input layout:
//   byte 0  method: GET, POST, PUT, DELETE, HEAD, "get" (by value % 6)
//   byte 1  target: one of kTargets (by value % size); with the top bit
//           set, the target is the input's next line instead (after the
//           three header bytes, up to '\n'), e.g. "/v1/sessions/a?b"
//   byte 2  bits 0-1: the caller (owner 0, 1, 2, or no certificate);
//           bits 2-3: the Content-Type (application/json, with a charset,
//           text/plain, none)
//   rest    the body
// Invariants (abort otherwise): the status is one of 200..599 with a reason
// phrase; a JSON response's body parses; a status >= 400 carries a JSON
// object with string "error" and "message"; no input gets a 5xx (nothing
// here makes the store or the audit log fail).
#include <stdlib.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "attest/intel_root.h"
#include "attest/quote_verifier.h"
#include "cas/api.h"
#include "cas/audit_log.h"
#include "cas/identity.h"
#include "cas/provisioning.h"
#include "cas/sessions.h"
#include "cas/store.h"
#include "common/log.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "net/dispatch.h"
#include "net/http_message.h"
#include "net/metrics.h"
#include "net/router.h"
#include "net/tls.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 6> kMethods = {"GET",    "POST", "PUT",
                                                      "DELETE", "HEAD", "get"};

constexpr std::array<std::string_view, 19> kTargets = {"/v1/sessions",
                                                       "/v1/sessions/db",
                                                       "/v1/sessions/app",
                                                       "/v1/sessions/fuzz",
                                                       "/v1/provision",
                                                       "/v1/program",
                                                       "/v1/public/db/ca",
                                                       "/v1/public/app/db_ca",
                                                       "/v1/evidence",
                                                       "/healthz",
                                                       "/metrics",
                                                       "/v1/sessions/",
                                                       "/v1/sessions?limit=1",
                                                       "/v1/nothing",
                                                       "/v1/cas/members",
                                                       "/v1/cas/approve",
                                                       "/v1/cas/revoke",
                                                       "/v1/cas/join",
                                                       "/v1/cas/join/commit"};

constexpr std::array<std::string_view, 4> kContentTypes = {
    "application/json", "Application/JSON; charset=utf-8", "text/plain", ""};

constexpr std::string_view kMeasurement =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

constexpr std::string_view kDbSession = R"(name: db
version: "0.3"
services:
  - name: server
    image_name: image
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: server --key=$$COFFER::db_key:hex$$
    environment: {PASSWORD: "$$COFFER::password$$"}
    pwd: /var/lib/db
images:
  - name: image
    injection_files:
      - {path: /run/coffer/db/keys.txt, content: "1;$$COFFER::db_key:hex$$", permission: "0600"}
secrets:
  - {name: db_key, kind: binary, size: 32}
  - {name: password, kind: ascii, size: 16}
  - {name: ca_key, kind: private-key}
  - {name: ca, kind: x509-ca, private_key: ca_key, export_public: true, export: [{session: app}]}
security:
  attestation: {tolerate: [simulation]}
)";

constexpr std::string_view kAppSession = R"(name: app
version: "0.3"
access_policy:
  read: [ANY]
  update: [CREATOR]
services:
  - name: app
    attestation: [{mrenclave: [$MRENCLAVE]}]
    command: app --ca=$$COFFER::db_ca:crt$$
secrets:
  - {name: db_ca, import: {session: db, secret: ca}}
security:
  attestation: {tolerate: [simulation]}
)";

[[noreturn]] void Die(std::string_view what, const Status& status) {
  std::fprintf(stderr, "cas_api_fuzz: %.*s: %s\n",
               static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  std::abort();
}

template <typename T>
T OrDie(StatusOr<T> value, std::string_view what) {
  if (!value.ok()) Die(what, value.status());
  return *std::move(value);
}

std::string MakeDataDir() {
  std::error_code ignored;
  const std::filesystem::path base =
      std::filesystem::is_directory("/dev/shm", ignored)
          ? std::filesystem::path("/dev/shm")
          : std::filesystem::temp_directory_path();
  std::string pattern = (base / "cas_api_fuzz.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("cas_api_fuzz: mkdtemp");
    std::abort();
  }
  return pattern;
}

// A caller's identity as the server takes it from the TLS connection; the
// key itself is not needed after its certificate is made.
net::PeerIdentity MakeCaller(std::string name,
                             std::chrono::system_clock::time_point now) {
  crypto::PrivateKey key =
      OrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256), "caller key");
  const crypto::Certificate certificate =
      OrDie(net::MakeSelfSignedIdentityCertificate(key, std::move(name),
                                                   now - std::chrono::hours(1),
                                                   std::chrono::hours(24)),
            "caller certificate");
  return {net::IdentityOf(certificate), certificate.ToDer()};
}

// The CAS's parts in the order they depend on each other (as in
// service.cc); never destroyed, since libFuzzer may exit from any thread.
struct Cas {
  std::string dir = MakeDataDir();
  Clock clock = [] { return std::chrono::system_clock::now(); };
  std::unique_ptr<Store> store;
  std::optional<CasIdentity> identity;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<attest::QuoteVerifier> verifier;
  net::MetricsRegistry metrics;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<Provisioner> provisioner;
  std::unique_ptr<Governance> governance;
  std::unique_ptr<Handover> handover;
  net::Router router;
  std::vector<net::PeerIdentity> callers;

  Cas() {
    const auto now = clock();
    const crypto::SecretBytes seal_key =
        OrDie(crypto::RandomSecret(32), "seal key");
    store = OrDie(SqliteStore::Open(dir, seal_key), "store");
    crypto::PrivateKey key =
        OrDie(crypto::PrivateKey::Generate(crypto::KeyType::kP256), "CAS key");
    crypto::Certificate certificate =
        OrDie(net::MakeSelfSignedIdentityCertificate(
                  key, "Coffer CAS", now - std::chrono::hours(1),
                  std::chrono::hours(24), {"localhost"}, {"127.0.0.1"}),
              "CAS certificate");
    identity.emplace(CasIdentity{.key = std::move(key),
                                 .certificate = std::move(certificate),
                                 .quote = {},
                                 .platform_id = "fuzz",
                                 .measurement = std::string(kMeasurement)});
    audit = OrDie(AuditLog::Open(dir + "/audit.log", identity->key, clock),
                  "audit log");
    verifier = std::make_unique<attest::QuoteVerifier>(
        OrDie(attest::IntelSgxRootCa(), "Intel root"));
    sessions = std::make_unique<Sessions>(*store, *audit, clock);
    provisioner = std::make_unique<Provisioner>(*sessions, *verifier, nullptr,
                                                *audit, clock, &metrics);
    callers = {MakeCaller("owner 0", now), MakeCaller("owner 1", now),
               MakeCaller("owner 2", now)};
    // The first caller owns the CAS: the governance routes are reachable.
    governance = OrDie(Governance::Load(*store, *audit, clock,
                                        {std::string(kMeasurement),
                                         std::string(64, 'a'), "127.0.0.1:1"},
                                        {callers[0].spki_sha256_hex}),
                       "governance");
    handover = std::make_unique<Handover>(*store, *audit, *governance,
                                          *verifier, nullptr, *identity, clock);
    router = OrDie(MakeApiRouter(*sessions, *provisioner, *identity, metrics,
                                 *governance, *handover),
                   "router");
    const std::map<std::string, std::string> variables = {
        {"MRENCLAVE", std::string(kMeasurement)}};
    OrDie(sessions->Create({.name = "db",
                            .text = std::string(kDbSession),
                            .file = "db.yml",
                            .variables = variables},
                           callers[0].spki_sha256_hex),
          "session db");
    OrDie(sessions->Create({.name = "app",
                            .text = std::string(kAppSession),
                            .file = "app.yml",
                            .variables = variables},
                           callers[1].spki_sha256_hex),
          "session app");
  }
};

// The last error the CAS logged: a 5xx's explanation (never printed
// otherwise, to keep the fuzzer's output readable).
std::string& LastErrorLine() {
  static std::string line;
  return line;
}

Cas& TheCas() {
  static Cas* const cas = [] {
    SetLogSink([](std::string_view line) {
      if (line.find("level=error") != std::string_view::npos)
        LastErrorLine() = std::string(line);
    });
    auto* made = new Cas();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(TheCas().dir, ignored);
    });
    return made;
  }();
  return *cas;
}

[[noreturn]] void Violation(const net::Request& request,
                            const net::Response& response,
                            std::string_view what) {
  std::fprintf(stderr,
               "cas_api_fuzz: %.*s\n  request: %s %s (%s)\n  response: %d "
               "%s\n  last error log: %s\n",
               static_cast<int>(what.size()), what.data(),
               request.method.c_str(), request.target.c_str(),
               request.content_type.c_str(), response.status,
               response.body.c_str(), LastErrorLine().c_str());
  std::abort();
}

void CheckResponse(const net::Request& request, const net::Response& response) {
  if (response.status < 200 || response.status > 599 ||
      net::HttpReason(response.status).empty()) {
    Violation(request, response, "not a well-formed HTTP status");
  }
  const bool json = net::IsJsonContentType(response.content_type);
  if (response.status >= 400 && !json) {
    Violation(request, response, "an error without a JSON body");
  }
  if (!json) return;
  const Json body = Json::parse(response.body, nullptr, false);
  if (body.is_discarded()) Violation(request, response, "body is not JSON");
  if (response.status >= 400) {
    if (!body.is_object() || !body.contains("error") ||
        !body["error"].is_string() || body["error"].empty() ||
        !body.contains("message") || !body["message"].is_string()) {
      Violation(request, response, "error body lacks \"error\"/\"message\"");
    }
  }
  if (response.status >= 500) Violation(request, response, "a 5xx answer");
}

}  // namespace
}  // namespace coffer::cas

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coffer;
  cas::Cas& the_cas = cas::TheCas();
  if (size < 3) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);

  net::Request request;
  request.method = std::string(cas::kMethods[data[0] % cas::kMethods.size()]);
  if ((data[1] & 0x80) != 0) {
    const size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) return 0;
    request.target = std::string(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
  } else {
    request.target = std::string(cas::kTargets[data[1] % cas::kTargets.size()]);
  }
  // The server answers a target that is not a path itself (400).
  if (!request.target.starts_with('/')) return 0;
  const size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) {
    request.query = request.target.substr(question + 1);
  }
  const size_t caller = data[2] & 0x3;
  if (caller < the_cas.callers.size()) {
    request.peer = the_cas.callers[caller];
  }
  request.content_type = std::string(cas::kContentTypes[(data[2] >> 2) & 0x3]);
  if (!request.content_type.empty()) {
    request.headers.emplace_back("content-type", request.content_type);
  }
  request.body = std::string(rest);
  request.remote_address = "127.0.0.1:40000";

  const net::DispatchResult result = net::Dispatch(the_cas.router, request);
  cas::CheckResponse(request, result.response);
  return 0;
}

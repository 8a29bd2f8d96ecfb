// CasClient: the CAS's HTTPS API (/v1/...) from the caller's side, for the
// owner's CLI now and the runtime later.
//
//   COFFER_ASSIGN_OR_RETURN(ClientConfig config, ClientConfig::Open(dir));
//   COFFER_ASSIGN_OR_RETURN(UserIdentity me, config.LoadOrCreateIdentity(now));
//   COFFER_ASSIGN_OR_RETURN(CasAddress address, ParseCasAddress(text));
//   COFFER_ASSIGN_OR_RETURN(auto cas,
//       CasClient::ConnectPinned(address, config, me.tls()));
//   COFFER_ASSIGN_OR_RETURN(SessionRef created, cas->CreateSession(upload));
//
// Every connection is mutual TLS: the caller presents its identity (the
// CAS knows callers by the SHA-256 of their public key) and verifies the
// CAS by the certificate pinned when it was attested (ConnectPinned), or
// accepts any certificate to check it by its evidence
// (ConnectForAttestation, then evidence_check.h).
//
// Errors:
//   kUnauthenticated  the CAS cannot be trusted: "CAS 127.0.0.1:8081 is not
//                     attested: run coffer cas attest 127.0.0.1:8081 first",
//                     "the certificate of CAS 127.0.0.1:8081 changed since it
//                     was attested: ... run coffer cas attest ... again",
//                     or a TLS verification failure from net::HttpClient
//   kUnavailable, kDeadlineExceeded, kResourceExhausted
//                     the CAS cannot be reached or answered nonsense
//                     ("CAS 127.0.0.1:8081: malformed answer to GET
//                     /v1/sessions: \"sessions\" is not a list of strings")
//   the server's code and message for an HTTP error (net::StatusFromResponse:
//   400 kInvalidArgument, 403 kPermissionDenied, 404 kNotFound, 409
//   kAlreadyExists or kFailedPrecondition, 5xx kInternal/kUnavailable); a
//   400's "problems" follow the message, one "FILE:L:C: message" a line.
//   kInvalidArgument before anything is sent for a session or secret name
//   that cannot be a path segment (CheckSessionName).
//
// Secrets: Provision's answer holds the service's secrets; they are
// returned in crypto::SecretBytes, and the body and its parse (SecretJson,
// secret_json.h) are wiped. Not wiped: net::HttpClient's own read buffers.
//
// Thread safety: a CasClient is used by one thread at a time (it holds one
// keep-alive connection). The free functions are pure, except that
// DefaultCasAddress and UsedVariables (with use_env) read the environment.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cas/client_config.h"
#include "cas/evidence_check.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/secret.h"
#include "net/http_client.h"
#include "net/tls.h"
#include "policy/variables.h"

namespace coffer::cas {

inline constexpr std::string_view kDefaultCasAddress = "127.0.0.1:8081";

// Where a CAS listens.
struct CasAddress {
  std::string host;  // a DNS name, an IPv4 address or an IPv6 address
  uint16_t port = 0;

  // "host:port", "[v6]:port": the form pins are filed under.
  std::string ToString() const;
};

// "host:port" or "[ipv6]:port", port 1 to 65535. kInvalidArgument
// "CAS address \"cas\" must be HOST:PORT (e.g. 127.0.0.1:8081)".
StatusOr<CasAddress> ParseCasAddress(std::string_view text);
// Several members of one CAS, "HOST:PORT,HOST:PORT" (one is fine):
// clients try them in turn while one cannot be reached. kInvalidArgument
// as above, naming the bad one.
StatusOr<std::vector<CasAddress>> ParseCasAddresses(std::string_view text);
// Whether a failure to connect means "try the next member": the member
// was not reached (refused, timed out), not that it refused us.
bool IsUnreachable(const Status& status);
// $COFFER_CAS_ADDR if set and not empty, else kDefaultCasAddress.
std::string DefaultCasAddress();

// A session name usable in the API's paths: 1 to 128 of A-Z a-z 0-9 _ . ~
// / - (the session language's rule). kInvalidArgument naming it.
Status CheckSessionName(std::string_view name);

// The variables `session_text` uses ($NAME, ${NAME} in its values, as
// policy::ExpandVariables finds them) that have a value in `variables`:
// what to send with the session, and nothing else from the environment.
// A file whose YAML does not parse gives an empty map (the checker reports
// why).
std::map<std::string, std::string> UsedVariables(
    std::string_view session_text, const policy::Variables& variables);

// POST /v1/sessions and PUT /v1/sessions/{name}.
struct SessionUpload {
  std::string name;
  std::string session;  // the YAML text as written
  std::string file;     // how messages name it, e.g. the path given
  std::map<std::string, std::string> variables;
};

struct SessionRef {
  std::string name;
  std::string hash;
};

// GET /v1/sessions/{name}.
struct StoredSession {
  std::string name;
  std::string hash;
  std::string session;  // as submitted
  std::map<std::string, std::string> variables;
};

// GET /v1/public/{session}/{secret}: an exported certificate, or the value
// of an export_public secret.
struct PublicExport {
  std::string session;
  std::string secret;
  std::optional<std::string> certificate_pem;
  std::optional<std::string> value;
};

struct ServiceFile {
  std::string path;  // absolute
  uint32_t mode = 0600;
  crypto::SecretBytes content;
};

// POST /v1/provision: what a service runs with. Arguments and environment
// values may hold substituted secrets, so they are SecretBytes too.
struct ServiceConfiguration {
  std::vector<crypto::SecretBytes> command;
  std::vector<std::pair<std::string, crypto::SecretBytes>> environment;
  std::string pwd;
  std::vector<ServiceFile> files;
};

class CasClient {
 public:
  // Connects presenting `identity` and verifying the CAS by `verification`.
  // `identity` is borrowed for the call only. Errors: net::HttpClient's.
  static StatusOr<std::unique_ptr<CasClient>> Connect(
      const CasAddress& address, const net::TlsIdentity& identity,
      const net::ServerVerification& verification,
      net::ClientOptions options = {});

  // Connects to an attested CAS: its certificate must be the one pinned in
  // `config` for `address` (the errors above when there is none or it
  // differs).
  static StatusOr<std::unique_ptr<CasClient>> ConnectPinned(
      const CasAddress& address, const ClientConfig& config,
      const net::TlsIdentity& identity, net::ClientOptions options = {});

  // Accepts any certificate, for `coffer cas attest`: nothing received may
  // be trusted before CheckEvidence(Evidence(), server_certificate_der())
  // succeeds.
  static StatusOr<std::unique_ptr<CasClient>> ConnectForAttestation(
      const CasAddress& address, const net::TlsIdentity& identity,
      net::ClientOptions options = {});

  ~CasClient();
  CasClient(const CasClient&) = delete;
  CasClient& operator=(const CasClient&) = delete;

  // GET /v1/evidence, parsed (ParseEvidence), not checked.
  StatusOr<CasEvidence> Evidence();

  StatusOr<SessionRef> CreateSession(const SessionUpload& upload);
  StatusOr<StoredSession> ReadSession(std::string_view name);
  // `predecessor`: the hash of the session this replaces, or nullopt to
  // rely on the file's `predecessor:`.
  StatusOr<SessionRef> UpdateSession(
      const SessionUpload& upload,
      const std::optional<std::string>& predecessor);
  // The names of the sessions this caller may read, sorted.
  StatusOr<std::vector<std::string>> ListSessions();
  StatusOr<PublicExport> GetPublicValue(std::string_view session,
                                        std::string_view secret);
  // POST /v1/program: the program `config_id`'s service runs, as its
  // command names it (a path or a name to find on PATH).
  StatusOr<std::string> ServiceProgram(std::string_view config_id);
  // `config_id` is "session/service"; `quote` binds the caller's TLS key.
  StatusOr<ServiceConfiguration> Provision(std::string_view config_id,
                                           std::span<const uint8_t> quote);

  // Any request: the 2xx answer's body, or the CAS's error as a Status
  // (a 400's "problems" appended to its message). For the CAS's own
  // routes (/v1/cas/...), whose answers their callers parse.
  StatusOr<std::string> Call(std::string_view method, const std::string& target,
                             const std::string& body = {});

  // The CAS's TLS leaf (DER), from the first handshake.
  const Bytes& server_certificate_der() const;
  // "host:port" as connected to.
  const std::string& address() const { return address_; }

 private:
  CasClient(std::string address, std::unique_ptr<net::HttpClient> http)
      : address_(std::move(address)), http_(std::move(http)) {}

  // Sends a request and returns the body of a 2xx answer, or the error.
  std::string address_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace coffer::cas

// Provisioning: a runtime proves what it is and where it runs, and gets
// its service's configuration with every secret substituted.
//
// The runtime connects with a fresh key and presents a quote whose report
// data begins with the SHA-256 of that key's SubjectPublicKeyInfo (the
// rest zero), and a config ID "SESSION/SERVICE" (the session name may hold
// '/', so the service is after the last one). The CAS accepts only if, in
// this order:
//  1. the quote verifies (attest::QuoteVerifier; hardware quotes with the
//     CAS's collateral when it has some);
//  2. the quote binds the key of this TLS connection (a replayed quote is
//     useless to anyone else);
//  3. the session tolerates what the quote says (attest::DecideTolerance:
//     simulation, debug, TCB status, advisories);
//  4. the measurement matches one of the service's attestation rules;
//  5. the platform is one of the service's `platforms` (when listed);
//  6. every secret the configuration names resolves, imports included
//     (the exporting session must export it to this one; when it exports
//     it `public_only`, only a certificate format: crt, chain, der or the
//     default of a certificate, never a key).
// A refusal is kPermissionDenied with a message that says which check
// failed and for which session/service, never which secret would have
// been released; it is counted and written to the audit log.
// Thread safety: Provision may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attest/collateral.h"
#include "attest/quote_verifier.h"
#include "cas/audit_log.h"
#include "cas/sessions.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/secret.h"
#include "net/metrics.h"

namespace coffer::cas {

// A service's configuration with its secrets substituted. Whatever a
// substitution can reach (file contents, arguments, environment values) is
// crypto::SecretBytes from the moment it is resolved, so it is wiped when
// the configuration goes and never prints itself; names, paths and the
// working directory hold no secret.
struct ProvisionedFile {
  std::string path;
  uint32_t mode = 0600;
  crypto::SecretBytes content;
};

struct Configuration {
  std::vector<crypto::SecretBytes> command;
  std::vector<std::pair<std::string, crypto::SecretBytes>> environment;
  std::string pwd;
  std::vector<ProvisionedFile> files;
};

struct ProvisionRequest {
  std::string config_id;  // "SESSION/SERVICE"
  Bytes quote;
  // SHA-256 hex of the TLS peer's SubjectPublicKeyInfo.
  std::string peer_identity;
};

// True when the quote's report data is SHA-256 of the connection's key
// (`peer_identity`, hex) followed by zeros: what a runtime or a joining
// CAS member asked the LAS to put there, so a quote is good only on a
// connection made with that key.
bool QuoteBindsKey(const attest::VerifiedQuote& quote,
                   std::string_view peer_identity);

class Provisioner {
 public:
  // Everything borrowed must outlive the Provisioner. `collateral` may be
  // null: hardware quotes then verify without collateral and their TCB
  // status is Unknown, which DecideTolerance judges.
  // `metrics` may be null.
  Provisioner(Sessions& sessions, attest::QuoteVerifier& verifier,
              const attest::Collateral* collateral, AuditLog& audit,
              Clock clock, net::MetricsRegistry* metrics);

  StatusOr<Configuration> Provision(const ProvisionRequest& request);

  // The program a service runs (its command's first word, e.g. "mariadbd"),
  // which the runtime must know to have it measured before it can attest.
  // Public to any caller, like a container image name: it holds no secret.
  // Failure: kInvalidArgument for a config ID that is not SESSION/SERVICE,
  // kNotFound for an unknown session or service, kFailedPrecondition for a
  // command that is empty or names its program through a secret.
  StatusOr<std::string> Program(std::string_view config_id);

 private:
  // Sets `reason` to the metric label of the outcome ("accepted",
  // "quote", "key_binding", "tolerance", "measurement", "platform",
  // "secrets", "unknown_service").
  StatusOr<Configuration> Decide(const ProvisionRequest& request,
                                 attest::VerifiedQuote& quote,
                                 std::string& reason);

  Sessions& sessions_;
  attest::QuoteVerifier& verifier_;
  const attest::Collateral* collateral_;
  AuditLog& audit_;
  Clock clock_;
  net::CounterFamily* attestations_ = nullptr;
};

}  // namespace coffer::cas

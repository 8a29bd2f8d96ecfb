// The secrets engine: makes the values of a session's secrets inside the
// CAS, and on update decides which values of the previous revision stay.
//
// What each kind gets (policy/session.h, DESIGN.md "The session language"):
// - ascii: `size` characters of crypto::kAsciiSecretAlphabet; binary: `size`
//   random bytes. An explicit `value` is always exactly what the policy says.
// - private-key: a fresh key of `key_type`.
// - x509-ca: a CA certificate (CA:TRUE, keyCertSign) for its `private_key`,
//   or for a key of its own of `key_type`; self-signed, or issued by
//   `issuer` (an intermediate CA).
// - x509: a leaf certificate (CA:FALSE) for its `private_key` or a key of
//   its own, issued by `issuer`, or self-signed when it has none. Usage from
//   `endpoint`: server -> serverAuth, client -> clientAuth, "server,client"
//   or no endpoint -> both.
// - Certificates: subject CN=`common_name`, default the secret name (cut to
//   the 64 bytes X.509 allows); subjectAltName from `dns` and `san`; valid
//   from `now` - kCertificateBackdate (so that a peer whose clock is a little
//   behind the CAS's accepts it at once) until `now` + `valid_for`.
// - Imported secrets and SCONE kinds that Coffer does not implement get no
//   value: imports are resolved from the exporter at attestation time.
// Issuers and private keys are made before the certificates that use them,
// whatever the file order.
//
// On update (`previous` = the values of the previous revision), a value is
// kept when the previous revision has a value of the same name and kind
// that the new spec would make from the same inputs:
// - ascii and binary: generated then and now, with the same size. A
//   database key survives a policy update; an explicit value never carries
//   over, and removing it generates a fresh value.
// - private keys (private-key, and the own key of x509 and x509-ca): only
//   with `migrate: true` and the same key_type, as in SCONE.
// - certificates: when CN, SANs, usage, validity period, issuer name, key
//   source, the subject key and the issuer's certificate are all unchanged
//   and the certificate is not due for renewal at `now` (two thirds of its
//   validity have passed). So a regenerated key or a re-issued issuer
//   re-issues every certificate below it, a changed SAN re-issues the
//   certificate around a migrated key, and a certificate is renewed (same
//   CA, same names, same key where it is kept) well before it expires.
//
// Failure: kUnimplemented when a certificate's issuer or private_key is an
// imported secret ("secret \"server\": issuer \"ca\" is imported; Coffer
// issues certificates only with keys and CAs of the same session");
// kInvalidArgument when the issuer refuses a spec, with the secret's name
// ("secret \"server\": certificate \"server\": invalid DNS name \"a_b\""),
// or when a link names a missing secret or forms a cycle (which a checked
// session never has); kDataLoss when a previous value that is to be kept is
// corrupt (a key that does not parse), rather than silently replace a key
// the policy asked to keep; kInternal when libcrypto fails.
//
// Thread safety: may be called from any thread; reads no clock (`now` is
// the caller's injected time).
#pragma once

#include <chrono>

#include "cas/secret_values.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "policy/session.h"

namespace coffer::cas {

inline constexpr std::chrono::seconds kCertificateBackdate =
    std::chrono::hours(1);

// Makes the value of every non-imported secret of `session`. `previous` is
// null on create; on update, the values of the previous revision (not
// changed; kept values are copied).
StatusOr<SecretValues> GenerateSecrets(
    const policy::Session& session, const SecretValues* previous,
    std::chrono::system_clock::time_point now);

// Two thirds of the certificate's validity (not_before to not_after) have
// passed at `now`.
bool IsDueForRenewal(const crypto::Certificate& certificate,
                     std::chrono::system_clock::time_point now);

// When the first certificate among `values` is due for renewal
// (time_point::min() for one that does not parse, max() without any).
std::chrono::system_clock::time_point NextRenewal(const SecretValues& values);

// Some certificate among `values` is due for renewal at `now`.
bool CertificatesDue(const SecretValues& values,
                     std::chrono::system_clock::time_point now);

}  // namespace coffer::cas

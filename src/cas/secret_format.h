// Secret values as they leave the CAS: the text a substitution
// `$$COFFER::name[:format]$$` puts into a service's configuration, the
// rule that lets one session import another's secret (whole, or only its
// public part), and the public part of a secret marked `export_public`.
//
// Formats by kind (the same table as the checker's, policy/check_references):
//   ascii     default: the text; hex; base64
//   binary    default: the raw bytes (as SCONE; only an injected file can
//             hold them, which the checker enforces); hex; base64
//   private-key  default and key: PEM (PKCS#8); key:der: DER (PKCS#8)
//   x509, x509-ca  default and crt: the certificate, PEM; chain: the
//             certificate and its issuers up to the root, PEM; der: the
//             certificate, DER; key: the private key, PEM; key:der: DER
// hex is lower case; base64 is standard with padding (RFC 4648, section 4).
//
// The returned strings hold secrets: callers put them into the
// configuration they send and wipe them when done.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "cas/secret_values.h"
#include "common/status.h"
#include "policy/session.h"
#include "policy/substitution.h"

namespace coffer::cas {

// `value` (of secret `name`, for messages) in `format`.
// Failure: kInvalidArgument when the format does not fit the kind:
//   secret "db_key" (binary) has no certificate: format crt applies to x509
//   and x509-ca
//   secret "db_key" (binary) has no private key: format key applies to
//   private-key, x509 and x509-ca
//   secret "ca" (x509-ca) is not ascii or binary: format hex applies to
//   ascii and binary
// kDataLoss when the stored key or certificate does not parse.
StatusOr<std::string> FormatSecret(std::string_view name,
                                   const SecretValue& value,
                                   policy::SecretFormat format);

// What an importing session may have of a secret exported to it.
enum class ExportGrant {
  kWhole,       // every format: an x509 leaf's key too, as a client
                // certificate is issued for its importer
  kPublicOnly,  // `public_only: true`: only the certificate (IsPublicForm)
};

// Whether session `importer_name`, whose current hash is `importer_hash`,
// may import secret `secret` of `exporter`, and what of it: granted when
// that secret lists an export to `importer_name` that pins no session_hash
// or pins this one (compared without regard to case). Several matching
// exports add up: the grant is kWhole when any of them is not public_only.
// This checks only the permission; the caller fetches the exporter's value
// and, for kPublicOnly, keeps to IsPublicForm.
// Failure: kPermissionDenied
//   session "db" does not export secret "ca" to session "client"
// with the same message whether the secret does not exist, is not
// exported, or is exported only to another revision, so that an importer
// learns nothing about the exporter's other secrets.
StatusOr<ExportGrant> CheckExport(const policy::Session& exporter,
                                  std::string_view secret,
                                  std::string_view importer_name,
                                  std::string_view importer_hash);

// Whether `format` of `value` gives only its public part: the certificate
// of an x509 or x509-ca secret as crt, chain, der or the default format.
// False for every key format and for every other kind, whose values have
// no public part.
bool IsPublicForm(const SecretValue& value, policy::SecretFormat format);

// The public part of `secret` of `session`, for GET
// /v1/public/{session}/{secret}: the certificate (PEM) of an x509 or
// x509-ca secret marked `export_public: true`, never its key. Only
// certificates are public: an ascii, binary or private-key value stays
// secret even when marked, because a public secret is a contradiction a
// typo should not be able to cause.
// Failure: kNotFound
//   session "db" has no public secret "db_key"
// alike for a secret that does not exist, is not marked, is not a
// certificate, or has no value, so that nothing about private secrets
// leaks.
StatusOr<std::string> PublicCertificate(const policy::Session& session,
                                        const SecretValues& values,
                                        std::string_view secret);

}  // namespace coffer::cas

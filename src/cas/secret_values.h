// The values of a session's secrets: what the secrets engine generates
// (secrets_engine.h), the CAS seals in its state, and provisioning
// substitutes into a service's configuration (secret_format.h).
//
// SecretValue is one secret's typed value. SecretValues maps secret names to
// values for one revision of one session; imported secrets have no entry
// (they are resolved from the exporting session when a service is attested).
//
// Both are move-only: a value has one owner, and Clone() makes a visible
// second copy. Neither ever prints a value: operator<< gives kinds and
// names only, so that a log line or a test failure cannot leak one.
//
// Serialize() writes JSON into SecretBytes for the sealed store, wiping
// every temporary it makes; Parse() reads it back and refuses anything else
// with kDataLoss (the store hands it unsealed bytes, so garbage means
// corruption, never user error). Parsing wipes the decoded strings it
// holds; the JSON library's own scanner buffer is beyond its reach.
//
// Thread safety: plain values; const methods may run concurrently.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"
#include "policy/session.h"

namespace coffer::cas {

struct SecretValue {
  // ascii, binary, private-key, x509-ca or x509; never kImported (an
  // imported value is the exporter's SecretValue, with the exporter's kind).
  policy::SecretKind kind = policy::SecretKind::kAscii;
  // ascii: the text; binary: the bytes; private-key, x509-ca and x509: the
  // private key, unencrypted PKCS#8 DER.
  crypto::SecretBytes value;
  // x509 and x509-ca: the certificate, PEM.
  std::string certificate_pem;
  // x509 and x509-ca: the certificates above certificate_pem up to the
  // self-signed root, nearest first, PEM; empty for a self-signed one.
  std::string chain_pem;
  // SHA-256 (hex) of what the value was made from: the secret's spec and,
  // for certificates, the subject key and the issuer's certificate. On
  // update the engine keeps a value only if the new revision would make it
  // from the same inputs (secrets_engine.h).
  std::string spec_fingerprint;

  SecretValue Clone() const;
  bool HasCertificate() const;  // x509 or x509-ca
  bool HasPrivateKey() const;   // private-key, x509 or x509-ca
};

// "[x509 secret]": never the value.
std::ostream& operator<<(std::ostream& out, const SecretValue& value);

class SecretValues {
 public:
  using Map = std::map<std::string, SecretValue, std::less<>>;

  SecretValues() = default;
  SecretValues(SecretValues&&) noexcept = default;
  SecretValues& operator=(SecretValues&&) noexcept = default;
  SecretValues(const SecretValues&) = delete;
  SecretValues& operator=(const SecretValues&) = delete;

  SecretValues Clone() const;

  // Adds `value` under `name`, replacing (and wiping) any previous value.
  // `name` is a secret name of a checked session (ASCII), which is what
  // keeps Serialize() total: JSON cannot hold text that is not UTF-8.
  void Set(std::string name, SecretValue value);
  // The value of `name`, or nullptr; valid until this object changes.
  const SecretValue* Find(std::string_view name) const;

  size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  // The secret names, sorted.
  std::vector<std::string> Names() const;
  Map::const_iterator begin() const { return values_.begin(); }
  Map::const_iterator end() const { return values_.end(); }

  // {"format": "coffer-secret-values", "version": 1, "secrets": {NAME:
  // {"kind", "value" (base64), "certificate", "chain", "spec"}}}.
  crypto::SecretBytes Serialize() const;
  // Failure: kDataLoss "secret values are corrupt: ..." naming what is wrong
  // (never a value): not JSON, another format or version, an unknown kind, a
  // value that is not base64, a certificate secret without its certificate.
  static StatusOr<SecretValues> Parse(const crypto::SecretBytes& serialized);

 private:
  Map values_;
};

// "SecretValues{ca, db_key, server}": the names only.
std::ostream& operator<<(std::ostream& out, const SecretValues& values);

}  // namespace coffer::cas

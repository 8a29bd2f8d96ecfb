// Issuing X.509 v3 certificates: self-signed CAs, intermediates, leaves,
// and self-signed leaves.
//
// Every certificate gets a random 126-bit positive serial, subject and
// authority key identifiers, a critical basicConstraints and a critical
// keyUsage (CA: keyCertSign, cRLSign; leaf: digitalSignature, plus
// keyEncipherment for RSA subject keys), and for leaves an
// extendedKeyUsage from CertificateSpec::Usage. The subject name is only
// CN=common_name. Signature digest by issuer key: SHA-256 for P-256 and
// RSA (PKCS#1 v1.5, what every TLS stack accepts), SHA-384 for P-384, none
// for Ed25519.
//
// Failure: kInvalidArgument for a bad spec (naming the field and value), an
// issuer that is not a CA or whose key does not match; kInternal when
// libcrypto fails.
//
// Thread safety: may be called from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace coffer::crypto {

struct CertificateSpec {
  enum class Usage {
    kServer,           // extendedKeyUsage serverAuth
    kClient,           // extendedKeyUsage clientAuth
    kServerAndClient,  // both
    kSigning,          // no extendedKeyUsage: signs data, is no TLS peer
    kCa,               // CA:TRUE, no extendedKeyUsage
  };

  // 1 to 64 bytes of UTF-8 (the X.520 limit).
  std::string common_name;
  // subjectAltName entries. DNS names: letters, digits, '-' and '.', with
  // an optional leading "*." wildcard. IP addresses: IPv4 dotted quads or
  // IPv6 text ("::1").
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  Usage usage = Usage::kServer;
  // pathLenConstraint; only for kCa, at least 0.
  std::optional<int> path_length;
  // Validity: [not_before, not_before + valid_for]; valid_for > 0. Times
  // are explicit, never "now", so that callers pass their injected clock.
  std::chrono::system_clock::time_point not_before;
  std::chrono::seconds valid_for{0};
};

// A self-signed root CA for `key`; `spec.usage` must be kCa.
StatusOr<Certificate> MakeSelfSignedCa(const PrivateKey& key,
                                       const CertificateSpec& spec);

// A self-signed leaf (CA:FALSE) for `key`, for a TLS peer that is trusted
// by pinning its own certificate; `spec.usage` must not be kCa. OpenSSL
// accepts such a certificate as its own trust anchor (`openssl verify
// -CAfile leaf.pem leaf.pem`), and RFC 5280 forbids keyCertSign without
// CA:TRUE, so its keyUsage is that of any leaf.
StatusOr<Certificate> MakeSelfSignedLeaf(const PrivateKey& key,
                                         const CertificateSpec& spec);

// A certificate for `subject_key` signed by `issuer_key`, which must be the
// key of `issuer`, a CA certificate. An issuer with pathLenConstraint 0
// cannot issue CA certificates (they would never verify).
StatusOr<Certificate> IssueCertificate(const Certificate& issuer,
                                       const PrivateKey& issuer_key,
                                       const PublicKey& subject_key,
                                       const CertificateSpec& spec);

// The digest X.509 signatures by `issuer_key` use; nullptr for Ed25519.
// Shared with CRL signing (crl.h).
const EVP_MD* CertificateSignatureDigest(KeyType issuer_key);

}  // namespace coffer::crypto

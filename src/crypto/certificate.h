// Certificate: one parsed X.509 certificate, owned and immutable.
//
// Parsers take untrusted bytes and never crash; malformed input is
// kInvalidArgument with OpenSSL's reason (and, for bundles, the 1-based
// position of the bad certificate). Parsing checks the encoding only:
// whether to trust a certificate is VerifyChain's job (chain_verify.h).
//
// Certificate is move-only; Clone() makes an independent copy, e.g. to put
// the same certificate into two chains.
//
// Thread safety: all methods are const after construction and may be called
// concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/openssl_handles.h"

namespace coffer::crypto {

class Certificate {
 public:
  // Exactly one "BEGIN CERTIFICATE" block; use ParsePemCertificates for
  // chains and bundles.
  static StatusOr<Certificate> FromPem(std::string_view pem);
  // DER; trailing bytes are an error.
  static StatusOr<Certificate> FromDer(std::span<const uint8_t> der);
  // Takes ownership of a certificate from libssl (e.g. a TLS peer's).
  static StatusOr<Certificate> FromOpenSsl(internal::X509Ptr certificate);

  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;

  Certificate Clone() const;

  std::string ToPem() const;
  Bytes ToDer() const;

  // Distinguished names in RFC 2253 form, most specific first:
  // "CN=Intel SGX PCK Certificate,O=Intel Corporation,...,C=US".
  std::string subject() const;
  std::string issuer() const;
  // The subject's first commonName, or "" if it has none.
  std::string common_name() const;

  // The serial number's magnitude, big-endian, and as lower-case hex.
  Bytes serial() const;
  std::string serial_hex() const;

  std::chrono::system_clock::time_point not_before() const;
  std::chrono::system_clock::time_point not_after() const;

  // The subject key; kInvalidArgument if it is not a supported KeyType
  // (use PublicKeyDer() to identify any key).
  StatusOr<PublicKey> public_key() const;
  // SubjectPublicKeyInfo DER, for any key type.
  Bytes PublicKeyDer() const;
  // SHA-256 of the DER certificate: what `openssl x509 -fingerprint
  // -sha256` prints.
  Sha256Digest Sha256Fingerprint() const;

  // subjectAltName entries: DNS names as written, IP addresses in their
  // canonical text form ("10.0.0.1", "2001:db8::1").
  std::vector<std::string> dns_names() const;
  std::vector<std::string> ip_addresses() const;

  // basicConstraints CA:TRUE.
  bool IsCa() const;
  // basicConstraints pathLenConstraint, if present.
  std::optional<int> path_length() const;

  // Borrowed; valid while this object lives. For src/net and this folder.
  X509* native() const { return certificate_.get(); }

 private:
  Certificate(internal::X509Ptr certificate,
              std::chrono::system_clock::time_point not_before,
              std::chrono::system_clock::time_point not_after)
      : certificate_(std::move(certificate)),
        not_before_(not_before),
        not_after_(not_after) {}

  internal::X509Ptr certificate_;
  std::chrono::system_clock::time_point not_before_;
  std::chrono::system_clock::time_point not_after_;
};

// All certificates of a PEM bundle, in order. Text outside the PEM blocks
// is ignored, as OpenSSL does. Any block that is not a CERTIFICATE (a
// private key pasted by mistake) is an error naming its type only.
// Failure: kInvalidArgument "certificate 2 of the bundle: ..." or "no PEM
// certificate found".
StatusOr<std::vector<Certificate>> ParsePemCertificates(std::string_view pem);

// The PEM blocks of `certificates`, concatenated (a chain file).
std::string CertificatesToPem(std::span<const Certificate> certificates);

}  // namespace coffer::crypto

// Certificate revocation lists: parsing (for the DCAP collateral's PCK and
// root CA CRLs) and issuing (for Coffer's own CAs).
//
// Parsers take untrusted bytes and never crash; malformed input is
// kInvalidArgument. A parsed CRL is not trusted by itself: VerifyChain
// checks its signature and times when it uses it.
//
// Thread safety: Crl is immutable; const methods may run concurrently.
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
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/openssl_handles.h"

namespace coffer::crypto {

class Crl {
 public:
  // DER; trailing bytes are an error.
  static StatusOr<Crl> FromDer(std::span<const uint8_t> der);
  // Exactly one "BEGIN X509 CRL" block.
  static StatusOr<Crl> FromPem(std::string_view pem);

  Crl(Crl&&) noexcept = default;
  Crl& operator=(Crl&&) noexcept = default;

  Crl Clone() const;

  Bytes ToDer() const;
  std::string ToPem() const;

  // RFC 2253 form, like Certificate::subject().
  std::string issuer() const;
  std::chrono::system_clock::time_point this_update() const {
    return this_update_;
  }
  // Absent in CRLs that do not promise a next one.
  std::optional<std::chrono::system_clock::time_point> next_update() const {
    return next_update_;
  }
  // Serial magnitudes (big-endian) of the revoked certificates.
  std::vector<Bytes> revoked_serials() const;

  // Borrowed; valid while this object lives.
  X509_CRL* native() const { return crl_.get(); }

 private:
  Crl(internal::X509CrlPtr crl,
      std::chrono::system_clock::time_point this_update,
      std::optional<std::chrono::system_clock::time_point> next_update)
      : crl_(std::move(crl)),
        this_update_(this_update),
        next_update_(next_update) {}

  static StatusOr<Crl> FromOpenSsl(internal::X509CrlPtr crl);

  internal::X509CrlPtr crl_;
  std::chrono::system_clock::time_point this_update_;
  std::optional<std::chrono::system_clock::time_point> next_update_;
};

struct CrlSpec {
  // Serials (as from Certificate::serial()) to list as revoked at
  // this_update.
  std::vector<Bytes> revoked_serials;
  std::chrono::system_clock::time_point this_update;
  // nextUpdate = this_update + valid_for; must be positive.
  std::chrono::seconds valid_for{0};
  // The cRLNumber extension; increase it with every new CRL.
  uint64_t number = 1;
};

// A v2 CRL signed by `issuer_key`, the key of CA certificate `issuer`, with
// cRLNumber and authorityKeyIdentifier. Same digest choice as certificates.
// Failure: kInvalidArgument for a non-CA issuer, a mismatched key or a bad
// spec; kInternal when libcrypto fails.
StatusOr<Crl> IssueCrl(const Certificate& issuer, const PrivateKey& issuer_key,
                       const CrlSpec& spec);

}  // namespace coffer::crypto

// Certificate chain verification against explicit trust anchors and an
// explicit time.
//
// Nothing comes from the system: no default trust store, no system clock.
// The caller passes the roots it pins (the Intel SGX Root CA, a session's
// CA) and "now" from its injected clock, so verifying collateral that
// expired in the past is a test with a fixed date, not a flaky one.
//
// Thread safety: may be called from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <span>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/crl.h"

namespace coffer::crypto {

enum class CertificatePurpose {
  kServerAuth,  // TLS server (extendedKeyUsage serverAuth if present)
  kClientAuth,  // TLS client (extendedKeyUsage clientAuth if present)
};

// OK if `leaf` chains through some of `intermediates` to one of
// `trusted_roots` (self-signed trust anchors), every certificate is valid
// at `now`, the CA constraints (basicConstraints, keyUsage, path length)
// hold, and `leaf` fits `purpose` if one is given.
//
// When `crls` is not empty, revocation is checked for every certificate
// of the chain (X509_V_FLAG_CRL_CHECK_ALL): each CA must then have a CRL,
// valid at `now`, among `crls`, or verification fails with "unable to get
// certificate CRL". This is what DCAP needs (root CA CRL and PCK CRL).
//
// Failure: kInvalidArgument when `trusted_roots` is empty; kUnauthenticated
// naming OpenSSL's reason, the depth (0 = leaf) and the subject of the
// certificate where verification stopped, e.g.
//   certificate chain of "CN=server" does not verify: at depth 0
//   ("CN=server"): certificate has expired
Status VerifyChain(const Certificate& leaf,
                   std::span<const Certificate> intermediates,
                   std::span<const Certificate> trusted_roots,
                   std::chrono::system_clock::time_point now,
                   std::optional<CertificatePurpose> purpose = std::nullopt,
                   std::span<const Crl> crls = {});

}  // namespace coffer::crypto

// Simulation quotes: Intel's SGX ECDSA quote v3 layout, signed by the LAS.
//
// The layout is the one of docs/architecture.md, "Simulation quotes"
// (shared with src/attest, which parses hardware and simulation quotes with
// one parser):
// a 48-byte header whose qe_vendor_id is "COFFER-SIMULATE!", the 384-byte
// ISV report body (mr_enclave = the program's measurement, mr_signer = the
// runtime identity, report_data = the caller's), then the signature data:
// the attestation key's signature over header||body, the attestation
// public key, a QE report body (mr_enclave = the LAS's own identity,
// report_data = SHA-256(attestation key || QE auth data)) signed by the
// platform key, the QE auth data, and certification data of type 5 holding
// the platform certificate's PEM. All integers are little-endian.
//
// Thread safety: BuildSimQuote may be called from any thread; the keys are
// only read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace coffer::las {

inline constexpr size_t kQuoteHeaderSize = 48;
inline constexpr size_t kReportBodySize = 384;
inline constexpr size_t kReportDataSize = 64;
inline constexpr size_t kQeAuthDataSize = 32;
inline constexpr std::string_view kSimulationVendorId = "COFFER-SIMULATE!";

// What the quote says about the quoted program.
struct QuotedEnclave {
  crypto::Sha256Digest mr_enclave{};     // its measurement
  crypto::Sha256Digest mr_signer{};      // the runtime identity
  std::span<const uint8_t> report_data;  // 1 to 64 bytes
};

// The quoting side: keys and identity of this LAS. Borrowed references;
// they must outlive the call.
struct QuotingIdentity {
  const crypto::PrivateKey& attestation_key;  // P-256, made at LAS start
  const crypto::PrivateKey& platform_key;     // P-256, persistent
  std::string_view platform_certificate_pem;
  crypto::Sha256Digest las_identity{};  // the QE report's mr_enclave
};

// Builds one quote. `qe_auth_data` must be kQeAuthDataSize bytes (the LAS
// passes fresh random bytes).
// Failure: kInvalidArgument for report data outside 1..64 bytes, auth
// data of another size or keys that are not P-256; kInternal when signing
// fails.
StatusOr<Bytes> BuildSimQuote(const QuotedEnclave& enclave,
                              const QuotingIdentity& identity,
                              std::span<const uint8_t> qe_auth_data);

}  // namespace coffer::las

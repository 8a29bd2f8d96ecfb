// Checking a CAS's evidence: is the server at the other end of this TLS
// connection a genuine CAS that the user accepts?
//
// GET /v1/evidence answers
//   {"certificate": PEM, "quote": hex, "platform_id": hex64,
//    "measurement": hex64, "type": "simulation"|"sgx"|"tdx"}
// and CheckEvidence trusts it only when all of these hold, in this order:
//  1. the certificate is exactly the one the server presented in the TLS
//     handshake the evidence came over (so the quote is about this peer);
//  2. the quote verifies (attest::VerifyQuote without collateral, at
//     `now`, up to `trusted_root`);
//  3. its report data is SHA-256 of that certificate's SubjectPublicKeyInfo
//     DER followed by 32 zero bytes (so the quoted enclave holds the TLS
//     key and the quote is no replay);
//  4. the evidence's own fields say what the verified quote says;
//  5. a simulation quote only with accept_simulation, and no debug enclave;
//  6. the measurement (MRENCLAVE) is one of `mrenclaves`;
//  7. with `platforms`, the platform ID is one of them (simulation quotes
//     only: a hardware quote carries no Coffer platform ID).
//
// Failure, with the check that failed:
//   kInvalidArgument    malformed evidence ("CAS evidence: \"quote\" is not
//                       hex: ..."), or options that are not hex
//   kUnauthenticated    checks 1 to 4 ("the CAS presented another TLS
//                       certificate than the one its evidence names"), and
//                       VerifyQuote's own failures, prefixed "the CAS's
//                       quote: "
//   kPermissionDenied   checks 5 to 7 ("the CAS runs in simulation mode;
//                       pass --accept-simulation to trust it anyway")
//   las::MeasureSelf's errors when `mrenclaves` is empty and this
//   executable cannot be measured.
//
// Thread safety: pure functions (MeasureSelf reads /proc/self/exe).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attest/verified_quote.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/certificate.h"

namespace coffer::cas {

// What GET /v1/evidence says, parsed but not yet believed.
struct CasEvidence {
  std::string certificate_pem;
  Bytes quote;
  std::string platform_id;  // lower-case hex as received
  std::string measurement;  // lower-case hex as received
  std::string type;         // "simulation", "sgx" or "tdx"
};

// Parses the evidence body. Failure: kInvalidArgument naming the field.
StatusOr<CasEvidence> ParseEvidence(std::string_view json);

struct EvidenceOptions {
  // Accepted measurements, hex (any case; 64 digits, or 96 for TDX). Empty:
  // this coffer executable's own, las::MeasureSelf() (`coffer measure
  // --self`): the CAS is the coffer binary, so a user trusts a CAS built
  // from the same coffer as the CLI by default.
  std::vector<std::string> mrenclaves;
  // Accepted platform IDs, hex; empty: any.
  std::vector<std::string> platforms;
  bool accept_simulation = false;
  // When the quote's certificates must be valid: the clock's now.
  std::chrono::system_clock::time_point now;
  // Borrowed; null means the Intel SGX Root CA built into coffer
  // (attest::IntelSgxRootCa()). Tests pass another root.
  const crypto::Certificate* trusted_root = nullptr;
};

// The CAS as trusted, for the caller to pin and report.
struct TrustedCas {
  crypto::Certificate certificate;
  attest::VerifiedQuote quote;
  // Lower-case hex SHA-256 of the certificate's SubjectPublicKeyInfo.
  std::string identity;
};

// `presented_certificate_der` is the leaf the server presented in TLS
// (net::HttpClient::server_certificate_der()).
StatusOr<TrustedCas> CheckEvidence(
    const CasEvidence& evidence,
    std::span<const uint8_t> presented_certificate_der,
    const EvidenceOptions& options);

}  // namespace coffer::cas

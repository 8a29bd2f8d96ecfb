// The SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1).
//
// Intel's PCK certificate names the platform it was issued to: its FMSPC
// (platform model), PCE ID, and the TCB it was issued for (16 CPU SVN
// components and the PCE SVN). A verifier matches these against the TCB
// info's levels; they come from the certificate, not from the quote,
// because only the certificate is signed by Intel.
//
// The extension is a SEQUENCE of (OID, value) pairs, listed in Intel's
// "SGX PCK Certificate and CRL Profile". Required: TCB (.2), PCE-ID (.3),
// FMSPC (.4). Read when present: PPID (.1), SGX type (.5) and, in
// certificates from the Platform CA, Configuration (.7). Other entries are
// skipped, so that a new entry does not break verification.
//
// Failure: kInvalidArgument "PCK certificate SGX extension: ..." for a
// missing or repeated extension, malformed DER (with the offset), or a
// missing or repeated entry.
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "attest/tcb_info.h"
#include "common/status.h"
#include "crypto/certificate.h"

namespace coffer::attest {

struct PckExtension {
  std::array<uint8_t, 16> ppid{};
  SvnArray cpu_svn_components{};  // SGX TCB components 01..16
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
  std::optional<uint32_t> sgx_type;  // 0 Standard, 1 Scalable, ...
  // Configuration (Platform CA certificates only). smt_enabled says
  // whether hyperthreading is on.
  std::optional<bool> dynamic_platform;
  std::optional<bool> cached_keys;
  std::optional<bool> smt_enabled;
};

// Finds and parses the SGX extension of `pck`.
StatusOr<PckExtension> ParsePckExtension(const crypto::Certificate& pck);

// Parses the extension's value (the DER SEQUENCE inside its OCTET STRING);
// exposed for tests and fuzzing.
StatusOr<PckExtension> ParseSgxExtensionValue(std::span<const uint8_t> der);

}  // namespace coffer::attest

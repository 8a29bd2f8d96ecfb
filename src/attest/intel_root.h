// The production Intel SGX Root CA, pinned into the binary.
//
// Every hardware quote must chain to this certificate, and so must the
// collateral's signers. It is embedded rather than read from a file so that
// a verifier cannot be pointed at another root by its environment; tests
// and `coffer quote verify --root` pass another root explicitly.
//
// Subject "CN=Intel SGX Root CA,O=Intel Corporation,L=Santa Clara,ST=CA,
// C=US", valid 2018-05-21 to 2049-12-31, SHA-256 fingerprint
// 44:A0:19:6B:2B:99:F8:89:B8:E1:49:E9:5B:80:7A:35:0E:74:24:96:43:99:E8:85:
// A7:CB:B8:CC:FA:B6:74:D3: the same bytes as testdata/dcap/TrustedRootCA.der,
// which a test compares.
//
// Thread safety: may be called from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"
#include "crypto/certificate.h"

namespace coffer::attest {

inline constexpr std::string_view kIntelSgxRootCaSha256 =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

// The embedded DER.
std::span<const uint8_t> IntelSgxRootCaDer();

// The embedded certificate, parsed, after checking its fingerprint against
// kIntelSgxRootCaSha256. kInternal if that fails (a corrupted binary).
StatusOr<crypto::Certificate> IntelSgxRootCa();

}  // namespace coffer::attest

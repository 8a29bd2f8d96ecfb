// Test support for src/attest: the real DCAP test vectors, fixed dates,
// and a simulation quote builder that follows the contract
// (docs/architecture.md, "Simulation quotes") independently of src/las's,
// so that a misreading of the contract on either side shows up.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "attest/collateral.h"
#include "attest/quote.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/certificate_issuer.h"
#include "crypto/keys.h"
#include "crypto/test_pki.h"

namespace coffer {
// Lets gtest print a Status that failed an EXPECT_EQ.
inline void PrintTo(const Status& status, std::ostream* out) {
  *out << status.ToString();
}
}  // namespace coffer

namespace coffer::attest::testing {

using TimePoint = std::chrono::system_clock::time_point;

using crypto::testing::ValueOrDie;

// A file of testdata/dcap/ ("sgx_quote", "more/automata_quote").
Bytes ReadTestData(const std::string& name);
std::string ReadTestText(const std::string& name);
Collateral LoadCollateral(const std::string& name);
// testdata/dcap/TrustedRootCA.der.
crypto::Certificate IntelRoot();

TimePoint Date(int year, unsigned month, unsigned day, int hour = 0,
               int minute = 0);
// Inside the validity of sgx_quote's and tdx_quote's collateral.
TimePoint CollateralNow();

// A certificate spec named `common_name`, valid from 2025-01-01 for
// `valid_for`.
crypto::CertificateSpec SpecFrom2025(std::string common_name,
                                     crypto::CertificateSpec::Usage usage,
                                     std::chrono::days valid_for);

// The simulated platform: a P-256 key and its self-signed certificate.
struct SimulationPlatform {
  const crypto::PrivateKey* key;
  crypto::Certificate certificate;
  std::string platform_id;  // hex SHA-256 of the key's SPKI DER
};
// Keys are generated once per binary; `which` picks one of several.
SimulationPlatform MakeSimulationPlatform(int which = 0);

struct SimulationQuoteSpec {
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  Bytes report_data;  // 1 to 64 bytes
  QeVendorId vendor_id = kSimulationQeVendorId;
  uint64_t flags = 0x05;  // INIT | MODE64BIT
};

// A quote in the contract's layout, signed by a fresh attestation key and
// `platform`.
Bytes BuildSimulationQuote(const SimulationPlatform& platform,
                           const SimulationQuoteSpec& spec);

// `quote` (version 3) with its certification data replaced by `type` and
// `data`, the signature data length adjusted. Nothing is re-signed: the
// certification data is outside every signature.
Bytes ReplaceCertificationData(const Bytes& quote, uint16_t type,
                               std::string_view data);

}  // namespace coffer::attest::testing

// Test support for src/crypto: fixed times, cached keys, a small PKI.
//
// Keys are generated once per test binary and per type, because RSA key
// generation under AddressSanitizer takes seconds. Everything else is
// built fresh for each test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/certificate_issuer.h"
#include "crypto/keys.h"

namespace coffer::crypto::testing {

using TimePoint = std::chrono::system_clock::time_point;

// The injected "now" of the tests: 2025-06-01T00:00:00Z.
TimePoint TestNow();
// A day, for readable time arithmetic.
inline constexpr std::chrono::seconds kDay{24 * 60 * 60};

// Unwraps a StatusOr in a test, failing loudly (with the status) if it is
// an error. Aborting is right here: the test cannot continue.
template <typename T>
T ValueOrDie(StatusOr<T> result) {
  if (!result.ok()) {
    ADD_FAILURE() << "unexpected error: " << result.status().ToString();
    std::abort();
  }
  return std::move(result).value();
}

inline constexpr KeyType kAllKeyTypes[] = {KeyType::kP256, KeyType::kP384,
                                           KeyType::kEd25519, KeyType::kRsa2048,
                                           KeyType::kRsa3072};
// Names parameterised tests "P256", "RSA3072", ...
std::string KeyTypeTestName(const ::testing::TestParamInfo<KeyType>& param);

// A key of `type` shared by all tests of the binary (read-only use).
const PrivateKey& CachedKey(KeyType type);
// A second, different key of `type`.
const PrivateKey& OtherCachedKey(KeyType type);

// Specs valid at TestNow(): CAs from 2025-01-01 for ten years, leaves from
// 2025-05-01 for 90 days.
CertificateSpec CaSpec(std::string common_name);
CertificateSpec LeafSpec(std::string common_name);

// root -> intermediate -> leaf ("Test Root CA", "Test Intermediate CA",
// "server.test" with DNS server.test and IP 127.0.0.1).
struct TestPki {
  const PrivateKey* root_key;
  Certificate root;
  const PrivateKey* intermediate_key;
  Certificate intermediate;
  const PrivateKey* leaf_key;
  Certificate leaf;
};
TestPki MakeTestPki(KeyType type = KeyType::kP256);

}  // namespace coffer::crypto::testing

// Shamir's secret sharing over GF(2^8) (the AES field, x^8 + x^4 + x^3 +
// x + 1): a secret split into `count` shares, of which any `threshold`
// give it back and fewer give nothing about it (each byte is the constant
// term of its own random polynomial of degree threshold - 1).
//
// Used for the CAS's recovery keys (src/cas/recovery.h). Arithmetic runs
// without secret-dependent branches or table lookups.
//
// Thread safety: stateless.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::crypto {

struct SecretShare {
  uint8_t x = 0;  // 1..255: the share's point
  SecretBytes y;  // as long as the secret
};

// Failure: kInvalidArgument unless 1 <= threshold <= count <= 255 and the
// secret is not empty; kInternal if the random generator fails.
StatusOr<std::vector<SecretShare>> SplitSecret(std::span<const uint8_t> secret,
                                               int threshold, int count);

// The secret the shares' polynomial has at 0. With fewer shares than the
// threshold (or a wrong one) that is some other value: the caller must
// check it (the CAS tries to open its state with it).
// Failure: kInvalidArgument for no shares, a point 0, a point given twice
// or shares of different lengths.
StatusOr<SecretBytes> CombineShares(std::span<const SecretShare> shares);

}  // namespace coffer::crypto

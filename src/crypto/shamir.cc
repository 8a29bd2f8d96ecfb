#include "crypto/shamir.h"

#include "crypto/random.h"

namespace coffer::crypto {
namespace {

// Multiplication in GF(2^8) mod x^8 + x^4 + x^3 + x + 1, bit by bit with
// masks instead of branches.
uint8_t Multiply(uint8_t a, uint8_t b) {
  uint8_t product = 0;
  for (int bit = 0; bit < 8; ++bit) {
    product ^= static_cast<uint8_t>(-(b & 1) & a);
    const uint8_t carry = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (carry & 0x1b));
    b >>= 1;
  }
  return product;
}

// a^254 = a^-1 for a != 0 (the group of units has order 255).
uint8_t Inverse(uint8_t a) {
  uint8_t result = 1;
  uint8_t power = a;
  for (int exponent = 254; exponent > 0; exponent >>= 1) {
    if (exponent & 1) result = Multiply(result, power);
    power = Multiply(power, power);
  }
  return result;
}

}  // namespace

StatusOr<std::vector<SecretShare>> SplitSecret(std::span<const uint8_t> secret,
                                               int threshold, int count) {
  if (secret.empty() || threshold < 1 || threshold > count || count > 255) {
    return InvalidArgumentError(
        "secret sharing needs a secret and 1 <= threshold <= count <= 255");
  }
  std::vector<SecretShare> shares(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    shares[i].x = static_cast<uint8_t>(i + 1);
    shares[i].y = SecretBytes(secret.size());
  }
  // One polynomial per byte: coefficient 0 is the byte, the others random.
  COFFER_ASSIGN_OR_RETURN(
      SecretBytes coefficients,
      RandomSecret(secret.size() * static_cast<size_t>(threshold - 1) + 1));
  for (size_t byte = 0; byte < secret.size(); ++byte) {
    const uint8_t* random =
        coefficients.span().data() + byte * static_cast<size_t>(threshold - 1);
    for (SecretShare& share : shares) {
      // Horner's rule from the highest coefficient down to the secret.
      uint8_t value = 0;
      for (int degree = threshold - 1; degree >= 1; --degree) {
        value = Multiply(value, share.x) ^ random[degree - 1];
      }
      value = Multiply(value, share.x) ^ secret[byte];
      share.y.mutable_span()[byte] = value;
    }
  }
  return shares;
}

StatusOr<SecretBytes> CombineShares(std::span<const SecretShare> shares) {
  if (shares.empty()) return InvalidArgumentError("no shares to combine");
  const size_t size = shares[0].y.size();
  for (size_t i = 0; i < shares.size(); ++i) {
    if (shares[i].x == 0 || shares[i].y.size() != size) {
      return InvalidArgumentError(
          "a share has the point 0 or another length than the others");
    }
    for (size_t j = 0; j < i; ++j) {
      if (shares[j].x == shares[i].x) {
        return InvalidArgumentError("two shares have the same point " +
                                    std::to_string(shares[i].x));
      }
    }
  }
  SecretBytes secret(size);
  for (size_t i = 0; i < shares.size(); ++i) {
    // Lagrange basis at 0: prod_j x_j / (x_j - x_i); minus is plus here.
    uint8_t numerator = 1;
    uint8_t denominator = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (j == i) continue;
      numerator = Multiply(numerator, shares[j].x);
      denominator = Multiply(denominator, shares[j].x ^ shares[i].x);
    }
    const uint8_t basis = Multiply(numerator, Inverse(denominator));
    for (size_t byte = 0; byte < size; ++byte) {
      secret.mutable_span()[byte] ^= Multiply(shares[i].y.span()[byte], basis);
    }
  }
  return secret;
}

}  // namespace coffer::crypto

#include "crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <string>

#include "crypto/openssl_errors.h"

namespace coffer::crypto {
namespace {

Status CheckSize(size_t size, std::string_view what) {
  if (size > kMaxRandomSize) {
    return OutOfRangeError("cannot generate " + std::string(what) + " of " +
                           std::to_string(size) + " bytes: at most " +
                           std::to_string(kMaxRandomSize) + " are allowed");
  }
  return OkStatus();
}

// Fills `out` completely or fails; kMaxRandomSize keeps sizes below INT_MAX.
Status Fill(std::span<uint8_t> out) {
  static_assert(kMaxRandomSize <= static_cast<size_t>(INT_MAX));
  if (out.empty()) return OkStatus();
  internal::ClearOpenSslErrors();
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return InternalError("the random generator failed: " +
                         internal::TakeOpenSslError());
  }
  return OkStatus();
}

}  // namespace

StatusOr<SecretBytes> RandomSecret(size_t size) {
  COFFER_RETURN_IF_ERROR(CheckSize(size, "a random secret"));
  SecretBytes secret(size);
  COFFER_RETURN_IF_ERROR(Fill(secret.mutable_span()));
  return secret;
}

StatusOr<Bytes> RandomBytes(size_t size) {
  COFFER_RETURN_IF_ERROR(CheckSize(size, "random bytes"));
  Bytes bytes(size);
  COFFER_RETURN_IF_ERROR(Fill(bytes));
  return bytes;
}

StatusOr<SecretBytes> RandomAsciiSecret(size_t size) {
  COFFER_RETURN_IF_ERROR(CheckSize(size, "an ASCII secret"));
  constexpr size_t kAlphabetSize = kAsciiSecretAlphabet.size();
  // Bytes at or above this bound would make the first 256 % 66 symbols
  // more likely than the others, so they are drawn again.
  constexpr unsigned kUnbiasedBound = 256 - 256 % kAlphabetSize;

  SecretBytes result(size);
  std::span<uint8_t> out = result.mutable_span();
  size_t filled = 0;
  // Random bytes are drawn in batches; each batch is itself a secret (it
  // determines the password), so it lives in a SecretBytes too.
  while (filled < size) {
    SecretBytes batch(std::max<size_t>(64, (size - filled) * 2));
    COFFER_RETURN_IF_ERROR(Fill(batch.mutable_span()));
    for (uint8_t byte : batch.span()) {
      if (filled == size) break;
      if (byte >= kUnbiasedBound) continue;
      out[filled++] =
          static_cast<uint8_t>(kAsciiSecretAlphabet[byte % kAlphabetSize]);
    }
  }
  return result;
}

}  // namespace coffer::crypto

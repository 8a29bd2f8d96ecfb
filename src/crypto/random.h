// Random bytes and random ASCII secrets from OpenSSL's CSPRNG (RAND_bytes).
//
// Success: exactly the requested number of bytes or characters.
// Failure: kOutOfRange when more than kMaxRandomSize is requested (sizes
// come from policies, so a typo must not allocate gigabytes); kInternal when
// the generator cannot produce output (it was not seeded). Nothing is ever
// returned partially filled.
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::crypto {

inline constexpr size_t kMaxRandomSize = size_t{1} << 20;  // 1 MiB

// The characters of RandomAsciiSecret: letters, digits and "-_.~" (the URL
// "unreserved" set). None of them needs quoting in a shell, an environment
// file, YAML, JSON, SQL string literals or a URL, so a generated password
// can be substituted anywhere a policy puts it. 66 symbols give 6.04 bits a
// character: 24 characters carry 145 bits.
inline constexpr std::string_view kAsciiSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";

// `size` random bytes for key material.
StatusOr<SecretBytes> RandomSecret(size_t size);

// `size` random bytes that are not secret (serial numbers, nonces, ids).
StatusOr<Bytes> RandomBytes(size_t size);

// `size` characters drawn uniformly from kAsciiSecretAlphabet, for `ascii`
// secrets (passwords). Uniform because it rejects random bytes that would
// bias the choice instead of reducing them modulo 66.
StatusOr<SecretBytes> RandomAsciiSecret(size_t size);

}  // namespace coffer::crypto

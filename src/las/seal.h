// Seal keys: per-program keys derived from the platform's sealing secret.
//
// key = HKDF-SHA256(ikm = sealing secret, salt = empty,
//                   info = "coffer-seal-key-v1" 0x00 || measurement, 32)
// The same measurement on the same platform always gets the same key, so a
// program can reopen what it sealed after a restart; another measurement
// (another build, another runtime) or another platform (data directory)
// gets an unrelated key. Like SGX's MRENCLAVE sealing policy, an update of
// the program therefore cannot open its predecessor's sealed data: data
// must be migrated by a party that holds both (the CAS exports it).
//
// Keys are returned as SecretBytes and never logged.
// Thread safety: may be called from any thread.
#pragma once

#include <string_view>

#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace coffer::las {

inline constexpr std::string_view kSealKeyDomain = "coffer-seal-key-v1";
inline constexpr size_t kSealKeySize = 32;

// Failure: kInvalidArgument for an empty sealing secret; kInternal when
// libcrypto's HKDF fails.
StatusOr<crypto::SecretBytes> DeriveSealKey(
    const crypto::SecretBytes& sealing_secret,
    const crypto::Sha256Digest& measurement);

}  // namespace coffer::las

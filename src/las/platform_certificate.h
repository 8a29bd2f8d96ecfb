// The simulated platform's certificate (see the quote contract).
//
// In a simulation quote the certification data is this one certificate in
// place of Intel's PCK chain: self-signed by the platform key (P-256), CN
// "Coffer simulated platform", valid for 100 years from its creation,
// basicConstraints CA:FALSE and keyUsage digitalSignature, both critical,
// no extendedKeyUsage (crypto's self-signed leaf for signing).
//
// Thread safety: may be called from any thread.
#pragma once

#include <chrono>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace coffer::las {

inline constexpr char kPlatformCommonName[] = "Coffer simulated platform";
inline constexpr std::chrono::days kPlatformCertificateValidity{36525};

// Failure: kInvalidArgument for a key that is not P-256; kInternal when
// libcrypto fails.
StatusOr<crypto::Certificate> MakePlatformCertificate(
    const crypto::PrivateKey& platform_key,
    std::chrono::system_clock::time_point now);

}  // namespace coffer::las

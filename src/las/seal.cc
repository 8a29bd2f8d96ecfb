#include "las/seal.h"

#include "common/encoding.h"

namespace coffer::las {

StatusOr<crypto::SecretBytes> DeriveSealKey(
    const crypto::SecretBytes& sealing_secret,
    const crypto::Sha256Digest& measurement) {
  Bytes info(kSealKeyDomain.begin(), kSealKeyDomain.end());
  info.push_back(0);
  info.insert(info.end(), measurement.begin(), measurement.end());
  return crypto::HkdfSha256({}, sealing_secret, info, kSealKeySize);
}

}  // namespace coffer::las

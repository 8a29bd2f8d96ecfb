#include "las/platform_certificate.h"

#include <string>

#include "crypto/certificate_issuer.h"

namespace coffer::las {

StatusOr<crypto::Certificate> MakePlatformCertificate(
    const crypto::PrivateKey& platform_key,
    std::chrono::system_clock::time_point now) {
  if (platform_key.type() != crypto::KeyType::kP256) {
    return InvalidArgumentError(
        "the platform key must be P-256, it is " +
        std::string(crypto::KeyTypeName(platform_key.type())));
  }
  crypto::CertificateSpec spec;
  spec.common_name = kPlatformCommonName;
  spec.usage = crypto::CertificateSpec::Usage::kSigning;
  spec.not_before = now;
  spec.valid_for = kPlatformCertificateValidity;
  StatusOr<crypto::Certificate> certificate =
      crypto::MakeSelfSignedLeaf(platform_key, spec);
  if (!certificate.ok()) {
    return InternalError("making the platform certificate failed: " +
                         certificate.status().message());
  }
  return certificate;
}

}  // namespace coffer::las

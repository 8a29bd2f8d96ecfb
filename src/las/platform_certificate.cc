#include "las/platform_certificate.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <string>

#include "crypto/openssl_handles.h"
#include "crypto/random.h"

namespace coffer::las {
namespace {

namespace internal = crypto::internal;

constexpr size_t kSerialSize = 16;

std::string OpenSslReason() {
  std::array<char, 256> text{};
  ERR_error_string_n(ERR_get_error(), text.data(), text.size());
  ERR_clear_error();
  return text.data();
}

bool AddExtension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  internal::X509ExtensionPtr extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  return extension != nullptr &&
         X509_add_ext(certificate, extension.get(), -1) == 1;
}

}  // namespace

StatusOr<crypto::Certificate> MakePlatformCertificate(
    const crypto::PrivateKey& platform_key,
    std::chrono::system_clock::time_point now) {
  if (platform_key.type() != crypto::KeyType::kP256) {
    return InvalidArgumentError(
        "the platform key must be P-256, it is " +
        std::string(crypto::KeyTypeName(platform_key.type())));
  }
  COFFER_ASSIGN_OR_RETURN(Bytes serial_bytes, crypto::RandomBytes(kSerialSize));
  // Positive and exactly 16 bytes long, as crypto's certificates are.
  serial_bytes[0] = static_cast<uint8_t>((serial_bytes[0] & 0x3f) | 0x40);

  const time_t start = std::chrono::system_clock::to_time_t(now);
  const time_t end =
      std::chrono::system_clock::to_time_t(now + kPlatformCertificateValidity);
  ERR_clear_error();
  internal::X509Ptr certificate(X509_new());
  internal::BigNumPtr serial_number(
      BN_bin2bn(serial_bytes.data(), kSerialSize, nullptr));
  internal::AsnIntegerPtr serial(
      serial_number ? BN_to_ASN1_INTEGER(serial_number.get(), nullptr)
                    : nullptr);
  internal::AsnTimePtr not_before(ASN1_TIME_set(nullptr, start));
  internal::AsnTimePtr not_after(ASN1_TIME_set(nullptr, end));
  const auto* name =
      reinterpret_cast<const unsigned char*>(kPlatformCommonName);
  const bool ok =
      certificate != nullptr && serial != nullptr && not_before != nullptr &&
      not_after != nullptr &&
      X509_set_version(certificate.get(), X509_VERSION_3) == 1 &&
      X509_set_serialNumber(certificate.get(), serial.get()) == 1 &&
      X509_set1_notBefore(certificate.get(), not_before.get()) == 1 &&
      X509_set1_notAfter(certificate.get(), not_after.get()) == 1 &&
      X509_set_pubkey(certificate.get(), platform_key.native()) == 1 &&
      X509_NAME_add_entry_by_NID(X509_get_subject_name(certificate.get()),
                                 NID_commonName, MBSTRING_UTF8, name, -1, -1,
                                 0) == 1 &&
      X509_set_issuer_name(certificate.get(),
                           X509_get_subject_name(certificate.get())) == 1 &&
      AddExtension(certificate.get(), NID_basic_constraints,
                   "critical,CA:FALSE") &&
      AddExtension(certificate.get(), NID_key_usage,
                   "critical,digitalSignature") &&
      AddExtension(certificate.get(), NID_subject_key_identifier, "hash") &&
      X509_sign(certificate.get(), platform_key.native(), EVP_sha256()) > 0;
  if (!ok) {
    return InternalError("making the platform certificate failed: " +
                         OpenSslReason());
  }
  return crypto::Certificate::FromOpenSsl(std::move(certificate));
}

}  // namespace coffer::las

#include "crypto/certificate_issuer.h"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <utility>

#include "crypto/asn1_time.h"
#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"
#include "crypto/random.h"

namespace coffer::crypto {
namespace {

using internal::TakeOpenSslError;
using Usage = CertificateSpec::Usage;

constexpr size_t kSerialSize = 16;
constexpr size_t kMaxCommonNameSize = 64;
constexpr size_t kMaxDnsNameSize = 253;

bool IsRsa(KeyType type) {
  return type == KeyType::kRsa2048 || type == KeyType::kRsa3072;
}

bool IsValidDnsName(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > kMaxDnsNameSize) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return name.front() != '.' && name.back() != '.' &&
         name.find("..") == std::string_view::npos;
}

Status CheckSpec(const CertificateSpec& spec) {
  if (spec.common_name.empty() ||
      spec.common_name.size() > kMaxCommonNameSize) {
    return InvalidArgumentError(
        "certificate common name \"" + spec.common_name + "\" must be 1 to " +
        std::to_string(kMaxCommonNameSize) + " bytes, it is " +
        std::to_string(spec.common_name.size()));
  }
  const std::string context = "certificate \"" + spec.common_name + "\": ";
  for (const std::string& name : spec.dns_names) {
    if (!IsValidDnsName(name)) {
      std::string message = context;
      message += "invalid DNS name \"";
      message += name;
      message += "\"";
      return InvalidArgumentError(std::move(message));
    }
  }
  if (spec.path_length.has_value() && spec.usage != Usage::kCa) {
    return InvalidArgumentError(context +
                                "a path length is only allowed for a CA");
  }
  if (spec.path_length.value_or(0) < 0) {
    return InvalidArgumentError(context + "path length " +
                                std::to_string(*spec.path_length) +
                                " is negative");
  }
  if (spec.valid_for <= std::chrono::seconds(0)) {
    return InvalidArgumentError(context + "validity period of " +
                                std::to_string(spec.valid_for.count()) +
                                " seconds is not positive");
  }
  return OkStatus();
}

// SAN built from structures rather than an OpenSSL config string, so that a
// name containing ',' or ':' cannot smuggle in extra entries.
StatusOr<internal::GeneralNamesPtr> MakeAltNames(const CertificateSpec& spec) {
  internal::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return InternalError("out of memory");
  for (const std::string& dns : spec.dns_names) {
    internal::GeneralNamePtr name(GENERAL_NAME_new());
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (name == nullptr || text == nullptr ||
        ASN1_STRING_set(text, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(text);
      return InternalError("out of memory");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, text);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) {
      return InternalError("out of memory");
    }
    static_cast<void>(name.release());  // owned by `names`
  }
  for (const std::string& ip : spec.ip_addresses) {
    uint8_t address[16];
    int length = 0;
    if (inet_pton(AF_INET, ip.c_str(), address) == 1) {
      length = 4;
    } else if (inet_pton(AF_INET6, ip.c_str(), address) == 1) {
      length = 16;
    } else {
      return InvalidArgumentError("certificate \"" + spec.common_name +
                                  "\": invalid IP address \"" + ip + "\"");
    }
    internal::GeneralNamePtr name(GENERAL_NAME_new());
    ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
    if (name == nullptr || octets == nullptr ||
        ASN1_OCTET_STRING_set(octets, address, length) != 1) {
      ASN1_OCTET_STRING_free(octets);
      return InternalError("out of memory");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) {
      return InternalError("out of memory");
    }
    static_cast<void>(name.release());
  }
  return names;
}

// Adds an extension from a fixed configuration string (never user input).
bool AddExtension(X509* certificate, X509V3_CTX* context, int nid,
                  const std::string& value) {
  internal::X509ExtensionPtr extension(
      X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str()));
  return extension != nullptr &&
         X509_add_ext(certificate, extension.get(), -1) == 1;
}

// Builds and signs the certificate. `issuer` is null for self-signed.
StatusOr<Certificate> Build(const Certificate* issuer,
                            const PrivateKey& issuer_key,
                            const PublicKey& subject_key,
                            const CertificateSpec& spec) {
  COFFER_RETURN_IF_ERROR(CheckSpec(spec));
  COFFER_ASSIGN_OR_RETURN(internal::GeneralNamesPtr alt_names,
                          MakeAltNames(spec));
  COFFER_ASSIGN_OR_RETURN(Bytes serial_bytes, RandomBytes(kSerialSize));
  // Top bit clear keeps the INTEGER positive; the next bit set keeps it
  // exactly 16 bytes long. 126 random bits remain.
  serial_bytes[0] = static_cast<uint8_t>((serial_bytes[0] & 0x3f) | 0x40);

  const std::string failure =
      "issuing certificate \"" + spec.common_name + "\" failed: ";
  const internal::AsnTimePtr not_before = internal::ToAsn1Time(spec.not_before);
  const internal::AsnTimePtr not_after =
      internal::ToAsn1Time(spec.not_before + spec.valid_for);
  if (not_before == nullptr || not_after == nullptr) {
    return InvalidArgumentError("certificate \"" + spec.common_name +
                                "\": validity is outside years 0 to 9999");
  }

  internal::ClearOpenSslErrors();
  internal::X509Ptr certificate(X509_new());
  internal::BigNumPtr serial_number(
      BN_bin2bn(serial_bytes.data(), kSerialSize, nullptr));
  internal::AsnIntegerPtr serial(
      serial_number ? BN_to_ASN1_INTEGER(serial_number.get(), nullptr)
                    : nullptr);
  if (certificate == nullptr || serial == nullptr ||
      X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(certificate.get(), serial.get()) != 1 ||
      X509_set1_notBefore(certificate.get(), not_before.get()) != 1 ||
      X509_set1_notAfter(certificate.get(), not_after.get()) != 1 ||
      X509_set_pubkey(certificate.get(), subject_key.native()) != 1) {
    return InternalError(failure + TakeOpenSslError());
  }
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  if (X509_NAME_add_entry_by_NID(
          subject, NID_commonName, MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(spec.common_name.data()),
          static_cast<int>(spec.common_name.size()), -1, 0) != 1) {
    return InvalidArgumentError("certificate common name \"" +
                                spec.common_name +
                                "\" is not valid: " + TakeOpenSslError());
  }
  const X509_NAME* issuer_name =
      issuer != nullptr ? X509_get_subject_name(issuer->native()) : subject;
  if (X509_set_issuer_name(certificate.get(), issuer_name) != 1) {
    return InternalError(failure + TakeOpenSslError());
  }

  const bool is_ca = spec.usage == Usage::kCa;
  std::string basic_constraints =
      is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.path_length) {
    basic_constraints += ",pathlen:" + std::to_string(*spec.path_length);
  }
  std::string key_usage = "critical,digitalSignature";
  if (is_ca) key_usage = "critical,keyCertSign,cRLSign";
  // An RSA TLS peer may also receive an encrypted premaster secret.
  if (!is_ca && spec.usage != Usage::kSigning && IsRsa(subject_key.type())) {
    key_usage += ",keyEncipherment";
  }

  X509V3_CTX context;
  X509V3_set_ctx(&context,
                 issuer != nullptr ? issuer->native() : certificate.get(),
                 certificate.get(), nullptr, nullptr, 0);
  bool ok =
      AddExtension(certificate.get(), &context, NID_basic_constraints,
                   basic_constraints) &&
      AddExtension(certificate.get(), &context, NID_key_usage, key_usage) &&
      AddExtension(certificate.get(), &context, NID_subject_key_identifier,
                   "hash") &&
      AddExtension(certificate.get(), &context, NID_authority_key_identifier,
                   "keyid:always");
  if (ok && spec.usage == Usage::kServer) {
    ok = AddExtension(certificate.get(), &context, NID_ext_key_usage,
                      "serverAuth");
  } else if (ok && spec.usage == Usage::kClient) {
    ok = AddExtension(certificate.get(), &context, NID_ext_key_usage,
                      "clientAuth");
  } else if (ok && spec.usage == Usage::kServerAndClient) {
    ok = AddExtension(certificate.get(), &context, NID_ext_key_usage,
                      "serverAuth,clientAuth");
  }
  if (ok && sk_GENERAL_NAME_num(alt_names.get()) > 0) {
    ok = X509_add1_ext_i2d(certificate.get(), NID_subject_alt_name,
                           alt_names.get(), 0, X509V3_ADD_DEFAULT) == 1;
  }
  if (!ok) return InternalError(failure + TakeOpenSslError());

  if (X509_sign(certificate.get(), issuer_key.native(),
                CertificateSignatureDigest(issuer_key.type())) <= 0) {
    return InternalError(failure + "signing: " + TakeOpenSslError());
  }
  return Certificate::FromOpenSsl(std::move(certificate));
}

}  // namespace

const EVP_MD* CertificateSignatureDigest(KeyType issuer_key) {
  switch (issuer_key) {
    case KeyType::kP256:
    case KeyType::kRsa2048:
    case KeyType::kRsa3072: return EVP_sha256();
    case KeyType::kP384: return EVP_sha384();
    case KeyType::kEd25519: return nullptr;
  }
  return nullptr;
}

StatusOr<Certificate> MakeSelfSignedCa(const PrivateKey& key,
                                       const CertificateSpec& spec) {
  if (spec.usage != Usage::kCa) {
    return InvalidArgumentError("self-signed certificate \"" +
                                spec.common_name + "\" must have usage kCa");
  }
  return Build(nullptr, key, key.public_key(), spec);
}

StatusOr<Certificate> MakeSelfSignedLeaf(const PrivateKey& key,
                                         const CertificateSpec& spec) {
  if (spec.usage == Usage::kCa) {
    return InvalidArgumentError("self-signed leaf certificate \"" +
                                spec.common_name +
                                "\" cannot have usage kCa; use "
                                "MakeSelfSignedCa");
  }
  return Build(nullptr, key, key.public_key(), spec);
}

StatusOr<Certificate> IssueCertificate(const Certificate& issuer,
                                       const PrivateKey& issuer_key,
                                       const PublicKey& subject_key,
                                       const CertificateSpec& spec) {
  const std::string context = "issuing certificate \"" + spec.common_name +
                              "\": issuer \"" + issuer.subject() + "\"";
  if (!issuer.IsCa()) {
    return InvalidArgumentError(context + " is not a CA certificate");
  }
  if (spec.usage == Usage::kCa && issuer.path_length() == 0) {
    return InvalidArgumentError(
        context + " has path length 0 and cannot issue CA certificates");
  }
  internal::ClearOpenSslErrors();
  if (X509_check_private_key(issuer.native(), issuer_key.native()) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgumentError(context +
                                " does not match the given issuer key");
  }
  return Build(&issuer, issuer_key, subject_key, spec);
}

}  // namespace coffer::crypto

#include "crypto/certificate.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <utility>

#include "crypto/asn1_time.h"
#include "crypto/der_decode.h"
#include "crypto/memory_bio.h"
#include "crypto/openssl_errors.h"
#include "crypto/x509_name.h"

namespace coffer::crypto {
namespace {

using internal::DieBecauseLibcryptoFailed;
using internal::TakeOpenSslError;

// What PEM_read_bio_ex allocates with PEM_FLAG_SECURE.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  ~PemBlock() {
    // Secure-heap frees wipe the memory: a block may be a private key.
    OPENSSL_secure_free(name);
    OPENSSL_secure_free(header);
    OPENSSL_secure_free(data);
  }
};

}  // namespace

StatusOr<Certificate> Certificate::FromOpenSsl(internal::X509Ptr certificate) {
  if (certificate == nullptr) {
    return InvalidArgumentError("no certificate given");
  }
  const std::optional<internal::TimePoint> not_before =
      internal::FromAsn1Time(X509_get0_notBefore(certificate.get()));
  const std::optional<internal::TimePoint> not_after =
      internal::FromAsn1Time(X509_get0_notAfter(certificate.get()));
  if (!not_before || !not_after) {
    return InvalidArgumentError(
        "certificate \"" +
        internal::DistinguishedName(X509_get_subject_name(certificate.get())) +
        "\" has a malformed validity time");
  }
  return Certificate(std::move(certificate), *not_before, *not_after);
}

StatusOr<Certificate> Certificate::FromDer(std::span<const uint8_t> der) {
  COFFER_ASSIGN_OR_RETURN(
      internal::X509Ptr certificate,
      internal::DecodeWholeDer<internal::X509Ptr>(
          der, "certificate", [](const unsigned char** cursor, long length) {
            return d2i_X509(nullptr, cursor, length);
          }));
  return FromOpenSsl(std::move(certificate));
}

StatusOr<Certificate> Certificate::FromPem(std::string_view pem) {
  COFFER_ASSIGN_OR_RETURN(std::vector<Certificate> certificates,
                          ParsePemCertificates(pem));
  if (certificates.size() != 1) {
    return InvalidArgumentError("expected one certificate in the PEM, found " +
                                std::to_string(certificates.size()));
  }
  return std::move(certificates.front());
}

Certificate Certificate::Clone() const {
  internal::X509Ptr copy(X509_dup(certificate_.get()));
  if (copy == nullptr) DieBecauseLibcryptoFailed("copy a certificate");
  return Certificate(std::move(copy), not_before_, not_after_);
}

std::string Certificate::ToPem() const {
  internal::BioPtr bio = internal::WritableBio(/*secure=*/false);
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), native()) != 1) {
    DieBecauseLibcryptoFailed("encode a certificate as PEM");
  }
  return internal::BioText(bio.get());
}

Bytes Certificate::ToDer() const {
  unsigned char* der = nullptr;
  const int length = i2d_X509(native(), &der);
  if (length <= 0) DieBecauseLibcryptoFailed("encode a certificate");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

std::string Certificate::subject() const {
  return internal::DistinguishedName(X509_get_subject_name(native()));
}

std::string Certificate::issuer() const {
  return internal::DistinguishedName(X509_get_issuer_name(native()));
}

std::string Certificate::common_name() const {
  const X509_NAME* name = X509_get_subject_name(native());
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* value =
      X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return "";
  std::string out(reinterpret_cast<const char*>(utf8),
                  static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

Bytes Certificate::serial() const {
  internal::BigNumPtr number(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(native()), nullptr));
  if (number == nullptr) DieBecauseLibcryptoFailed("read a serial number");
  Bytes out(static_cast<size_t>(BN_num_bytes(number.get())));
  BN_bn2bin(number.get(), out.data());
  return out;
}

std::string Certificate::serial_hex() const {
  const Bytes bytes = serial();
  return bytes.empty() ? "00" : HexEncode(bytes);
}

std::chrono::system_clock::time_point Certificate::not_before() const {
  return not_before_;
}

std::chrono::system_clock::time_point Certificate::not_after() const {
  return not_after_;
}

StatusOr<PublicKey> Certificate::public_key() const {
  StatusOr<PublicKey> key =
      PublicKey::FromOpenSsl(internal::EvpPkeyPtr(X509_get_pubkey(native())));
  if (!key.ok()) {
    return key.status().WithContext("certificate \"" + subject() + "\"");
  }
  return key;
}

Bytes Certificate::PublicKeyDer() const {
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(native()), &der);
  if (length <= 0) DieBecauseLibcryptoFailed("encode a certificate's key");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

Sha256Digest Certificate::Sha256Fingerprint() const {
  Sha256Digest digest;
  unsigned int length = 0;
  if (X509_digest(native(), EVP_sha256(), digest.data(), &length) != 1 ||
      length != digest.size()) {
    DieBecauseLibcryptoFailed("fingerprint a certificate");
  }
  return digest;
}

std::vector<std::string> Certificate::dns_names() const {
  std::vector<std::string> names;
  internal::GeneralNamesPtr alt_names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(native(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; i < sk_GENERAL_NAME_num(alt_names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt_names.get(), i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    names.emplace_back(
        reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
        static_cast<size_t>(ASN1_STRING_length(dns)));
  }
  return names;
}

std::vector<std::string> Certificate::ip_addresses() const {
  std::vector<std::string> addresses;
  internal::GeneralNamesPtr alt_names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(native(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; i < sk_GENERAL_NAME_num(alt_names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt_names.get(), i);
    if (name->type != GEN_IPADD) continue;
    const ASN1_OCTET_STRING* ip = name->d.iPAddress;
    const int length = ASN1_STRING_length(ip);
    char text[INET6_ADDRSTRLEN] = {};
    if ((length == 4 && inet_ntop(AF_INET, ASN1_STRING_get0_data(ip), text,
                                  sizeof(text)) != nullptr) ||
        (length == 16 && inet_ntop(AF_INET6, ASN1_STRING_get0_data(ip), text,
                                   sizeof(text)) != nullptr)) {
      addresses.emplace_back(text);
    } else {
      // Not an address (name constraints use 8/32 bytes); shown as hex.
      addresses.push_back("hex:" +
                          HexEncode(std::span(ASN1_STRING_get0_data(ip),
                                              static_cast<size_t>(length))));
    }
  }
  return addresses;
}

bool Certificate::IsCa() const {
  return (X509_get_extension_flags(native()) & EXFLAG_CA) != 0;
}

std::optional<int> Certificate::path_length() const {
  const long length = X509_get_pathlen(native());
  if (length < 0 || length > INT_MAX) return std::nullopt;
  return static_cast<int>(length);
}

StatusOr<std::vector<Certificate>> ParsePemCertificates(std::string_view pem) {
  internal::ClearOpenSslErrors();
  internal::BioPtr bio = internal::ReadOnlyBio(AsBytes(pem));
  std::vector<Certificate> certificates;
  for (int position = 1;; ++position) {
    PemBlock block;
    if (PEM_read_bio_ex(bio.get(), &block.name, &block.header, &block.data,
                        &block.length, PEM_FLAG_SECURE) != 1) {
      const unsigned long error = ERR_peek_error();
      if (ERR_GET_LIB(error) == ERR_LIB_PEM &&
          ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
        internal::ClearOpenSslErrors();
        break;  // no further block: the normal end of the bundle
      }
      return InvalidArgumentError(
          "certificate " + std::to_string(position) +
          " of the bundle: malformed PEM: " + TakeOpenSslError());
    }
    if (std::string_view(block.name) != "CERTIFICATE") {
      return InvalidArgumentError(
          "PEM block " + std::to_string(position) + " of the bundle is a \"" +
          std::string(block.name) + "\", not a CERTIFICATE");
    }
    StatusOr<Certificate> certificate = Certificate::FromDer(
        std::span(block.data, static_cast<size_t>(block.length)));
    if (!certificate.ok()) {
      return certificate.status().WithContext(
          "certificate " + std::to_string(position) + " of the bundle");
    }
    certificates.push_back(*std::move(certificate));
  }
  if (certificates.empty()) {
    return InvalidArgumentError("no PEM certificate found (" +
                                std::to_string(pem.size()) +
                                " bytes of input)");
  }
  return certificates;
}

std::string CertificatesToPem(std::span<const Certificate> certificates) {
  std::string pem;
  for (const Certificate& certificate : certificates) {
    pem += certificate.ToPem();
  }
  return pem;
}

}  // namespace coffer::crypto

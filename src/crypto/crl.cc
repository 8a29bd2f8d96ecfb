#include "crypto/crl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <utility>

#include "crypto/asn1_time.h"
#include "crypto/certificate_issuer.h"
#include "crypto/der_decode.h"
#include "crypto/memory_bio.h"
#include "crypto/openssl_errors.h"
#include "crypto/x509_name.h"

namespace coffer::crypto {
namespace {

using internal::DieBecauseLibcryptoFailed;
using internal::TakeOpenSslError;

Bytes IntegerBytes(const ASN1_INTEGER* integer) {
  internal::BigNumPtr number(ASN1_INTEGER_to_BN(integer, nullptr));
  if (number == nullptr) DieBecauseLibcryptoFailed("read a serial number");
  Bytes out(static_cast<size_t>(BN_num_bytes(number.get())));
  BN_bn2bin(number.get(), out.data());
  return out;
}

}  // namespace

StatusOr<Crl> Crl::FromOpenSsl(internal::X509CrlPtr crl) {
  const std::optional<internal::TimePoint> this_update =
      internal::FromAsn1Time(X509_CRL_get0_lastUpdate(crl.get()));
  if (!this_update) {
    return InvalidArgumentError("CRL has a malformed thisUpdate time");
  }
  std::optional<internal::TimePoint> next_update;
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get())) {
    next_update = internal::FromAsn1Time(next);
    if (!next_update) {
      return InvalidArgumentError("CRL has a malformed nextUpdate time");
    }
  }
  return Crl(std::move(crl), *this_update, next_update);
}

StatusOr<Crl> Crl::FromDer(std::span<const uint8_t> der) {
  COFFER_ASSIGN_OR_RETURN(
      internal::X509CrlPtr crl,
      internal::DecodeWholeDer<internal::X509CrlPtr>(
          der, "CRL", [](const unsigned char** cursor, long length) {
            return d2i_X509_CRL(nullptr, cursor, length);
          }));
  return FromOpenSsl(std::move(crl));
}

StatusOr<Crl> Crl::FromPem(std::string_view pem) {
  internal::ClearOpenSslErrors();
  internal::BioPtr bio = internal::ReadOnlyBio(AsBytes(pem));
  internal::X509CrlPtr crl(
      PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (crl == nullptr) {
    return InvalidArgumentError("malformed CRL PEM: " + TakeOpenSslError());
  }
  internal::X509CrlPtr second(
      PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  internal::ClearOpenSslErrors();
  if (second != nullptr) {
    return InvalidArgumentError("expected one CRL in the PEM, found more");
  }
  return FromOpenSsl(std::move(crl));
}

Crl Crl::Clone() const {
  internal::X509CrlPtr copy(X509_CRL_dup(crl_.get()));
  if (copy == nullptr) DieBecauseLibcryptoFailed("copy a CRL");
  return Crl(std::move(copy), this_update_, next_update_);
}

Bytes Crl::ToDer() const {
  unsigned char* der = nullptr;
  const int length = i2d_X509_CRL(crl_.get(), &der);
  if (length <= 0) DieBecauseLibcryptoFailed("encode a CRL");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

std::string Crl::ToPem() const {
  internal::BioPtr bio = internal::WritableBio(/*secure=*/false);
  if (bio == nullptr || PEM_write_bio_X509_CRL(bio.get(), crl_.get()) != 1) {
    DieBecauseLibcryptoFailed("encode a CRL as PEM");
  }
  return internal::BioText(bio.get());
}

std::string Crl::issuer() const {
  return internal::DistinguishedName(X509_CRL_get_issuer(crl_.get()));
}

std::vector<Bytes> Crl::revoked_serials() const {
  std::vector<Bytes> serials;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl_.get());
  serials.reserve(
      static_cast<size_t>(std::max(0, sk_X509_REVOKED_num(revoked))));
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    serials.push_back(IntegerBytes(
        X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
  return serials;
}

StatusOr<Crl> IssueCrl(const Certificate& issuer, const PrivateKey& issuer_key,
                       const CrlSpec& spec) {
  const std::string context = "issuing a CRL for \"" + issuer.subject() + "\"";
  if (!issuer.IsCa()) {
    return InvalidArgumentError(context + ": the issuer is not a CA");
  }
  if (spec.valid_for <= std::chrono::seconds(0)) {
    return InvalidArgumentError(context + ": validity period of " +
                                std::to_string(spec.valid_for.count()) +
                                " seconds is not positive");
  }
  internal::ClearOpenSslErrors();
  if (X509_check_private_key(issuer.native(), issuer_key.native()) != 1) {
    internal::ClearOpenSslErrors();
    return InvalidArgumentError(context +
                                ": the issuer key does not match the issuer");
  }
  const internal::AsnTimePtr this_update =
      internal::ToAsn1Time(spec.this_update);
  const internal::AsnTimePtr next_update =
      internal::ToAsn1Time(spec.this_update + spec.valid_for);
  if (this_update == nullptr || next_update == nullptr) {
    return InvalidArgumentError(context +
                                ": validity is outside years 0 to 9999");
  }

  internal::X509CrlPtr crl(X509_CRL_new());
  internal::AsnIntegerPtr number(ASN1_INTEGER_new());
  if (crl == nullptr || number == nullptr ||
      X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(),
                               X509_get_subject_name(issuer.native())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1 ||
      ASN1_INTEGER_set_uint64(number.get(), spec.number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) !=
          1) {
    return InternalError(context + ": " + TakeOpenSslError());
  }
  for (const Bytes& serial : spec.revoked_serials) {
    internal::X509RevokedPtr entry(X509_REVOKED_new());
    internal::BigNumPtr value(
        BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    internal::AsnIntegerPtr integer(
        value ? BN_to_ASN1_INTEGER(value.get(), nullptr) : nullptr);
    if (entry == nullptr || integer == nullptr ||
        X509_REVOKED_set_serialNumber(entry.get(), integer.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), this_update.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), entry.get()) != 1) {
      return InternalError(context + ": " + TakeOpenSslError());
    }
    static_cast<void>(entry.release());  // owned by `crl`
  }

  X509V3_CTX v3_context;
  X509V3_set_ctx(&v3_context, issuer.native(), nullptr, nullptr, crl.get(), 0);
  internal::X509ExtensionPtr authority_key_id(X509V3_EXT_conf_nid(
      nullptr, &v3_context, NID_authority_key_identifier, "keyid:always"));
  if (authority_key_id == nullptr ||
      X509_CRL_add_ext(crl.get(), authority_key_id.get(), -1) != 1 ||
      X509_CRL_sort(crl.get()) != 1 ||
      X509_CRL_sign(crl.get(), issuer_key.native(),
                    CertificateSignatureDigest(issuer_key.type())) <= 0) {
    return InternalError(context + ": " + TakeOpenSslError());
  }
  // A round trip through DER gives the parsed form a reader would see.
  unsigned char* der = nullptr;
  const int length = i2d_X509_CRL(crl.get(), &der);
  if (length <= 0) return InternalError(context + ": " + TakeOpenSslError());
  const Bytes encoded(der, der + length);
  OPENSSL_free(der);
  return Crl::FromDer(encoded);
}

}  // namespace coffer::crypto

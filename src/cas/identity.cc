#include "cas/identity.h"

#include <nlohmann/json.hpp>

#include "attest/quote.h"
#include "crypto/hash.h"
#include "net/tls.h"

namespace coffer::cas {
namespace {

constexpr std::string_view kKeyName = "tls-key";
constexpr std::string_view kCertificateName = "tls-certificate";
constexpr auto kCertificateLifetime = std::chrono::hours(24 * 365 * 10);

struct KeyAndCertificate {
  crypto::PrivateKey key;
  crypto::Certificate certificate;
};

StatusOr<KeyAndCertificate> LoadOrMakeKey(Store& store, const Clock& clock) {
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> key_der,
                          store.GetIdentity(kKeyName));
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> certificate_pem,
                          store.GetIdentity(kCertificateName));
  if (key_der.has_value() && certificate_pem.has_value()) {
    COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                            crypto::PrivateKey::FromDer(key_der->span()));
    COFFER_ASSIGN_OR_RETURN(
        crypto::Certificate certificate,
        crypto::Certificate::FromPem(AsString(certificate_pem->span())));
    return KeyAndCertificate{std::move(key), std::move(certificate)};
  }
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  COFFER_ASSIGN_OR_RETURN(
      crypto::Certificate certificate,
      net::MakeSelfSignedIdentityCertificate(
          key, "Coffer CAS", clock() - std::chrono::hours(1),
          kCertificateLifetime, {"localhost"}, {"127.0.0.1"}));
  const std::string pem = certificate.ToPem();
  COFFER_RETURN_IF_ERROR(store.PutIdentity(kKeyName, key.ToDer()));
  COFFER_RETURN_IF_ERROR(store.PutIdentity(
      kCertificateName, crypto::SecretBytes(AsBytes(std::string_view(pem)))));
  return KeyAndCertificate{std::move(key), std::move(certificate)};
}

}  // namespace

std::string CasIdentity::EvidenceJson() const {
  // The type as the quote's header says; clients verify the quote itself
  // and must not rely on this field.
  StatusOr<attest::Quote> parsed = attest::ParseQuote(quote);
  std::string_view type = "unknown";
  if (parsed.ok()) {
    type = parsed->is_simulation() ? "simulation"
           : parsed->is_tdx()      ? "tdx"
                                   : "sgx";
  }
  return nlohmann::json{{"certificate", certificate.ToPem()},
                        {"quote", HexEncode(quote)},
                        {"platform_id", platform_id},
                        {"measurement", measurement},
                        {"type", type}}
      .dump();
}

StatusOr<CasIdentity> LoadIdentity(Store& store, const las::Client& las,
                                   const Clock& clock) {
  COFFER_ASSIGN_OR_RETURN(KeyAndCertificate loaded,
                          LoadOrMakeKey(store, clock));
  const crypto::Sha256Digest binding =
      crypto::Sha256(loaded.key.PublicKeyDer());
  StatusOr<las::QuoteReply> reply = las.Quote(binding);
  if (!reply.ok()) {
    return UnavailableError("cannot get the CAS's evidence from the LAS at " +
                            las.socket_path() + ": " +
                            reply.status().message());
  }
  return CasIdentity{.key = std::move(loaded.key),
                     .certificate = std::move(loaded.certificate),
                     .quote = std::move(reply->quote),
                     .platform_id = reply->platform_id,
                     .measurement = HexEncode(reply->mr_enclave)};
}

}  // namespace coffer::cas

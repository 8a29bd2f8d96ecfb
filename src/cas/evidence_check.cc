#include "cas/evidence_check.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "attest/dcap_verify.h"
#include "attest/intel_root.h"
#include "crypto/hash.h"
#include "las/measurement.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

StatusOr<std::string> StringField(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return InvalidArgumentError(std::string("CAS evidence: \"") + key +
                                "\" is missing or not a string");
  }
  return it->get<std::string>();
}

// `ids` as lower-case hex, each checked; `what` names the option.
StatusOr<std::vector<std::string>> HexList(
    const std::vector<std::string>& ids, std::string_view what,
    std::initializer_list<size_t> lengths, std::string_view expected) {
  std::vector<std::string> out;
  for (const std::string& id : ids) {
    const bool valid = std::any_of(lengths.begin(), lengths.end(),
                                   [&](size_t n) { return IsHex(id, n); });
    if (!valid) {
      return InvalidArgumentError(std::string(what) + " \"" + id +
                                  "\" is not " + std::string(expected));
    }
    out.push_back(Lower(id));
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// Check 3: report data = SHA-256(SPKI DER) || 32 zero bytes.
Status CheckBinding(const attest::VerifiedQuote& quote,
                    const crypto::Certificate& certificate) {
  const crypto::Sha256Digest expected =
      crypto::Sha256(certificate.PublicKeyDer());
  const auto& data = quote.report_data;
  if (!std::equal(expected.begin(), expected.end(), data.begin())) {
    return UnauthenticatedError(
        "the CAS's quote does not bind its TLS key: its report data begins "
        "with " +
        HexEncode(std::span(data).first(32)) +
        ", not the SHA-256 of the certificate's public key " +
        HexEncode(expected));
  }
  if (!std::all_of(data.begin() + 32, data.end(),
                   [](uint8_t b) { return b == 0; })) {
    return UnauthenticatedError(
        "the CAS's quote has unexpected report data after its key hash: " +
        HexEncode(std::span(data).subspan(32)));
  }
  return OkStatus();
}

// Check 4: the evidence's fields must repeat the verified quote.
Status CheckClaims(const CasEvidence& evidence,
                   const attest::VerifiedQuote& quote) {
  auto differ = [](std::string_view field, std::string_view claimed,
                   std::string_view actual) {
    return UnauthenticatedError(
        "the CAS's evidence says " + std::string(field) + " \"" +
        std::string(claimed) + "\" but its quote says " + "\"" +
        std::string(actual) + "\"");
  };
  const std::string_view type = attest::QuoteTypeName(quote.type);
  if (evidence.type != type) return differ("type", evidence.type, type);
  const std::string measurement = HexEncode(quote.mrenclave);
  if (Lower(evidence.measurement) != measurement) {
    return differ("measurement", evidence.measurement, measurement);
  }
  if (!quote.platform_id.empty() &&
      Lower(evidence.platform_id) != quote.platform_id) {
    return differ("platform_id", evidence.platform_id, quote.platform_id);
  }
  return OkStatus();
}

// Checks 5 to 7.
Status CheckAccepted(const attest::VerifiedQuote& quote,
                     const EvidenceOptions& options) {
  if (quote.type == attest::QuoteType::kSimulation &&
      !options.accept_simulation) {
    return PermissionDeniedError(
        "the CAS runs in simulation mode; pass --accept-simulation to trust "
        "it anyway");
  }
  if (quote.debug) {
    return PermissionDeniedError(
        "the CAS runs in a debug enclave, whose memory its host can read");
  }
  std::vector<std::string> accepted;
  if (options.mrenclaves.empty()) {
    COFFER_ASSIGN_OR_RETURN(las::Measurement self, las::MeasureSelf());
    accepted.push_back(self.Hex());
  } else {
    COFFER_ASSIGN_OR_RETURN(accepted,
                            HexList(options.mrenclaves, "--mrenclave", {64, 96},
                                    "64 hex digits (96 for TDX)"));
  }
  const std::string measurement = HexEncode(quote.mrenclave);
  if (!Contains(accepted, measurement)) {
    return PermissionDeniedError(
        "the CAS's measurement " + measurement + " is not an accepted one (" +
        (options.mrenclaves.empty() ? "this coffer's own, " : "") +
        JoinList(accepted) + ")");
  }
  if (options.platforms.empty()) return OkStatus();
  COFFER_ASSIGN_OR_RETURN(
      std::vector<std::string> platforms,
      HexList(options.platforms, "--platform", {64}, "64 hex digits"));
  if (quote.platform_id.empty()) {
    return PermissionDeniedError(
        "the CAS's quote is a " +
        std::string(attest::QuoteTypeName(quote.type)) +
        " quote, which names no Coffer platform ID; --platform applies to "
        "simulation quotes only");
  }
  if (!Contains(platforms, quote.platform_id)) {
    return PermissionDeniedError(
        "the CAS runs on platform " + quote.platform_id +
        ", which is not an accepted one (" + JoinList(platforms) + ")");
  }
  return OkStatus();
}

}  // namespace

StatusOr<CasEvidence> ParseEvidence(std::string_view json) {
  const Json object = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    return InvalidArgumentError("CAS evidence: not a JSON object");
  }
  CasEvidence evidence;
  COFFER_ASSIGN_OR_RETURN(evidence.certificate_pem,
                          StringField(object, "certificate"));
  COFFER_ASSIGN_OR_RETURN(std::string quote, StringField(object, "quote"));
  StatusOr<Bytes> bytes = HexDecode(quote);
  if (!bytes.ok() || bytes->empty()) {
    return InvalidArgumentError("CAS evidence: \"quote\" is not hex" +
                                (bytes.ok() ? std::string(" (empty)")
                                            : ": " + bytes.status().message()));
  }
  evidence.quote = std::move(bytes).value();
  COFFER_ASSIGN_OR_RETURN(evidence.platform_id,
                          StringField(object, "platform_id"));
  COFFER_ASSIGN_OR_RETURN(evidence.measurement,
                          StringField(object, "measurement"));
  COFFER_ASSIGN_OR_RETURN(evidence.type, StringField(object, "type"));
  return evidence;
}

StatusOr<TrustedCas> CheckEvidence(
    const CasEvidence& evidence,
    std::span<const uint8_t> presented_certificate_der,
    const EvidenceOptions& options) {
  StatusOr<crypto::Certificate> certificate =
      crypto::Certificate::FromPem(evidence.certificate_pem);
  if (!certificate.ok()) {
    return InvalidArgumentError("CAS evidence: \"certificate\": " +
                                certificate.status().message());
  }
  const Bytes der = certificate->ToDer();
  if (!std::equal(der.begin(), der.end(), presented_certificate_der.begin(),
                  presented_certificate_der.end())) {
    return UnauthenticatedError(
        "the CAS presented another TLS certificate than the one its "
        "evidence names");
  }

  StatusOr<crypto::Certificate> intel_root = InternalError("unused");
  const crypto::Certificate* root = options.trusted_root;
  if (root == nullptr) {
    intel_root = attest::IntelSgxRootCa();
    if (!intel_root.ok()) return intel_root.status();
    root = &*intel_root;
  }
  StatusOr<attest::VerifiedQuote> quote =
      attest::VerifyQuote(evidence.quote, nullptr, options.now, *root);
  if (!quote.ok()) return quote.status().WithContext("the CAS's quote");

  COFFER_RETURN_IF_ERROR(CheckBinding(*quote, *certificate));
  COFFER_RETURN_IF_ERROR(CheckClaims(evidence, *quote));
  COFFER_RETURN_IF_ERROR(CheckAccepted(*quote, options));
  std::string identity = HexEncode(crypto::Sha256(certificate->PublicKeyDer()));
  return TrustedCas{std::move(certificate).value(), std::move(quote).value(),
                    std::move(identity)};
}

}  // namespace coffer::cas

#include "cas/state_sealing.h"

#include "crypto/aead.h"

namespace coffer::cas {

Bytes AssociatedData(std::initializer_list<std::string_view> fields) {
  constexpr std::string_view kDomain = "coffer-cas-state-v1";
  Bytes out(kDomain.begin(), kDomain.end());
  for (std::string_view field : fields) {
    uint64_t size = field.size();
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<uint8_t>(size >> shift));
    }
    out.insert(out.end(), field.begin(), field.end());
  }
  return out;
}

Bytes StateKeyAd() {
  return AssociatedData(
      {"meta", "sealed_state_key", std::to_string(kStateFormatVersion)});
}

Bytes SessionAd(std::string_view column, const SessionRecord& record) {
  return AssociatedData({"sessions", column, record.name,
                         std::to_string(record.revision), record.hash,
                         record.creator});
}

Bytes IdentityAd(std::string_view name) {
  return AssociatedData({"identities", "value", name});
}

std::string Quoted(std::string_view name) {
  return "\"" + std::string(name) + "\"";
}

StatusOr<crypto::SecretBytes> Unseal(const crypto::SecretBytes& key,
                                     std::span<const uint8_t> sealed,
                                     const Bytes& ad, const std::string& what) {
  StatusOr<crypto::SecretBytes> plain = crypto::AesGcmOpen(key, sealed, ad);
  if (!plain.ok()) {
    return DataLossError(what +
                         " does not decrypt with the state key (the row was "
                         "altered, or copied from another row or revision)");
  }
  return plain;
}

Status CheckSessionRecord(const SessionRecord& record) {
  if (record.name.empty()) {
    return InvalidArgumentError("a session name must not be empty");
  }
  if (!IsHex(record.hash, 64) || !IsHex(record.creator, 64)) {
    return InvalidArgumentError("session " + Quoted(record.name) +
                                ": its hash and creator must be 64 hex digits");
  }
  return OkStatus();
}

StatusOr<SealedSession> SealSession(const crypto::SecretBytes& state_key,
                                    const SessionRecord& record,
                                    int64_t revision) {
  SessionRecord placed;  // the record's place, for the associated data
  placed.name = record.name;
  placed.hash = record.hash;
  placed.creator = record.creator;
  placed.revision = revision;
  SealedSession sealed;
  COFFER_ASSIGN_OR_RETURN(
      sealed.policy, crypto::AesGcmSeal(state_key, AsBytes(record.policy_text),
                                        SessionAd("policy_text", placed)));
  COFFER_ASSIGN_OR_RETURN(sealed.secrets,
                          crypto::AesGcmSeal(state_key, record.secrets.span(),
                                             SessionAd("secrets", placed)));
  return sealed;
}

Status OpenSession(const crypto::SecretBytes& state_key,
                   std::span<const uint8_t> policy,
                   std::span<const uint8_t> secrets, SessionRecord& record) {
  const std::string session = "session " + Quoted(record.name);
  COFFER_ASSIGN_OR_RETURN(
      crypto::SecretBytes policy_text,
      Unseal(state_key, policy, SessionAd("policy_text", record),
             session + ": its stored policy_text"));
  COFFER_ASSIGN_OR_RETURN(
      record.secrets, Unseal(state_key, secrets, SessionAd("secrets", record),
                             session + ": its stored secrets"));
  record.policy_text = std::string(AsString(policy_text.span()));
  return OkStatus();
}

}  // namespace coffer::cas

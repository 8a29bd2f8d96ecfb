// How the CAS's state is sealed under its state key, the same in every
// store (store.h): AES-256-GCM, each value's associated data naming its
// place, so that a value copied to another place does not decrypt.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "cas/store.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::cas {

// A domain, then each field as an 8-byte big-endian length and its bytes,
// so that different field lists never give the same bytes.
Bytes AssociatedData(std::initializer_list<std::string_view> fields);

// The state key sealed under a member's seal key.
Bytes StateKeyAd();
// A session's policy_text or secrets: bound to its name, revision, hash
// and creator.
Bytes SessionAd(std::string_view column, const SessionRecord& record);
Bytes IdentityAd(std::string_view name);

// "\"name\"" for messages.
std::string Quoted(std::string_view name);

// Opens a value sealed under the state key. Any failure means the value
// was changed or moved: kDataLoss "WHAT does not decrypt with the state
// key ...".
StatusOr<crypto::SecretBytes> Unseal(const crypto::SecretBytes& key,
                                     std::span<const uint8_t> sealed,
                                     const Bytes& ad, const std::string& what);

// kInvalidArgument for an empty name, or a hash or creator that is not 64
// hex digits.
Status CheckSessionRecord(const SessionRecord& record);

// A session's two sealed columns at `revision`.
struct SealedSession {
  Bytes policy, secrets;
};
StatusOr<SealedSession> SealSession(const crypto::SecretBytes& state_key,
                                    const SessionRecord& record,
                                    int64_t revision);
// Fills record.policy_text and record.secrets from the sealed columns;
// record's name, hash, creator and revision must be set.
Status OpenSession(const crypto::SecretBytes& state_key,
                   std::span<const uint8_t> policy,
                   std::span<const uint8_t> secrets, SessionRecord& record);

}  // namespace coffer::cas

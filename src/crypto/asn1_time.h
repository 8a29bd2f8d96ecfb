// Internal to src/crypto: ASN1_TIME <-> std::chrono::system_clock.
//
// Certificates and CRLs store times as UTCTime (1950-2049) or
// GeneralizedTime, both whole seconds in UTC. Coffer's API uses
// system_clock::time_point so that tests inject "now" as a value.
#pragma once

#include <openssl/asn1.h>

#include <chrono>
#include <optional>

#include "crypto/openssl_handles.h"

namespace coffer::crypto::internal {

using TimePoint = std::chrono::system_clock::time_point;

// Null if `time` is malformed (possible in untrusted certificates).
std::optional<TimePoint> FromAsn1Time(const ASN1_TIME* time);

// Sub-second parts are dropped. Null for times that ASN.1 cannot hold
// (before year 0 or after 9999).
AsnTimePtr ToAsn1Time(TimePoint time);

}  // namespace coffer::crypto::internal

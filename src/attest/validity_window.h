// Internal to src/attest: when a verification's result stays true.
// Thread safety: a plain value.
#pragma once

#include <optional>
#include <span>

#include "attest/timestamp.h"
#include "crypto/certificate.h"

namespace coffer::attest::internal {

// The instants at which every certificate, CRL and collateral part that a
// verification relied on is valid: the latest start and the earliest end.
struct ValidityWindow {
  TimePoint valid_from = TimePoint::min();
  TimePoint valid_until = TimePoint::max();

  void Narrow(TimePoint from, std::optional<TimePoint> until);
  void NarrowToCertificates(std::span<const crypto::Certificate> certificates);
  // Strictly inside, so that the exact edges are always re-verified and
  // their inclusive or exclusive treatment stays OpenSSL's.
  bool StrictlyContains(TimePoint now) const {
    return valid_from < now && now < valid_until;
  }
};

}  // namespace coffer::attest::internal

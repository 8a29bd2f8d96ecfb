#include "attest/validity_window.h"

#include <algorithm>

namespace coffer::attest::internal {

void ValidityWindow::Narrow(TimePoint from, std::optional<TimePoint> until) {
  valid_from = std::max(valid_from, from);
  if (until.has_value()) valid_until = std::min(valid_until, *until);
}

void ValidityWindow::NarrowToCertificates(
    std::span<const crypto::Certificate> certificates) {
  for (const crypto::Certificate& certificate : certificates) {
    Narrow(certificate.not_before(), certificate.not_after());
  }
}

}  // namespace coffer::attest::internal

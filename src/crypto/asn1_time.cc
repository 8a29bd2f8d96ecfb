#include "crypto/asn1_time.h"

#include <ctime>

namespace coffer::crypto::internal {

std::optional<TimePoint> FromAsn1Time(const ASN1_TIME* time) {
  std::tm parts = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year{parts.tm_year + 1900},
      std::chrono::month{static_cast<unsigned>(parts.tm_mon + 1)},
      std::chrono::day{static_cast<unsigned>(parts.tm_mday)}};
  if (!date.ok()) return std::nullopt;
  return TimePoint(
      std::chrono::sys_days(date) + std::chrono::hours(parts.tm_hour) +
      std::chrono::minutes(parts.tm_min) + std::chrono::seconds(parts.tm_sec));
}

AsnTimePtr ToAsn1Time(TimePoint time) {
  const long long seconds_since_epoch =
      std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
  // Year 0 to 9999, the range of GeneralizedTime's four-digit year.
  constexpr long long kMin = -62167219200LL;  // 0000-01-01T00:00:00Z
  constexpr long long kMax = 253402300799LL;  // 9999-12-31T23:59:59Z
  if (seconds_since_epoch < kMin || seconds_since_epoch > kMax) return nullptr;
  // ASN1_TIME_set picks UTCTime for 1950-2049 and GeneralizedTime
  // otherwise, as RFC 5280 (4.1.2.5) requires.
  return AsnTimePtr(
      ASN1_TIME_set(nullptr, static_cast<time_t>(seconds_since_epoch)));
}

}  // namespace coffer::crypto::internal

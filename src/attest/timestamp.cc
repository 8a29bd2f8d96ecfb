#include "attest/timestamp.h"

#include <cstdio>
#include <optional>

namespace coffer::attest {
namespace {

// The decimal number in text[start, start + digits), if all are digits.
std::optional<int> Digits(std::string_view text, size_t start, size_t digits) {
  if (start + digits > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = start; i < start + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool Is(std::string_view text, size_t position, char lower, char upper) {
  return position < text.size() &&
         (text[position] == lower || text[position] == upper);
}

}  // namespace

StatusOr<TimePoint> ParseRfc3339(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError(
        "\"" + std::string(text.substr(0, 64)) +
        "\" is not an RFC 3339 time like 2025-07-01T00:00:00Z");
  };
  const std::optional<int> year = Digits(text, 0, 4);
  const std::optional<int> month = Digits(text, 5, 2);
  const std::optional<int> day = Digits(text, 8, 2);
  const std::optional<int> hour = Digits(text, 11, 2);
  const std::optional<int> minute = Digits(text, 14, 2);
  const std::optional<int> second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second ||
      !Is(text, 4, '-', '-') || !Is(text, 7, '-', '-') ||
      !Is(text, 10, 't', 'T') || !Is(text, 13, ':', ':') ||
      !Is(text, 16, ':', ':')) {
    return bad();
  }
  size_t position = 19;
  if (Is(text, position, '.', '.')) {
    ++position;
    const size_t fraction_start = position;
    while (position < text.size() && text[position] >= '0' &&
           text[position] <= '9') {
      ++position;
    }
    if (position == fraction_start) return bad();
  }
  std::chrono::minutes offset{0};
  if (Is(text, position, 'z', 'Z') && position + 1 == text.size()) {
    // UTC.
  } else if ((Is(text, position, '+', '+') || Is(text, position, '-', '-')) &&
             position + 6 == text.size() && Is(text, position + 3, ':', ':')) {
    const std::optional<int> offset_hours = Digits(text, position + 1, 2);
    const std::optional<int> offset_minutes = Digits(text, position + 4, 2);
    if (!offset_hours || !offset_minutes || *offset_hours > 23 ||
        *offset_minutes > 59) {
      return bad();
    }
    offset = std::chrono::hours(*offset_hours) +
             std::chrono::minutes(*offset_minutes);
    if (text[position] == '-') offset = -offset;
  } else {
    return bad();
  }
  const std::chrono::year_month_day date{
      std::chrono::year(*year),
      std::chrono::month(static_cast<unsigned>(*month)),
      std::chrono::day(static_cast<unsigned>(*day))};
  // Leap seconds (":60") are not representable in system_clock; refuse
  // them rather than guess.
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return bad();
  const std::chrono::sys_seconds local =
      std::chrono::sys_days(date) + std::chrono::hours(*hour) +
      std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  return TimePoint(local - offset);
}

std::string FormatRfc3339(TimePoint time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(days);
  const std::chrono::hh_mm_ss clock(seconds - days);
  char text[32];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02dZ",
                static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

}  // namespace coffer::attest

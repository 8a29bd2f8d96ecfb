// RFC 3339 timestamps: the dates of DCAP collateral ("issueDate":
// "2025-06-19T10:56:11Z") and the --now of `coffer quote verify`.
//
// Parsing accepts "YYYY-MM-DDTHH:MM:SS", an optional fraction of a second
// (dropped), and "Z" or a "+HH:MM"/"-HH:MM" offset; a lower-case "t"/"z"
// too, as RFC 3339 allows. Anything else, and impossible dates (February
// 30), are kInvalidArgument quoting the text.
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer::attest {

using TimePoint = std::chrono::system_clock::time_point;

StatusOr<TimePoint> ParseRfc3339(std::string_view text);

// UTC with whole seconds: "2025-07-01T00:00:00Z".
std::string FormatRfc3339(TimePoint time);

}  // namespace coffer::attest

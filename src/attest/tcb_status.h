// TCB statuses in Intel's words, and how Intel's Quote Verification
// Library (QVL) combines them.
//
// A platform's TCB status comes from the TCB info level its PCK
// certificate matches; the quoting enclave's from the QE identity level
// its ISV SVN matches; for TDX also the TDX module's. QVL then "converges"
// them: an out-of-date QE or TDX module makes an up-to-date platform
// OutOfDate (OutOfDateConfigurationNeeded if the platform needed
// configuration), and a revoked one makes the whole Revoked.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace coffer::attest {

enum class TcbStatus {
  kUpToDate,
  kSwHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSwHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
  // Not evaluated: a hardware quote verified without collateral, or a
  // simulation quote.
  kUnknown,
};

// Intel's spelling: "UpToDate", "SWHardeningNeeded", ..., "Unknown".
std::string_view TcbStatusName(TcbStatus status);

// The statuses a TCB info level may carry (every one but Unknown).
std::optional<TcbStatus> ParseTcbLevelStatus(std::string_view text);

// The statuses of a QE identity or TDX module identity level: UpToDate,
// OutOfDate or Revoked only.
std::optional<TcbStatus> ParseIdentityLevelStatus(std::string_view text);

// QVL's convergence of a platform (or TDX) TCB level status with the
// status of a component that has its own identity (the QE, the TDX
// module): OutOfDate turns UpToDate and SWHardeningNeeded into OutOfDate
// and the two ConfigurationNeeded statuses into OutOfDateConfigurationNeeded;
// Revoked wins over everything; UpToDate leaves the level status as it is.
TcbStatus ConvergeTcbStatus(TcbStatus level, TcbStatus component);

}  // namespace coffer::attest

#include "attest/tcb_status.h"

namespace coffer::attest {
namespace {

struct StatusName {
  TcbStatus status;
  std::string_view name;
};

constexpr StatusName kNames[] = {
    {TcbStatus::kUpToDate, "UpToDate"},
    {TcbStatus::kSwHardeningNeeded, "SWHardeningNeeded"},
    {TcbStatus::kConfigurationNeeded, "ConfigurationNeeded"},
    {TcbStatus::kConfigurationAndSwHardeningNeeded,
     "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::kOutOfDate, "OutOfDate"},
    {TcbStatus::kOutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"},
    {TcbStatus::kRevoked, "Revoked"},
    {TcbStatus::kUnknown, "Unknown"},
};

}  // namespace

std::string_view TcbStatusName(TcbStatus status) {
  for (const StatusName& entry : kNames) {
    if (entry.status == status) return entry.name;
  }
  return "Unknown";
}

std::optional<TcbStatus> ParseTcbLevelStatus(std::string_view text) {
  for (const StatusName& entry : kNames) {
    if (entry.name == text && entry.status != TcbStatus::kUnknown) {
      return entry.status;
    }
  }
  return std::nullopt;
}

std::optional<TcbStatus> ParseIdentityLevelStatus(std::string_view text) {
  std::optional<TcbStatus> status = ParseTcbLevelStatus(text);
  if (status == TcbStatus::kUpToDate || status == TcbStatus::kOutOfDate ||
      status == TcbStatus::kRevoked) {
    return status;
  }
  return std::nullopt;
}

TcbStatus ConvergeTcbStatus(TcbStatus level, TcbStatus component) {
  if (component == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (component == TcbStatus::kOutOfDate) {
    switch (level) {
      case TcbStatus::kUpToDate:
      case TcbStatus::kSwHardeningNeeded: return TcbStatus::kOutOfDate;
      case TcbStatus::kConfigurationNeeded:
      case TcbStatus::kConfigurationAndSwHardeningNeeded:
        return TcbStatus::kOutOfDateConfigurationNeeded;
      default: break;
    }
  }
  return level;
}

}  // namespace coffer::attest

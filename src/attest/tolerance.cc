#include "attest/tolerance.h"

#include <algorithm>
#include <string_view>

namespace coffer::attest {
namespace {

using policy::Tolerance;

bool Tolerates(const policy::AttestationSecurity& security,
               Tolerance tolerance) {
  return std::find(security.tolerate.begin(), security.tolerate.end(),
                   tolerance) != security.tolerate.end();
}

bool IgnoresAdvisory(const policy::AttestationSecurity& security,
                     std::string_view id) {
  for (const std::string& ignored : security.ignore_advisories) {
    if (ignored == "*" || ignored == id) return true;
  }
  if (Tolerates(security, Tolerance::kHyperthreading)) {
    for (std::string_view advisory : kHyperthreadingAdvisories) {
      if (advisory == id) return true;
    }
  }
  return false;
}

// The tolerances a TCB status needs; Revoked and Unknown are handled
// before.
std::vector<Tolerance> NeededFor(TcbStatus status) {
  switch (status) {
    case TcbStatus::kSwHardeningNeeded:
      return {Tolerance::kSoftwareHardeningNeeded};
    case TcbStatus::kConfigurationNeeded:
      return {Tolerance::kConfigurationNeeded};
    case TcbStatus::kConfigurationAndSwHardeningNeeded:
      return {Tolerance::kConfigurationNeeded,
              Tolerance::kSoftwareHardeningNeeded};
    case TcbStatus::kOutOfDate: return {Tolerance::kOutdatedTcb};
    case TcbStatus::kOutOfDateConfigurationNeeded:
      return {Tolerance::kOutdatedTcb, Tolerance::kConfigurationNeeded};
    default: return {};
  }
}

std::string Quoted(std::string_view name) {
  return "`" + std::string(name) + "`";
}

void CheckTcbStatus(const VerifiedQuote& quote,
                    const policy::AttestationSecurity& security,
                    std::vector<std::string>& problems) {
  const std::string status(TcbStatusName(quote.tcb_status));
  if (quote.tcb_status == TcbStatus::kRevoked) {
    problems.push_back(
        "the platform's TCB status is Revoked: its keys or firmware are "
        "compromised, and no tolerance accepts that");
    return;
  }
  if (quote.tcb_status == TcbStatus::kUnknown) {
    if (quote.type != QuoteType::kSimulation) {
      problems.push_back(
          "the platform's TCB status is Unknown: the quote was verified "
          "without collateral, so nothing is known about its patch level");
    }
    return;
  }
  std::vector<std::string> missing;
  for (Tolerance tolerance : NeededFor(quote.tcb_status)) {
    if (!Tolerates(security, tolerance)) {
      missing.push_back(Quoted(policy::ToleranceName(tolerance)));
    }
  }
  if (missing.empty()) return;
  std::string list = missing.front();
  if (missing.size() == 2) list += " and " + missing.back();
  problems.push_back("the platform's TCB status is " + status +
                     ", which needs `tolerate: [...]` to list " + list);
}

}  // namespace

std::string Verdict::Reason() const {
  std::string reason;
  for (const std::string& problem : problems) {
    if (!reason.empty()) reason += "; ";
    reason += problem;
  }
  return reason;
}

Verdict DecideTolerance(const VerifiedQuote& quote,
                        const policy::AttestationSecurity& security) {
  Verdict verdict;
  if (quote.type == QuoteType::kSimulation &&
      !Tolerates(security, Tolerance::kSimulation)) {
    verdict.problems.push_back(
        "the quote comes from a simulated platform (no SGX hardware, no "
        "memory encryption), which needs `tolerate: [simulation]`");
  }
  if (quote.debug && !Tolerates(security, Tolerance::kDebugMode)) {
    verdict.problems.push_back(
        "the enclave runs in debug mode (the host can read its memory), "
        "which needs `tolerate: [debug-mode]`");
  }
  CheckTcbStatus(quote, security, verdict.problems);
  std::vector<std::string> advisories;
  for (const std::string& id : quote.advisory_ids) {
    if (!IgnoresAdvisory(security, id)) advisories.push_back(id);
  }
  if (!advisories.empty()) {
    std::string list;
    for (const std::string& id : advisories) {
      list += (list.empty() ? "" : ", ") + id;
    }
    verdict.problems.push_back(
        std::string(advisories.size() == 1 ? "advisory " : "advisories ") +
        list + " must be listed in `ignore_advisories` (or \"*\")");
  }
  verdict.accepted = verdict.problems.empty();
  return verdict;
}

}  // namespace coffer::attest

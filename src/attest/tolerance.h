// Whether a policy accepts a verified quote's deviations from a perfect
// attestation: the CAS's decision, after VerifyQuote has established that
// the quote is authentic.
//
// Each deviation needs its tolerance (`security.attestation.tolerate`) or
// an `ignore_advisories` entry:
//   simulation quote                 simulation
//   debug enclave or TD              debug-mode
//   SWHardeningNeeded                software-hardening-needed
//   ConfigurationNeeded              configuration-needed
//   ConfigurationAndSWHardeningNeeded  both of the above
//   OutOfDate                        outdated-tcb
//   OutOfDateConfigurationNeeded     outdated-tcb and configuration-needed
//   Revoked                          nothing: always rejected
//   Unknown (hardware)               nothing: verify with collateral
//   each advisory ID                 listed in ignore_advisories, or "*"
// A simulation quote's TCB status is always Unknown; that is what the
// simulation tolerance accepts.
//
// Hyperthreading: Intel flags platforms whose safety needs hyperthreading
// off through advisories, INTEL-SA-00161 (L1 Terminal Fault) and
// INTEL-SA-00233 (Microarchitectural Data Sampling), under the status
// ConfigurationNeeded. The `hyperthreading` tolerance ignores these two
// advisories; the status itself still needs configuration-needed, because
// Intel's status does not say which configuration is missing.
//
// The verdict lists every deviation that is not tolerated, so that a user
// fixes a policy in one go.
// Thread safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "attest/verified_quote.h"
#include "policy/session.h"

namespace coffer::attest {

struct Verdict {
  bool accepted = false;
  // One sentence per deviation that is not tolerated; empty if accepted.
  std::vector<std::string> problems;

  // The problems joined with "; ", for an error message.
  std::string Reason() const;
};

// The advisories the `hyperthreading` tolerance ignores.
inline constexpr const char* kHyperthreadingAdvisories[] = {"INTEL-SA-00161",
                                                            "INTEL-SA-00233"};

Verdict DecideTolerance(const VerifiedQuote& quote,
                        const policy::AttestationSecurity& security);

}  // namespace coffer::attest

// Host-supplied arguments: where the policy lets the host fill in its
// service's command.
//
// A policy command may hold the placeholders @@1 ... @@9. The host's
// arguments (after `coffer run ... --`) fill them in order: @@N is
// replaced by the N-th host argument wherever it appears in an argument.
// An argument that is exactly "@@N" with no N-th host argument is left
// out, so `command: mariadb @@1 @@2` runs with zero, one or two host
// arguments. Everything else is the policy's: the host cannot add an
// argument the policy has no placeholder for.
//
// Failure (kInvalidArgument, the runtime then starts nothing):
//   "host argument 3 (\"--skip-ssl\") has no @@3 in the policy's command;
//    the policy decides which arguments the host may give"
//   "the policy's command needs host argument 2 (@@2 in one of its
//    arguments); give it after --"
//
// Thread safety: a pure function.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"

namespace coffer::runtime {

// `command` comes from the CAS and may hold secrets, so it stays in
// SecretBytes; it is consumed.
StatusOr<std::vector<crypto::SecretBytes>> FillHostArguments(
    std::vector<crypto::SecretBytes> command,
    std::span<const std::string> host_arguments);

}  // namespace coffer::runtime

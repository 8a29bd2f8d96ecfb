// Attest to the CAS and get the service's configuration: the runtime's
// steps before it can start anything.
//
//   COFFER_ASSIGN_OR_RETURN(AttestedService service,
//                           AttestAndFetch(options));
//
// In order:
//  1. make a fresh P-256 key and a short-lived self-signed certificate;
//  2. connect to the CAS with it and check the CAS's evidence
//     (cas::CheckEvidence) before sending it anything: its measurement
//     must be one of `cas_mrenclaves` (default: this coffer's own, as the
//     CLI does);
//  3. ask the CAS which program the service runs (POST /v1/program), find
//     it (a name without '/' on $PATH, then the system directories) and
//     open it;
//  4. ask the LAS for a quote of that open file whose report data is
//     SHA-256 of the key's SubjectPublicKeyInfo: the LAS measures the file
//     itself; a simulation CAS is accepted only when this quote is a
//     simulation quote too (a service on hardware never trusts a CAS
//     in simulation);
//  5. post the quote on the same connection (POST /v1/provision) and take
//     the configuration.
// The key lives only in this process's memory and goes with it.
//
// Failure, the message saying which step:
//   kUnavailable        the CAS or the LAS cannot be reached
//   kUnauthenticated    the CAS's evidence is not trusted ("the CAS is not
//                       trusted: measurement ... is not one of ...")
//   kPermissionDenied   the CAS refused ("CAS refused: platform ... not
//                       allowed by session db/mariadb") or the LAS did
//   kNotFound           unknown session or service, program not found
//   kInvalidArgument    a malformed address or config ID
//
// Thread safety: independent calls may run concurrently.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cas/cas_client.h"
#include "common/status.h"
#include "las/unique_fd.h"

namespace coffer::runtime {

struct AttestOptions {
  std::string cas_address;  // HOST:PORT, or several members' HOST:PORT,...
  std::string las_socket;
  std::string config_id;  // SESSION/SERVICE
  // Accepted CAS measurements, hex; empty: `coffer measure --self`.
  std::vector<std::string> cas_mrenclaves;
  // $PATH as the host has it, for a program named without '/'.
  std::string search_path;
  std::chrono::system_clock::time_point now;
};

struct AttestedService {
  las::UniqueFd program;  // open for reading: what the LAS measured
  std::string program_path;
  std::string measurement;  // hex, as quoted
  std::string platform_id;
  cas::ServiceConfiguration configuration;
};

StatusOr<AttestedService> AttestAndFetch(const AttestOptions& options);

// The file `program` names: itself if it holds '/', else the first
// executable regular file of that name in `search_path` (':'-separated),
// then in /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin,
// /bin. kNotFound "program \"mariadbd\" is not on PATH (...)".
StatusOr<std::string> FindProgram(const std::string& program,
                                  const std::string& search_path);

}  // namespace coffer::runtime

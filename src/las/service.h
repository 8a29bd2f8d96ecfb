// The LAS's request handling: platform ID, quotes and seal keys.
//
// Independent of sockets so that the rules read in one place:
// - platform-id is answered to anyone who can connect;
// - quote and seal-key only to the genuine runtime: the peer's executable
//   must hash to `expected_runtime` (peer.h has the caveats);
// - the LAS computes the measurement itself: of the program descriptor
//   passed with the request, or, without one, of the peer's own executable
//   (the `coffer las quote` diagnostic, whose mr_enclave therefore equals
//   `coffer measure --self`). The runtime identity in both is the peer's.
// Every answer to untrusted input is a response, never a crash; refusals
// and bad requests are logged (without secrets) and counted.
//
// Thread safety: Handle may be called concurrently from connection threads;
// the Service and the Platform it borrows are read-only after Create.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "las/peer.h"
#include "las/platform.h"
#include "las/unique_fd.h"

namespace coffer::las {

struct ServiceConfig {
  // Who may have quotes and seal keys. In production: the hash of the LAS's
  // own executable (the coffer binary also runs the runtime).
  crypto::Sha256Digest expected_runtime{};
  // The QE report's mr_enclave: the hash of the LAS's own executable.
  crypto::Sha256Digest las_identity{};
  // Other coffer builds that may run services here too (`las serve
  // --runtime`): during an upgrade the old and the next build both run.
  std::vector<crypto::Sha256Digest> other_runtimes;
};

class Service {
 public:
  // Borrows `platform`, which must outlive the Service. Makes this run's
  // attestation key. Failure: kInternal if no key can be generated.
  static StatusOr<std::unique_ptr<Service>> Create(const Platform& platform,
                                                   const ServiceConfig& config);

  // Answers one request frame from `peer`. `fds` are the descriptors that
  // came with it (at most one is accepted: the program).
  std::string Handle(std::string_view request, std::vector<UniqueFd> fds,
                     const PeerProcess& peer) const;

  const Platform& platform() const { return platform_; }

  // Requests answered with an error (bad input or refusal), since start.
  uint64_t errors() const { return errors_.load(); }
  uint64_t requests() const { return requests_.load(); }

 private:
  Service(const Platform& platform, const ServiceConfig& config,
          crypto::PrivateKey attestation_key)
      : platform_(platform),
        config_(config),
        attestation_key_(std::move(attestation_key)) {}

  StatusOr<std::string> HandleRequest(std::string_view request,
                                      std::vector<UniqueFd> fds,
                                      const PeerProcess& peer) const;

  const Platform& platform_;
  const ServiceConfig config_;
  const crypto::PrivateKey attestation_key_;
  mutable std::atomic<uint64_t> requests_{0};
  mutable std::atomic<uint64_t> errors_{0};
};

}  // namespace coffer::las

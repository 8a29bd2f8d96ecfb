// A client of the LAS: what the CLI and the runtime use to ask for
// platform IDs, quotes and seal keys.
//
// Each call opens its own connection, sends one request and waits for the
// answer (at most `timeout`; measuring a large program can take seconds).
// Failure: kUnavailable when the LAS cannot be reached (the message names
// the socket and how to start one) or answers nonsense; otherwise the code
// and message the LAS answered with, e.g. kPermissionDenied "peer is not the
// Coffer runtime: ...".
//
// Thread safety: a Client is immutable; calls may run concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace coffer::las {

// $XDG_DATA_HOME/coffer/las, else $HOME/.local/share/coffer/las, else
// /var/lib/coffer/las: where `coffer las serve` keeps its platform by
// default.
std::string DefaultDataDir();
// $COFFER_LAS_ADDR, else DefaultDataDir() + "/las.sock", so that a LAS and
// its clients started by the same user with no options find each other.
std::string DefaultSocketPath();

struct QuoteReply {
  Bytes quote;
  crypto::Sha256Digest mr_enclave{};
  crypto::Sha256Digest mr_signer{};
  std::string platform_id;
};

struct SealKeyReply {
  crypto::SecretBytes key;
  crypto::Sha256Digest mr_enclave{};
};

class Client {
 public:
  explicit Client(std::string socket_path,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}

  // The LAS's platform ID, 64 lower-case hex digits.
  StatusOr<std::string> PlatformId() const;

  // A quote for `program_fd` (measured by the LAS) or, with -1, for this
  // process's own executable. `report_data`: 1 to 64 bytes.
  StatusOr<QuoteReply> Quote(std::span<const uint8_t> report_data,
                             int program_fd = -1) const;

  // The seal key of `program_fd`'s measurement (or this executable's).
  StatusOr<SealKeyReply> SealKey(int program_fd = -1) const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  StatusOr<std::string> Call(const std::string& request, int fd) const;

  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace coffer::las

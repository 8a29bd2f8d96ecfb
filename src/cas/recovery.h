// Recovery keys: opt-in, for when every CAS member is lost.
//
// When a state is made with recovery officers (`coffer cas serve --owner
// ... --recovery-officer PUB.pem ... --recovery-threshold K`), the state key
// is split (Shamir, crypto/shamir.h) into one share per officer, each
// sealed to that officer's P-256 public key (crypto/sealed_box.h), and the
// sealed shares are written to DIR/recovery.json. The file holds nothing
// that opens without K officers' private keys; keep it with the backups of
// DIR/cas-state.db.
//
// Recovery: a CAS started with `--recover` on a copy of a lost member's
// directory (its state key sealed for a build or platform that is gone)
// serves only its evidence and the recovery routes, with a fresh TLS key
// its quote binds. Each officer (`coffer cas recover`) checks that
// evidence, opens their share with their private key and seals it again to
// that attested key. With K shares the CAS combines them, checks that the
// key opens the state, seals it with its own seal key and serves the old
// state, every session and secret unchanged. With fewer, or a wrong share,
// nothing opens. Trade-off: K officers together hold the state key outside
// any CAS; that is why it is off by default.
//
// Thread safety: RecoveryServer's methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/keys.h"
#include "crypto/secret.h"

namespace coffer::cas {

inline constexpr char kRecoveryFileName[] = "recovery.json";

struct RecoveryShare {
  std::string officer;  // hex SHA-256 of the officer's public key (SPKI)
  uint8_t x = 0;        // the share's point
  Bytes sealed;         // to the officer's key
};

struct RecoveryFile {
  int threshold = 0;
  std::vector<RecoveryShare> shares;
};

// The associated data binding a sealed share to its officer and point; a
// share re-sealed to the recovering CAS carries `to_cas`.
Bytes RecoveryShareAd(const std::string& officer, uint8_t x, bool to_cas);

// Splits `state_key` for `officers` (threshold `threshold`) and writes
// DIR/recovery.json. Failure: kInvalidArgument for a threshold out of
// 1..officers or an officer key that is not P-256.
Status WriteRecoveryShares(const std::string& data_dir,
                           const crypto::SecretBytes& state_key,
                           const std::vector<crypto::PublicKey>& officers,
                           int threshold);

// Failure: kNotFound when missing ("no recovery.json: this state was made
// without recovery officers"); kDataLoss when it is not such a file.
StatusOr<RecoveryFile> ReadRecoveryFile(const std::string& path);
// The same for the file's text; `path` names it in messages.
StatusOr<RecoveryFile> ParseRecoveryFile(std::string_view text,
                                         const std::string& path);

// The shares a recovering CAS collects; `key` is its TLS key, to which the
// officers seal their shares.
class RecoveryServer {
 public:
  RecoveryServer(RecoveryFile file, crypto::PrivateKey key);

  // Opens and keeps an officer's share. Failure: kPermissionDenied for an
  // officer not in the file or a share that does not open.
  Status AddShare(const std::string& officer, const Bytes& box);
  // {"threshold", "received", "officers": [those who gave theirs]}.
  std::string StatusJson() const;
  // Once `threshold` shares are in: the combined key. `accept` checks it
  // (opens the state); if it refuses, the shares are dropped.
  // Failure: kFailedPrecondition for too few shares, `accept`'s error.
  Status TryRecover(
      const std::function<Status(const crypto::SecretBytes&)>& accept);
  // Blocks until TryRecover succeeded or `stop` returns true (checked
  // every 200 ms).
  bool WaitRecovered(const std::function<bool()>& stop);
  std::vector<std::string> contributors() const;

 private:
  const RecoveryFile file_;
  const crypto::PrivateKey key_;
  mutable std::mutex mu_;
  std::condition_variable recovered_cv_;
  std::vector<std::pair<std::string, crypto::SecretBytes>> shares_;  // mu_
  std::vector<uint8_t> points_;                                      // mu_
  bool recovered_ = false;                                           // mu_
};

}  // namespace coffer::cas

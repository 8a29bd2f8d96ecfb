// ClientConfig: the CAS owner's local state, the directory $COFFER_CONFIG
// (default ~/.config/coffer):
//
//   identity-key.pem    the user's P-256 key, PKCS#8 PEM, mode 0600; made on
//                       first use. Its SubjectPublicKeyInfo's SHA-256 is
//                       the user's identity, what a session's
//                       access_policy lists (`coffer cas whoami`).
//   identity-cert.pem   a self-signed certificate for that key, which the
//                       CLI presents as its TLS client certificate; made
//                       again from the key when missing, expired or not
//                       for the key.
//   cas/HOST_PORT.pem   the certificate of each attested CAS, mode 0600,
//                       pinned by `coffer cas attest` and required by every
//                       later connection to that address.
//
// Directories are created with mode 0700. Files are refused, never silently
// fixed, when others could have read or changed them:
//   kPermissionDenied "identity key /home/u/.config/coffer/identity-key.pem
//                     has mode 0644: it must be readable by you only; run
//                     chmod 600 /home/u/.config/coffer/identity-key.pem"
//   (the same for a key file owned by another user, a pinned certificate
//   or a configuration directory that others may write to).
// A corrupt key is kDataLoss naming the file; Coffer never replaces a key
// by itself, because a new key is a new identity that policies do not list.
// File-system errors keep their errno-derived code and name the path.
//
// Thread safety: a ClientConfig is immutable; its methods may be called
// from any thread, but two processes making the identity at the same
// moment may each make one (the last rename wins). UserIdentity is a plain
// value.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "net/tls.h"

namespace coffer::cas {

inline constexpr char kIdentityKeyFile[] = "identity-key.pem";
inline constexpr char kIdentityCertificateFile[] = "identity-cert.pem";
inline constexpr char kPinDirectory[] = "cas";

// $COFFER_CONFIG if set and not empty, else $HOME/.config/coffer.
// kFailedPrecondition when neither COFFER_CONFIG nor HOME is set.
StatusOr<std::string> DefaultConfigDirectory();

// The user's key and the certificate the CLI presents in TLS.
struct UserIdentity {
  crypto::PrivateKey key;
  crypto::Certificate certificate;
  // Lower-case hex SHA-256 of the key's SubjectPublicKeyInfo DER.
  std::string hash;

  // Borrows this object: use it only while the identity lives.
  net::TlsIdentity tls() const { return {&key, {&certificate, 1}}; }
};

class ClientConfig {
 public:
  // Creates `directory` (and missing parents) with mode 0700 if needed.
  // Failure: kPermissionDenied for a directory that others may write to or
  // that belongs to another user; kFailedPrecondition if it is not a
  // directory; file-system errors.
  static StatusOr<ClientConfig> Open(std::string directory);

  const std::string& directory() const { return directory_; }

  // Loads the identity, making the key (and its certificate) on first use.
  // `now` dates a new certificate. Failure: see the file comment.
  StatusOr<UserIdentity> LoadOrCreateIdentity(
      std::chrono::system_clock::time_point now) const;

  // The pinned certificate of the CAS at `address` ("host:port"), or
  // nullopt if it was never attested. Failure: kPermissionDenied for a pin
  // file others may write to; kDataLoss for one that does not parse.
  StatusOr<std::optional<crypto::Certificate>> LoadPin(
      std::string_view address) const;
  // Pins `certificate` for `address`, replacing an earlier pin.
  Status SavePin(std::string_view address,
                 const crypto::Certificate& certificate) const;
  // Where the pin of `address` lives: DIR/cas/NAME.pem, NAME being the
  // address with ':' written as '_' and every character other than
  // A-Z a-z 0-9 . - as %XX ("127.0.0.1:8081" -> "127.0.0.1_8081.pem",
  // "[::1]:8081" -> "%5B__1%5D_8081.pem"), so two addresses never share a
  // file.
  std::string PinPath(std::string_view address) const;

 private:
  explicit ClientConfig(std::string directory)
      : directory_(std::move(directory)) {}

  std::string directory_;
};

}  // namespace coffer::cas

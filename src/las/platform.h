// The platform: the LAS's persistent identity, kept in its data directory.
//
// A data directory (created 0700) holds
//   platform-key.pem   the platform key, P-256, PKCS#8 PEM, mode 0600;
//   sealing-secret     32 random bytes, mode 0600, the root of seal keys;
//   platform-cert.pem  the self-signed platform certificate (public).
// The platform ID is the lower-case hex SHA-256 of the platform public key's
// SubjectPublicKeyInfo DER: two data directories are two platforms.
//
// The first start creates the key and the secret; later starts load them and
// never replace them, since a new key is a new platform ID (policies that
// pin the old one stop working) and a new secret makes every sealed state
// unreadable. A missing, unreadable or corrupt file is an error that names
// the file and what to do; only the certificate, which is public and derived
// from the key, is re-made when it is missing.
//
// Thread safety: a Platform is immutable after OpenOrCreate; its const
// methods may be called from any thread. Two processes must not create the
// same directory at the same moment (one LAS per data directory).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/secret.h"

namespace coffer::las {

inline constexpr char kPlatformKeyFile[] = "platform-key.pem";
inline constexpr char kSealingSecretFile[] = "sealing-secret";
inline constexpr char kPlatformCertificateFile[] = "platform-cert.pem";
inline constexpr size_t kSealingSecretSize = 32;

// Lower-case hex SHA-256 of `key`'s SubjectPublicKeyInfo DER.
std::string PlatformIdOf(const crypto::PublicKey& key);

class Platform {
 public:
  // Loads the platform in `data_dir`, creating the directory and the files
  // on first use. `now` dates a new certificate.
  // Failure: kDataLoss for a corrupt or incomplete directory;
  // kPermissionDenied / kNotFound / kUnavailable for file-system errors;
  // each message names the file and the remedy.
  static StatusOr<std::unique_ptr<Platform>> OpenOrCreate(
      const std::string& data_dir, std::chrono::system_clock::time_point now);

  const std::string& data_dir() const { return data_dir_; }
  const std::string& id() const { return id_; }
  const crypto::PrivateKey& key() const { return key_; }
  const crypto::Certificate& certificate() const { return certificate_; }
  const std::string& certificate_pem() const { return certificate_pem_; }
  const crypto::SecretBytes& sealing_secret() const { return sealing_secret_; }

 private:
  Platform(std::string data_dir, crypto::PrivateKey key,
           crypto::Certificate certificate, crypto::SecretBytes secret);

  std::string data_dir_;
  crypto::PrivateKey key_;
  crypto::Certificate certificate_;
  std::string certificate_pem_;
  crypto::SecretBytes sealing_secret_;
  std::string id_;
};

}  // namespace coffer::las

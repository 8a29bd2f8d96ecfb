#include "las/platform.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "las/platform_certificate.h"

namespace coffer::las {
namespace {

constexpr size_t kMaxKeyFileSize = 64u << 10;

// Why Coffer will not fix a damaged directory by itself.
constexpr char kNoRegeneration[] =
    "Coffer never replaces it by itself: a new platform key is a new "
    "platform ID, and a new sealing secret makes all sealed data "
    "unreadable";

StatusOr<bool> Exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoError("stat", path, errno);
}

// std::string cannot wipe itself; this does, for key files read as text.
struct WipedString {
  std::string text;
  ~WipedString() { OPENSSL_cleanse(text.data(), text.size()); }
};

void WarnIfExposed(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    Log(LogLevel::kWarning, "secret file is readable by others; chmod 600 it",
        {{"path", path}});
  }
}

StatusOr<crypto::PrivateKey> LoadKey(const std::string& path) {
  WarnIfExposed(path);
  StatusOr<std::string> pem = ReadFile(path, kMaxKeyFileSize);
  if (!pem.ok()) {
    return Status(pem.status().code(),
                  "cannot read the platform key: " + pem.status().message() +
                      ". Fix its permissions or restore it from a backup; " +
                      kNoRegeneration);
  }
  WipedString text{std::move(pem).value()};
  StatusOr<crypto::PrivateKey> key = crypto::PrivateKey::FromPem(text.text);
  if (!key.ok()) {
    return DataLossError(
        "the platform key " + path + " is corrupt (" + key.status().message() +
        "). Restore it from a backup, or move the data directory away to "
        "create a new platform with a new platform ID; " +
        kNoRegeneration);
  }
  if (key->type() != crypto::KeyType::kP256) {
    return DataLossError("the platform key " + path + " is " +
                         std::string(crypto::KeyTypeName(key->type())) +
                         ", not P-256");
  }
  return key;
}

StatusOr<crypto::SecretBytes> LoadSecret(const std::string& path) {
  WarnIfExposed(path);
  StatusOr<std::string> bytes = ReadFile(path, kSealingSecretSize + 1);
  if (!bytes.ok() || bytes->size() != kSealingSecretSize) {
    const std::string problem =
        bytes.ok()
            ? "it is not " + std::to_string(kSealingSecretSize) + " bytes long"
            : bytes.status().message();
    if (bytes.ok()) OPENSSL_cleanse(bytes->data(), bytes->size());
    return DataLossError("cannot use the sealing secret " + path + ": " +
                         problem + ". Restore it from a backup; " +
                         kNoRegeneration);
  }
  WipedString text{std::move(bytes).value()};
  return crypto::SecretBytes(AsBytes(text.text));
}

StatusOr<crypto::Certificate> LoadOrMakeCertificate(
    const std::string& path, const crypto::PrivateKey& key,
    std::chrono::system_clock::time_point now) {
  COFFER_ASSIGN_OR_RETURN(bool exists, Exists(path));
  if (exists) {
    COFFER_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, kMaxKeyFileSize));
    StatusOr<crypto::Certificate> certificate =
        crypto::Certificate::FromPem(pem);
    if (!certificate.ok() ||
        certificate->PublicKeyDer() != key.PublicKeyDer()) {
      return DataLossError(
          "the platform certificate " + path +
          (certificate.ok()
               ? " is not for the platform key"
               : " is corrupt (" + certificate.status().message() + ")") +
          ". Delete it: the LAS makes a new one from the platform key");
    }
    return certificate;
  }
  COFFER_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                          MakePlatformCertificate(key, now));
  COFFER_RETURN_IF_ERROR(WriteFileAtomic(path, certificate.ToPem(), 0644));
  return certificate;
}

}  // namespace

std::string PlatformIdOf(const crypto::PublicKey& key) {
  return HexEncode(crypto::Sha256(key.ToDer()));
}

Platform::Platform(std::string data_dir, crypto::PrivateKey key,
                   crypto::Certificate certificate, crypto::SecretBytes secret)
    : data_dir_(std::move(data_dir)),
      key_(std::move(key)),
      certificate_(std::move(certificate)),
      certificate_pem_(certificate_.ToPem()),
      sealing_secret_(std::move(secret)),
      id_(PlatformIdOf(key_.public_key())) {}

StatusOr<std::unique_ptr<Platform>> Platform::OpenOrCreate(
    const std::string& data_dir, std::chrono::system_clock::time_point now) {
  COFFER_RETURN_IF_ERROR(MakeDirectories(data_dir, 0700));
  const std::string key_path = data_dir + "/" + kPlatformKeyFile;
  const std::string secret_path = data_dir + "/" + kSealingSecretFile;
  COFFER_ASSIGN_OR_RETURN(bool key_exists, Exists(key_path));
  COFFER_ASSIGN_OR_RETURN(bool secret_exists, Exists(secret_path));

  StatusOr<crypto::PrivateKey> key = InternalError("unset");
  StatusOr<crypto::SecretBytes> secret = InternalError("unset");
  if (key_exists) {
    key = LoadKey(key_path);
    if (!key.ok()) return key.status();
    if (!secret_exists) {
      return DataLossError("the sealing secret " + secret_path +
                           " is missing. Restore it from a backup; " +
                           kNoRegeneration);
    }
    secret = LoadSecret(secret_path);
    if (!secret.ok()) return secret.status();
  } else {
    if (secret_exists) {
      return DataLossError(
          "the platform key " + key_path + " is missing but " + secret_path +
          " exists. Restore the key from a backup, or delete " + secret_path +
          " to create a new platform (sealed data is then lost); " +
          kNoRegeneration);
    }
    key = crypto::PrivateKey::Generate(crypto::KeyType::kP256);
    if (!key.ok()) return key.status();
    secret = crypto::RandomSecret(kSealingSecretSize);
    if (!secret.ok()) return secret.status();
    // The secret first: the key's presence marks a complete directory.
    COFFER_RETURN_IF_ERROR(WriteFileAtomic(secret_path, secret->span()));
    COFFER_RETURN_IF_ERROR(WriteFileAtomic(key_path, key->ToPem().span()));
    Log(LogLevel::kInfo, "created a new platform", {{"data_dir", data_dir}});
  }
  COFFER_ASSIGN_OR_RETURN(
      crypto::Certificate certificate,
      LoadOrMakeCertificate(data_dir + "/" + kPlatformCertificateFile, *key,
                            now));
  return std::unique_ptr<Platform>(
      new Platform(data_dir, std::move(key).value(), std::move(certificate),
                   std::move(secret).value()));
}

}  // namespace coffer::las

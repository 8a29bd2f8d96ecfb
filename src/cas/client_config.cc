#include "cas/client_config.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/hash.h"

namespace coffer::cas {
namespace {

using std::chrono::system_clock;

constexpr size_t kMaxFileSize = 64u << 10;
// A new identity certificate is valid from an hour before `now` (clock skew
// between the user's machine and the CAS) for ten years; it is made again
// from the same key a day before it expires.
constexpr std::chrono::hours kBackdating{1};
constexpr std::chrono::seconds kCertificateLifetime{std::chrono::hours(24) *
                                                    3653};
constexpr std::chrono::hours kRenewBefore{24};

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// stat's answer, or nullopt when nothing is at `path`.
StatusOr<std::optional<struct stat>> StatPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return std::optional<struct stat>(st);
  if (errno == ENOENT) return std::optional<struct stat>();
  return ErrnoError("stat", path, errno);
}

// Refuses a file (or directory) that belongs to another user or whose mode
// has any bit of `forbidden`: `what` names it, `remedy_mode` is what to
// chmod it to.
Status CheckPrivate(const std::string& path, const struct stat& st,
                    std::string_view what, mode_t forbidden,
                    std::string_view remedy_mode,
                    std::string_view requirement) {
  if (st.st_uid != ::geteuid()) {
    return PermissionDeniedError(
        std::string(what) + " " + path + " belongs to another user (uid " +
        std::to_string(st.st_uid) + "); Coffer uses only your own files");
  }
  if ((st.st_mode & forbidden) != 0) {
    return PermissionDeniedError(std::string(what) + " " + path + " has mode " +
                                 ModeText(st.st_mode) + ": it must be " +
                                 std::string(requirement) + "; run chmod " +
                                 std::string(remedy_mode) + " " + path);
  }
  return OkStatus();
}

// The escaped address: see PinPath.
std::string PinFileName(std::string_view address) {
  std::string name;
  for (char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '.' || c == '-') {
      name += c;
    } else if (c == ':') {
      name += '_';
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
      name += escaped;
    }
  }
  return name + ".pem";
}

StatusOr<crypto::PrivateKey> LoadKey(const std::string& path) {
  StatusOr<std::string> pem = ReadFile(path, kMaxFileSize);
  if (!pem.ok()) {
    return pem.status().WithContext("cannot read your identity key");
  }
  StatusOr<crypto::PrivateKey> key = crypto::PrivateKey::FromPem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key.ok()) {
    return DataLossError(
        "your identity key " + path + " is corrupt (" + key.status().message() +
        "). Restore it from a backup, or move it away to make a new "
        "identity (sessions that list the old one will not know you)");
  }
  return key;
}

bool UsableCertificate(const crypto::Certificate& certificate,
                       const crypto::PrivateKey& key,
                       system_clock::time_point now) {
  return certificate.PublicKeyDer() == key.PublicKeyDer() &&
         certificate.not_before() <= now &&
         now + kRenewBefore < certificate.not_after();
}

StatusOr<crypto::Certificate> LoadOrMakeCertificate(
    const std::string& path, const crypto::PrivateKey& key,
    const std::string& hash, system_clock::time_point now) {
  COFFER_ASSIGN_OR_RETURN(std::optional<struct stat> st, StatPath(path));
  if (st.has_value()) {
    // Public and derived from the key: a damaged one is simply made again.
    StatusOr<std::string> pem = ReadFile(path, kMaxFileSize);
    if (pem.ok()) {
      StatusOr<crypto::Certificate> certificate =
          crypto::Certificate::FromPem(*pem);
      if (certificate.ok() && UsableCertificate(*certificate, key, now)) {
        return certificate;
      }
    }
  }
  COFFER_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                          net::MakeSelfSignedIdentityCertificate(
                              key, "coffer user " + hash.substr(0, 16),
                              now - kBackdating, kCertificateLifetime));
  COFFER_RETURN_IF_ERROR(WriteFileAtomic(path, certificate.ToPem(), 0600));
  return certificate;
}

}  // namespace

StatusOr<std::string> DefaultConfigDirectory() {
  // Read once per command on the main thread; nothing of ours changes the
  // environment. NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* dir = std::getenv("COFFER_CONFIG"); dir && *dir) return dir;
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.config/coffer";
  }
  return FailedPreconditionError(
      "neither COFFER_CONFIG nor HOME is set: set COFFER_CONFIG to the "
      "directory that holds your Coffer identity");
}

StatusOr<ClientConfig> ClientConfig::Open(std::string directory) {
  COFFER_RETURN_IF_ERROR(MakeDirectories(directory, 0700));
  COFFER_ASSIGN_OR_RETURN(std::optional<struct stat> st, StatPath(directory));
  if (!st.has_value() || !S_ISDIR(st->st_mode)) {
    return FailedPreconditionError("the Coffer configuration " + directory +
                                   " is not a directory");
  }
  COFFER_RETURN_IF_ERROR(CheckPrivate(directory, *st,
                                      "the configuration directory", 022, "700",
                                      "writable by you only"));
  return ClientConfig(std::move(directory));
}

StatusOr<UserIdentity> ClientConfig::LoadOrCreateIdentity(
    system_clock::time_point now) const {
  const std::string key_path = directory_ + "/" + kIdentityKeyFile;
  COFFER_ASSIGN_OR_RETURN(std::optional<struct stat> st, StatPath(key_path));
  StatusOr<crypto::PrivateKey> key = InternalError("unset");
  if (st.has_value()) {
    COFFER_RETURN_IF_ERROR(CheckPrivate(key_path, *st, "identity key", 077,
                                        "600", "readable by you only"));
    key = LoadKey(key_path);
  } else {
    key = crypto::PrivateKey::Generate(crypto::KeyType::kP256);
    if (key.ok()) {
      COFFER_RETURN_IF_ERROR(WriteFileAtomic(key_path, key->ToPem().span()));
    }
  }
  if (!key.ok()) return key.status();
  std::string hash = HexEncode(crypto::Sha256(key->PublicKeyDer()));
  COFFER_ASSIGN_OR_RETURN(
      crypto::Certificate certificate,
      LoadOrMakeCertificate(directory_ + "/" + kIdentityCertificateFile, *key,
                            hash, now));
  return UserIdentity{std::move(key).value(), std::move(certificate),
                      std::move(hash)};
}

std::string ClientConfig::PinPath(std::string_view address) const {
  return directory_ + "/" + kPinDirectory + "/" + PinFileName(address);
}

StatusOr<std::optional<crypto::Certificate>> ClientConfig::LoadPin(
    std::string_view address) const {
  const std::string path = PinPath(address);
  COFFER_ASSIGN_OR_RETURN(std::optional<struct stat> st, StatPath(path));
  if (!st.has_value()) return std::optional<crypto::Certificate>();
  COFFER_RETURN_IF_ERROR(CheckPrivate(path, *st, "pinned CAS certificate", 022,
                                      "600", "writable by you only"));
  COFFER_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, kMaxFileSize));
  StatusOr<crypto::Certificate> certificate = crypto::Certificate::FromPem(pem);
  if (!certificate.ok()) {
    return DataLossError("pinned CAS certificate " + path + " is corrupt (" +
                         certificate.status().message() +
                         "); run coffer cas attest " + std::string(address) +
                         " again");
  }
  return std::optional<crypto::Certificate>(std::move(certificate).value());
}

Status ClientConfig::SavePin(std::string_view address,
                             const crypto::Certificate& certificate) const {
  COFFER_RETURN_IF_ERROR(
      MakeDirectories(directory_ + "/" + kPinDirectory, 0700));
  return WriteFileAtomic(PinPath(address), certificate.ToPem(), 0600);
}

}  // namespace coffer::cas

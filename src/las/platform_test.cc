#include "las/platform.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "las/platform_certificate.h"
#include "las/test_util.h"

namespace coffer::las {
namespace {

using testing::TempDir;

// A fixed "now", as every test in Coffer injects its clock.
const auto kNow =
    std::chrono::system_clock::from_time_t(1748736000);  // 2025-06-01

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::unique_ptr<Platform> Open(const std::string& dir) {
  StatusOr<std::unique_ptr<Platform>> platform =
      Platform::OpenOrCreate(dir, kNow);
  EXPECT_TRUE(platform.ok()) << platform.status().ToString();
  return platform.ok() ? std::move(platform).value() : nullptr;
}

TEST(PlatformTest, FirstStartCreatesPrivateFiles) {
  TempDir tmp;
  const std::string dir = tmp.File("data/las");
  auto platform = Open(dir);
  ASSERT_NE(platform, nullptr);
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/platform-key.pem"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/sealing-secret"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/platform-cert.pem"), 0644u);
  EXPECT_TRUE(IsHex(platform->id(), 64)) << platform->id();
  EXPECT_EQ(platform->sealing_secret().size(), kSealingSecretSize);
  EXPECT_EQ(platform->key().type(), crypto::KeyType::kP256);
}

TEST(PlatformTest, IdIsTheHashOfThePublicKey) {
  TempDir tmp;
  auto platform = Open(tmp.path());
  ASSERT_NE(platform, nullptr);
  EXPECT_EQ(platform->id(),
            HexEncode(crypto::Sha256(platform->key().PublicKeyDer())));
  EXPECT_EQ(platform->id(),
            HexEncode(crypto::Sha256(platform->certificate().PublicKeyDer())));
}

TEST(PlatformTest, StableAcrossRestartsDistinctBetweenDirectories) {
  TempDir tmp;
  auto first = Open(tmp.File("a"));
  auto again = Open(tmp.File("a"));
  auto other = Open(tmp.File("b"));
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(first->id(), again->id());
  EXPECT_TRUE(crypto::ConstantTimeEquals(first->sealing_secret().span(),
                                         again->sealing_secret().span()));
  EXPECT_EQ(first->certificate_pem(), again->certificate_pem());
  EXPECT_NE(first->id(), other->id());
  EXPECT_FALSE(crypto::ConstantTimeEquals(first->sealing_secret().span(),
                                          other->sealing_secret().span()));
}

TEST(PlatformTest, CertificateFollowsTheContract) {
  TempDir tmp;
  auto platform = Open(tmp.path());
  ASSERT_NE(platform, nullptr);
  const crypto::Certificate& certificate = platform->certificate();
  EXPECT_EQ(certificate.common_name(), kPlatformCommonName);
  EXPECT_EQ(certificate.subject(), certificate.issuer());
  EXPECT_FALSE(certificate.IsCa());
  EXPECT_EQ(X509_get_key_usage(certificate.native()), KU_DIGITAL_SIGNATURE);
  EXPECT_EQ(X509_get_extension_flags(certificate.native()) & EXFLAG_XKUSAGE,
            0U);
  EXPECT_EQ(certificate.not_before(), kNow);
  EXPECT_EQ(certificate.not_after(), kNow + kPlatformCertificateValidity);
  // Self-signed: its own key verifies its signature.
  StatusOr<crypto::PublicKey> key = certificate.public_key();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(X509_verify(certificate.native(), key->native()), 1);
}

TEST(PlatformTest, MissingCertificateIsRemadeForTheSameKey) {
  TempDir tmp;
  auto first = Open(tmp.path());
  ASSERT_NE(first, nullptr);
  std::filesystem::remove(tmp.File("platform-cert.pem"));
  auto again = Open(tmp.path());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->id(), first->id());
  EXPECT_TRUE(std::filesystem::exists(tmp.File("platform-cert.pem")));
}

TEST(PlatformTest, CorruptKeyIsAnErrorNotANewPlatform) {
  TempDir tmp;
  ASSERT_NE(Open(tmp.path()), nullptr);
  const std::string key_path = tmp.File("platform-key.pem");
  testing::WriteBytes(key_path, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 0600);
  StatusOr<std::unique_ptr<Platform>> platform =
      Platform::OpenOrCreate(tmp.path(), kNow);
  ASSERT_FALSE(platform.ok());
  EXPECT_EQ(platform.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(platform.status().message().find(key_path + " is corrupt"),
            std::string::npos)
      << platform.status().ToString();
  EXPECT_NE(platform.status().message().find("Restore it from a backup"),
            std::string::npos);
  EXPECT_EQ(testing::ReadBytes(key_path), "-----BEGIN PRIVATE KEY-----\nAAAA\n")
      << "the key file must be left alone";
}

TEST(PlatformTest, UnreadableKeyNamesTheFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir tmp;
  ASSERT_NE(Open(tmp.path()), nullptr);
  const std::string key_path = tmp.File("platform-key.pem");
  ASSERT_EQ(::chmod(key_path.c_str(), 0), 0);
  StatusOr<std::unique_ptr<Platform>> platform =
      Platform::OpenOrCreate(tmp.path(), kNow);
  EXPECT_EQ(platform.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(platform.status().message().find(key_path), std::string::npos)
      << platform.status().ToString();
  EXPECT_NE(platform.status().message().find("Fix its permissions"),
            std::string::npos);
}

TEST(PlatformTest, IncompleteDirectoriesAreErrors) {
  TempDir tmp;
  ASSERT_NE(Open(tmp.path()), nullptr);
  const std::string secret_path = tmp.File("sealing-secret");
  testing::WriteBytes(secret_path, "short", 0600);
  StatusOr<std::unique_ptr<Platform>> short_secret =
      Platform::OpenOrCreate(tmp.path(), kNow);
  EXPECT_EQ(short_secret.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(short_secret.status().message().find(secret_path),
            std::string::npos);
  EXPECT_NE(short_secret.status().message().find("not 32 bytes long"),
            std::string::npos);

  std::filesystem::remove(secret_path);
  StatusOr<std::unique_ptr<Platform>> no_secret =
      Platform::OpenOrCreate(tmp.path(), kNow);
  EXPECT_EQ(no_secret.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(no_secret.status().message().find("is missing"), std::string::npos);

  TempDir other;
  testing::WriteBytes(other.File("sealing-secret"), std::string(32, 'x'), 0600);
  StatusOr<std::unique_ptr<Platform>> no_key =
      Platform::OpenOrCreate(other.path(), kNow);
  EXPECT_EQ(no_key.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(no_key.status().message().find("platform-key.pem is missing"),
            std::string::npos)
      << no_key.status().ToString();
}

TEST(PlatformTest, CertificateOfAnotherKeyIsRefused) {
  TempDir tmp;
  TempDir other;
  ASSERT_NE(Open(tmp.path()), nullptr);
  ASSERT_NE(Open(other.path()), nullptr);
  testing::CopyFile(other.File("platform-cert.pem"),
                    tmp.File("platform-cert.pem"));
  StatusOr<std::unique_ptr<Platform>> platform =
      Platform::OpenOrCreate(tmp.path(), kNow);
  EXPECT_EQ(platform.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(platform.status().message().find("is not for the platform key"),
            std::string::npos)
      << platform.status().ToString();
}

}  // namespace
}  // namespace coffer::las

#include "cas/client_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "common/files.h"
#include "crypto/hash.h"
#include "crypto/test_pki.h"
#include "las/test_util.h"
#include "net/test_support.h"

namespace coffer::cas {
namespace {

using crypto::testing::ValueOrDie;
using las::testing::TempDir;

const auto kNow = std::chrono::system_clock::from_time_t(1748736000);

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(ClientConfigTest, CreatesThePrivateDirectoryAndIdentity) {
  TempDir temp;
  const std::string dir = temp.File("home/.config/coffer");
  ClientConfig config = ValueOrDie(ClientConfig::Open(dir));
  EXPECT_EQ(config.directory(), dir);
  EXPECT_EQ(ModeOf(dir), 0700u);

  UserIdentity identity = ValueOrDie(config.LoadOrCreateIdentity(kNow));
  EXPECT_EQ(ModeOf(dir + "/identity-key.pem"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/identity-cert.pem"), 0600u);
  EXPECT_EQ(identity.key.type(), crypto::KeyType::kP256);
  EXPECT_EQ(identity.hash,
            HexEncode(crypto::Sha256(identity.key.PublicKeyDer())));
  EXPECT_EQ(identity.hash, net::IdentityOf(identity.certificate));
  EXPECT_LE(identity.certificate.not_before(), kNow);
  EXPECT_GT(identity.certificate.not_after(), kNow + std::chrono::hours(24));
}

TEST(ClientConfigTest, IdentityIsStableAcrossLoads) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  UserIdentity first = ValueOrDie(config.LoadOrCreateIdentity(kNow));
  UserIdentity second =
      ValueOrDie(ValueOrDie(ClientConfig::Open(temp.File("c")))
                     .LoadOrCreateIdentity(kNow));
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.certificate.ToDer(), second.certificate.ToDer());
}

TEST(ClientConfigTest, CertificateIsRemadeFromTheSameKey) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  UserIdentity first = ValueOrDie(config.LoadOrCreateIdentity(kNow));
  std::filesystem::remove(temp.File("c/identity-cert.pem"));
  UserIdentity remade = ValueOrDie(config.LoadOrCreateIdentity(kNow));
  EXPECT_EQ(remade.hash, first.hash);
  EXPECT_NE(remade.certificate.ToDer(), first.certificate.ToDer());

  // Near its end a certificate is renewed, still for the same key.
  UserIdentity later = ValueOrDie(config.LoadOrCreateIdentity(
      remade.certificate.not_after() - std::chrono::hours(1)));
  EXPECT_EQ(later.hash, first.hash);
  EXPECT_GT(later.certificate.not_after(), remade.certificate.not_after());
}

TEST(ClientConfigTest, RefusesAKeyOthersCanRead) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  ASSERT_TRUE(config.LoadOrCreateIdentity(kNow).ok());
  const std::string key = temp.File("c/identity-key.pem");
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  StatusOr<UserIdentity> refused = config.LoadOrCreateIdentity(kNow);
  EXPECT_EQ(refused.status(),
            PermissionDeniedError(
                "identity key " + key +
                " has mode 0644: it must be readable by you only; run chmod "
                "600 " +
                key));
  ASSERT_EQ(::chmod(key.c_str(), 0640), 0);
  EXPECT_EQ(config.LoadOrCreateIdentity(kNow).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_EQ(::chmod(key.c_str(), 0400), 0);
  EXPECT_TRUE(config.LoadOrCreateIdentity(kNow).ok());
}

TEST(ClientConfigTest, RefusesACorruptKeyWithoutReplacingIt) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  const std::string key = temp.File("c/identity-key.pem");
  ASSERT_TRUE(WriteFileAtomic(key, "not a key", 0600).ok());
  StatusOr<UserIdentity> refused = config.LoadOrCreateIdentity(kNow);
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find("your identity key " + key +
                                            " is corrupt"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(ValueOrDie(ReadFile(key)), "not a key");
}

TEST(ClientConfigTest, RefusesADirectoryOthersCanWrite) {
  TempDir temp;
  const std::string dir = temp.File("c");
  ASSERT_TRUE(ClientConfig::Open(dir).ok());
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  EXPECT_EQ(ClientConfig::Open(dir).status(),
            PermissionDeniedError("the configuration directory " + dir +
                                  " has mode 0777: it must be writable by "
                                  "you only; run chmod 700 " +
                                  dir));
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  EXPECT_TRUE(ClientConfig::Open(dir).ok()) << "readable is fine";
}

TEST(ClientConfigTest, RefusesAFileAsDirectory) {
  TempDir temp;
  ASSERT_TRUE(WriteFileAtomic(temp.File("f"), "x").ok());
  EXPECT_EQ(ClientConfig::Open(temp.File("f")).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(ClientConfigTest, PinsAreWrittenReadAndReplaced) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  const std::string address = "127.0.0.1:8081";
  EXPECT_FALSE(ValueOrDie(config.LoadPin(address)).has_value());

  const crypto::Certificate& first = net::testing::ServerIdentity().certificate;
  ASSERT_TRUE(config.SavePin(address, first).ok());
  const std::string path = temp.File("c/cas/127.0.0.1_8081.pem");
  EXPECT_EQ(config.PinPath(address), path);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(temp.File("c/cas")), 0700u);
  std::optional<crypto::Certificate> loaded =
      ValueOrDie(config.LoadPin(address));
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->ToDer(), first.ToDer());
  EXPECT_FALSE(ValueOrDie(config.LoadPin("127.0.0.1:8082")).has_value())
      << "pins are per address";

  const crypto::Certificate& second =
      net::testing::ClientIdentity().certificate;
  ASSERT_TRUE(config.SavePin(address, second).ok());
  EXPECT_EQ(ValueOrDie(config.LoadPin(address))->ToDer(), second.ToDer());
}

TEST(ClientConfigTest, PinFileNamesNeverCollide) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  EXPECT_EQ(config.PinPath("[::1]:8081"),
            temp.File("c/cas/%5B__1%5D_8081.pem"));
  EXPECT_EQ(config.PinPath("cas.example-1.org:443"),
            temp.File("c/cas/cas.example-1.org_443.pem"));
  EXPECT_NE(config.PinPath("a_b:1"), config.PinPath("a:b:1"));
  EXPECT_EQ(config.PinPath("../x:1"), temp.File("c/cas/..%2Fx_1.pem"));
}

TEST(ClientConfigTest, RefusesAPinOthersCanChangeAndACorruptOne) {
  TempDir temp;
  ClientConfig config = ValueOrDie(ClientConfig::Open(temp.File("c")));
  const std::string address = "cas:8081";
  ASSERT_TRUE(
      config.SavePin(address, net::testing::ServerIdentity().certificate).ok());
  const std::string path = config.PinPath(address);
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  EXPECT_EQ(config.LoadPin(address).status(),
            PermissionDeniedError("pinned CAS certificate " + path +
                                  " has mode 0666: it must be writable by "
                                  "you only; run chmod 600 " +
                                  path));
  ASSERT_TRUE(WriteFileAtomic(path, "garbage", 0600).ok());
  StatusOr<std::optional<crypto::Certificate>> corrupt =
      config.LoadPin(address);
  EXPECT_EQ(corrupt.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(corrupt.status().message().find("run coffer cas attest cas:8081 "
                                            "again"),
            std::string::npos)
      << corrupt.status().message();
}

TEST(ClientConfigTest, DefaultDirectory) {
  const char* saved_config = std::getenv("COFFER_CONFIG");
  const char* saved_home = std::getenv("HOME");
  const std::string config = saved_config ? saved_config : "";
  const std::string home = saved_home ? saved_home : "";
  ::setenv("COFFER_CONFIG", "/somewhere/coffer", 1);
  EXPECT_EQ(ValueOrDie(DefaultConfigDirectory()), "/somewhere/coffer");
  ::setenv("COFFER_CONFIG", "", 1);
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(ValueOrDie(DefaultConfigDirectory()), "/home/u/.config/coffer");
  ::unsetenv("COFFER_CONFIG");
  ::unsetenv("HOME");
  EXPECT_EQ(DefaultConfigDirectory().status().code(),
            StatusCode::kFailedPrecondition);
  if (saved_config) ::setenv("COFFER_CONFIG", config.c_str(), 1);
  if (saved_home) ::setenv("HOME", home.c_str(), 1);
}

}  // namespace
}  // namespace coffer::cas

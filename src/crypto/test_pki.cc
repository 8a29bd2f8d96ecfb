#include "crypto/test_pki.h"

#include <map>

namespace coffer::crypto::testing {
namespace {

const PrivateKey& KeyFromCache(KeyType type, int slot) {
  // Never destroyed: the keys live for the whole test binary.
  static auto* cache = new std::map<std::pair<KeyType, int>, PrivateKey>();
  auto it = cache->find({type, slot});
  if (it == cache->end()) {
    it = cache
             ->emplace(std::pair(type, slot),
                       ValueOrDie(PrivateKey::Generate(type)))
             .first;
  }
  return it->second;
}

}  // namespace

std::string KeyTypeTestName(const ::testing::TestParamInfo<KeyType>& param) {
  std::string name(KeyTypeName(param.param));
  std::erase(name, '-');
  return name;
}

TimePoint TestNow() {
  return std::chrono::sys_days(std::chrono::year(2025) / 6 / 1);
}

const PrivateKey& CachedKey(KeyType type) { return KeyFromCache(type, 0); }
const PrivateKey& OtherCachedKey(KeyType type) { return KeyFromCache(type, 1); }

CertificateSpec CaSpec(std::string common_name) {
  CertificateSpec spec;
  spec.common_name = std::move(common_name);
  spec.usage = CertificateSpec::Usage::kCa;
  spec.not_before = std::chrono::sys_days(std::chrono::year(2025) / 1 / 1);
  spec.valid_for = 3650 * kDay;
  return spec;
}

CertificateSpec LeafSpec(std::string common_name) {
  CertificateSpec spec;
  spec.common_name = std::move(common_name);
  spec.usage = CertificateSpec::Usage::kServer;
  spec.not_before = std::chrono::sys_days(std::chrono::year(2025) / 5 / 1);
  spec.valid_for = 90 * kDay;
  return spec;
}

TestPki MakeTestPki(KeyType type) {
  const PrivateKey& root_key = CachedKey(type);
  const PrivateKey& intermediate_key = OtherCachedKey(type);
  // Slot 2: never one of the CA keys, whatever `type` is.
  const PrivateKey& leaf_key = KeyFromCache(KeyType::kP256, 2);
  Certificate root =
      ValueOrDie(MakeSelfSignedCa(root_key, CaSpec("Test Root CA")));
  Certificate intermediate =
      ValueOrDie(IssueCertificate(root, root_key, intermediate_key.public_key(),
                                  CaSpec("Test Intermediate CA")));
  CertificateSpec leaf_spec = LeafSpec("server.test");
  leaf_spec.dns_names = {"server.test"};
  leaf_spec.ip_addresses = {"127.0.0.1"};
  Certificate leaf = ValueOrDie(IssueCertificate(
      intermediate, intermediate_key, leaf_key.public_key(), leaf_spec));
  return TestPki{&root_key,         std::move(root),
                 &intermediate_key, std::move(intermediate),
                 &leaf_key,         std::move(leaf)};
}

}  // namespace coffer::crypto::testing

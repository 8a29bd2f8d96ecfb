#include "policy/session.h"

#include <algorithm>

namespace coffer::policy {
namespace {

template <typename T>
const T* FindByName(const std::vector<T>& items, std::string_view name) {
  auto it = std::find_if(items.begin(), items.end(),
                         [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view SecretKindName(SecretKind kind) {
  switch (kind) {
    case SecretKind::kAscii: return "ascii";
    case SecretKind::kBinary: return "binary";
    case SecretKind::kPrivateKey: return "private-key";
    case SecretKind::kX509Ca: return "x509-ca";
    case SecretKind::kX509: return "x509";
    case SecretKind::kImported: return "imported";
    case SecretKind::kUnimplemented: return "unimplemented";
    case SecretKind::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kP256: return "P-256";
    case KeyType::kP384: return "P-384";
    case KeyType::kEd25519: return "Ed25519";
    case KeyType::kRsa2048: return "RSA-2048";
    case KeyType::kRsa3072: return "RSA-3072";
  }
  return "unknown";
}

std::string_view ToleranceName(Tolerance tolerance) {
  switch (tolerance) {
    case Tolerance::kSimulation: return "simulation";
    case Tolerance::kDebugMode: return "debug-mode";
    case Tolerance::kOutdatedTcb: return "outdated-tcb";
    case Tolerance::kSoftwareHardeningNeeded:
      return "software-hardening-needed";
    case Tolerance::kConfigurationNeeded: return "configuration-needed";
    case Tolerance::kHyperthreading: return "hyperthreading";
  }
  return "unknown";
}

const Secret* Session::FindSecret(std::string_view secret_name) const {
  return FindByName(secrets, secret_name);
}
const Service* Session::FindService(std::string_view service_name) const {
  return FindByName(services, service_name);
}
const Image* Session::FindImage(std::string_view image_name) const {
  return FindByName(images, image_name);
}
bool Session::Tolerates(Tolerance tolerance) const {
  return std::find(attestation.tolerate.begin(), attestation.tolerate.end(),
                   tolerance) != attestation.tolerate.end();
}

}  // namespace coffer::policy

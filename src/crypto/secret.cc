#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <ostream>
#include <utility>

namespace coffer::crypto {

SecretBytes::SecretBytes(size_t size) : bytes_(size, 0) {}

SecretBytes::SecretBytes(std::span<const uint8_t> data)
    : bytes_(data.begin(), data.end()) {}

SecretBytes::~SecretBytes() { Wipe(); }

// std::vector's move steals the buffer and leaves `other` empty, so no copy
// of the bytes remains in `other` to wipe.
SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecretBytes SecretBytes::Clone() const { return SecretBytes(span()); }

std::string SecretBytes::ToString() const {
  return "[secret " + std::to_string(bytes_.size()) + " bytes]";
}

void SecretBytes::Wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
  bytes_.shrink_to_fit();
}

std::ostream& operator<<(std::ostream& out, const SecretBytes& secret) {
  return out << secret.ToString();
}

bool ConstantTimeEquals(std::span<const uint8_t> a,
                        std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace coffer::crypto

// SecretBytes: the one type in Coffer that holds key material and passwords.
//
// Contract:
// - Single owner. Copying is disabled; Clone() makes an explicit second copy.
// - The memory is wiped with OPENSSL_cleanse when the object is destroyed,
//   assigned over, or moved from. The buffer never grows, so no unwiped
//   reallocation copy is ever left behind.
// - It never prints its contents. ToString() and operator<< give
//   "[secret N bytes]"; there is no implicit conversion to a string, a span
//   or a log field. Reading the bytes takes an explicit span() call, which
//   makes every use greppable.
//
// Thread safety: like std::vector. Const methods may run concurrently;
// anything that mutates needs exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace coffer::crypto {

class SecretBytes {
 public:
  // An empty secret.
  SecretBytes() = default;
  // `size` zero bytes, to be filled through mutable_span().
  explicit SecretBytes(size_t size);
  // A copy of `data`. The caller remains responsible for wiping `data`.
  explicit SecretBytes(std::span<const uint8_t> data);

  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // A second, independent copy. Explicit so copies of secrets stay visible.
  SecretBytes Clone() const;

  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // The secret bytes, valid until this object is changed or destroyed.
  std::span<const uint8_t> span() const { return bytes_; }
  std::span<uint8_t> mutable_span() { return bytes_; }

  // "[secret N bytes]": safe for logs and test failure messages.
  std::string ToString() const;

 private:
  void Wipe();

  std::vector<uint8_t> bytes_;
};

// Writes the redacted ToString() form. Exists so that streaming a secret by
// mistake (into a log, a gtest failure message) prints nothing sensitive.
std::ostream& operator<<(std::ostream& out, const SecretBytes& secret);

// Compares in time that depends only on the lengths, not on the contents,
// so a remote caller cannot learn a secret byte by byte from timing.
// Different lengths compare unequal (the length itself is not secret).
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace coffer::crypto

// SecretJson: nlohmann::json for JSON that carries secrets (the
// POST /v1/provision reply, on both ends), with every heap buffer it
// allocates wiped (OPENSSL_cleanse) when it is freed.
//
// The allocator is what makes nlohmann's insides wipeable: the strings of
// the values and keys (SecretString), the arrays and objects, the parser's
// token buffer while it reads, and the text dump() returns all come from
// WipingAllocator, so neither the final buffers nor the copies a growing
// string leaves behind outlive their use unwiped. What it cannot reach:
// the serializer's and lexer's small fixed buffers on the stack, and any
// std::string the caller copies a value to (read values as SecretString
// views and copy them straight into crypto::SecretBytes).
//
// Thread safety: like nlohmann::json.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "crypto/secret.h"

namespace coffer::cas {

// std::allocator that wipes what it gives back.
template <typename T>
struct WipingAllocator {
  using value_type = T;

  WipingAllocator() = default;
  // Implicit, as the allocator requirements want for rebinding.
  template <typename U>
  // NOLINTNEXTLINE(google-explicit-constructor)
  WipingAllocator(const WipingAllocator<U>&) noexcept {}

  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }

  template <typename U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

using SecretString =
    std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

using SecretJson =
    nlohmann::basic_json<std::map, std::vector, SecretString, bool,
                         std::int64_t, std::uint64_t, double, WipingAllocator>;

// A JSON string of the bytes of `secret`, copied without a std::string in
// between.
inline SecretJson SecretJsonString(const crypto::SecretBytes& secret) {
  const std::span<const uint8_t> bytes = secret.span();
  return SecretJson(
      SecretString(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace coffer::cas

// Internal to src/crypto: runs an OpenSSL d2i_* decoder over a whole buffer.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/openssl_errors.h"

namespace coffer::crypto::internal {

// OpenSSL takes DER lengths as long; a larger buffer is cut to LONG_MAX,
// which the trailing-bytes check then reports.
inline long ClampedDerLength(size_t size) {
  return size > static_cast<size_t>(LONG_MAX) ? LONG_MAX
                                              : static_cast<long>(size);
}

// Calls `decode(&cursor, length)` (a d2i_* call) and wraps its result in
// `Handle`. A parse failure, or bytes left after the object, is an error
// naming `what` ("certificate", "CRL", "private key"): a DER blob with a
// tail is not the object it claims to be.
template <typename Handle, typename Decode>
StatusOr<Handle> DecodeWholeDer(std::span<const uint8_t> der,
                                std::string_view what, Decode decode) {
  ClearOpenSslErrors();
  const unsigned char* cursor = der.data();
  Handle handle(decode(&cursor, ClampedDerLength(der.size())));
  if (handle == nullptr) {
    return InvalidArgumentError("malformed " + std::string(what) + " DER (" +
                                std::to_string(der.size()) +
                                " bytes): " + TakeOpenSslError());
  }
  if (cursor != der.data() + der.size()) {
    return InvalidArgumentError(
        "malformed " + std::string(what) +
        " DER: " + std::to_string(der.data() + der.size() - cursor) +
        " trailing bytes after the " + std::string(what));
  }
  return handle;
}

}  // namespace coffer::crypto::internal

#include "crypto/openssl_errors.h"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace coffer::crypto::internal {

void ClearOpenSslErrors() { ERR_clear_error(); }

std::string TakeOpenSslError(std::string_view fallback) {
  const char* data = nullptr;
  int flags = 0;
  const unsigned long code =
      ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
  if (code == 0) {
    ERR_clear_error();
    return std::string(fallback);
  }

  std::string text;
  if (const char* reason = ERR_reason_error_string(code); reason != nullptr) {
    text = reason;
  } else {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  // `data` belongs to the queue: copy it before clearing the queue.
  if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
    text += " (";
    text += data;
    text += ")";
  }
  ERR_clear_error();
  return text;
}

void DieBecauseLibcryptoFailed(std::string_view operation) {
  const std::string detail = TakeOpenSslError();
  std::fprintf(stderr, "coffer: fatal: libcrypto failed to %.*s: %s\n",
               static_cast<int>(operation.size()), operation.data(),
               detail.c_str());
  std::abort();
}

}  // namespace coffer::crypto::internal

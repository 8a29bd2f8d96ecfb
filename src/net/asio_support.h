// Internal to src/net: what the Asio/Beast translation units (the server
// and the client) share. Not for other parts: nothing outside src/net sees
// Asio types.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <string>

#include "net/tls.h"

namespace coffer::net::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::beast::error_code;
using Clock = std::chrono::steady_clock;

// "Connection refused" reads better mid-sentence as "connection refused";
// acronyms ("TLS ...") keep their case.
inline std::string ErrorText(const error_code& ec) {
  std::string text = ec.message();
  if (text.size() > 1 && text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'a' &&
      text[1] <= 'z') {
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  }
  return text;
}

// A new reference to `tls`'s SSL_CTX, for asio::ssl::context, which frees
// the handle it wraps.
inline SSL_CTX* NewSslCtxReference(const TlsContext& tls) {
  SSL_CTX_up_ref(tls.native());
  return tls.native();
}

}  // namespace coffer::net::internal

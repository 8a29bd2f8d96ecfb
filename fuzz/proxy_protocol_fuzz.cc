// libFuzzer target: the PROXY protocol header parser on arbitrary bytes.
// Whatever the input, ParseProxyHeader must return, and its answer must be
// consistent: consumed within the input, an error exactly when bad, a good
// header that parses alone to the same result, need-more only while within
// the bound, and bad final (one more byte never rescues a bad prefix).
// ASan and UBSan watch the rest.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "net/proxy_protocol.h"

namespace {

using coffer::net::ParseProxyHeader;
using coffer::net::ProxyParse;
using coffer::net::ProxyParseResult;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const ProxyParseResult result = ParseProxyHeader(bytes);
  Check(result.consumed <= size);
  switch (result.state) {
    case ProxyParse::kGood: {
      Check(result.error.ok());
      Check(result.consumed > 0);
      Check(result.consumed <= coffer::net::kProxyHeaderMaxBytes);
      Check(result.header.version == 1 || result.header.version == 2);
      Check(result.header.has_address != result.header.source_address.empty());
      Check(result.header.has_address !=
            result.header.destination_address.empty());
      // A header is self-delimiting: the bytes after it play no part.
      const ProxyParseResult alone =
          ParseProxyHeader(bytes.first(result.consumed));
      Check(alone.state == ProxyParse::kGood);
      Check(alone.consumed == result.consumed);
      Check(alone.header == result.header);
      break;
    }
    case ProxyParse::kBad:
      Check(!result.error.ok());
      Check(!result.error.message().empty());
      Check(result.consumed == 0);
      break;
    case ProxyParse::kNeedMore:
      Check(result.error.ok());
      Check(result.consumed == 0);
      Check(size < coffer::net::kProxyHeaderMaxBytes);
      break;
  }
  if (size > 0) {
    // Bad is final: if the input less its last byte was bad, so is the
    // input, with the same error.
    const ProxyParseResult shorter = ParseProxyHeader(bytes.first(size - 1));
    if (shorter.state == ProxyParse::kBad) {
      Check(result.state == ProxyParse::kBad);
      Check(result.error == shorter.error);
    }
    if (shorter.state == ProxyParse::kGood) {
      Check(result.state == ProxyParse::kGood);
      Check(result.consumed == shorter.consumed);
    }
  }
  return 0;
}

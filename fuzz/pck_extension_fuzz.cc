// libFuzzer target: the DER reader for the SGX extension of PCK
// certificates (attest/pck_extension.h) on arbitrary bytes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "attest/pck_extension.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto extension =
      coffer::attest::ParseSgxExtensionValue(std::span(data, size));
  if (!extension.ok() && extension.status().message().empty()) std::abort();
  return 0;
}

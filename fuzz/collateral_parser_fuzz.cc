// libFuzzer target: the DCAP collateral parsers on arbitrary text. The
// same input goes to ParseCollateral (the one-file layout) and straight to
// ParseTcbInfo and ParseQeIdentity, so that mutations reach the TCB info
// and QE identity fields without having to stay valid JSON inside a JSON
// string. Each must return a value or an error, never throw or crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attest/collateral.h"
#include "attest/tcb_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto collateral = coffer::attest::ParseCollateral(text);
  if (!collateral.ok() && collateral.status().message().empty()) std::abort();
  const auto tcb_info = coffer::attest::ParseTcbInfo(text);
  if (tcb_info.ok() && tcb_info->version != 2 && tcb_info->version != 3) {
    std::abort();
  }
  const auto qe_identity = coffer::attest::ParseQeIdentity(text);
  if (qe_identity.ok() && qe_identity->version != 2) std::abort();
  return 0;
}

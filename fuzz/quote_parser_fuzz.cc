// libFuzzer target: the DCAP quote parser, then the whole verifier, on
// arbitrary bytes. ParseQuote must return an error or a quote that stays
// within the input; VerifyQuote (certificates, PCK extension, signatures)
// must return, never crash. ASan and UBSan watch the rest.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "attest/dcap_verify.h"
#include "attest/intel_root.h"
#include "attest/quote.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const coffer::crypto::Certificate* root = [] {
    auto parsed = coffer::attest::IntelSgxRootCa();
    if (!parsed.ok()) std::abort();
    return new coffer::crypto::Certificate(std::move(parsed).value());
  }();
  const std::span<const uint8_t> input(data, size);
  const auto quote = coffer::attest::ParseQuote(input);
  if (!quote.ok()) {
    if (quote.status().message().empty()) std::abort();
    return 0;
  }
  if (quote->size > size || quote->signed_data.size() > quote->size) {
    std::abort();
  }
  // 2025-07-01: inside the seeds' validity, so that chains get checked.
  const auto now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1751328000));
  (void)coffer::attest::VerifyQuote(input, nullptr, now, *root);
  return 0;
}

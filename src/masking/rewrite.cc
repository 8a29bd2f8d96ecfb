#include "masking/rewrite.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace coffer::masking {
namespace {

static_assert(std::is_same_v<pcre2_code, pcre2_real_code_8>,
              "rewrite.h's forward declaration must name pcre2_code");

// Writes `fill` repeated into `out`, cut at the end of `out`.
void FillWith(std::span<char> out, std::string_view fill) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = fill[i % fill.size()];
}

std::string Pcre2ErrorText(int code) {
  PCRE2_UCHAR buffer[256];
  int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
  if (n < 0) return "PCRE2 error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buffer),
                     static_cast<size_t>(n));
}

struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

// One match data block per thread, shared by every pattern: only $0 is
// read, so one ovector pair is enough for any pattern (PCRE2 then records
// just the whole match). Never shared between threads.
pcre2_match_data* ThreadMatchData() {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
      pcre2_match_data_create(1, nullptr));
  return data.get();
}

}  // namespace

void ReplaceValue(std::span<char> field, std::string_view value,
                  std::string_view fill) {
  if (!value.empty() && value.size() == field.size()) {
    std::copy(value.begin(), value.end(), field.begin());
    return;
  }
  FillWith(field, fill);
}

void Obfuscate(std::span<char> field) {
  if (field.empty()) return;
  // Only the low 8 bits of c ever reach a result byte, and unsigned
  // arithmetic wraps without undefined behaviour; the start value is the
  // first byte sign-extended, as x86's signed char gives MaxScale.
  uint64_t c = static_cast<uint64_t>(
                   static_cast<int64_t>(static_cast<signed char>(field[0]))) +
               field.size();
  for (char& byte : field) {
    const uint8_t mixed =
        static_cast<uint8_t>(static_cast<uint8_t>(byte) ^ (c & 0xFF));
    // The byte as a signed char: -128..127; its absolute value fits an int.
    const int signed_mixed = mixed < 128 ? mixed : mixed - 256;
    const int magnitude = signed_mixed < 0 ? -signed_mixed : signed_mixed;
    const uint8_t d = static_cast<uint8_t>(magnitude + 32);
    c += static_cast<uint64_t>(d) << 3;
    byte = static_cast<char>(d <= 126 ? d : 126);
  }
}

void MatchPattern::CodeDeleter::operator()(pcre2_real_code_8* code) const {
  pcre2_code_free(code);
}

StatusOr<MatchPattern> MatchPattern::Compile(std::string_view pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                    pattern.size(), 0, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    return InvalidArgumentError(Pcre2ErrorText(error_code) + " at offset " +
                                std::to_string(error_offset));
  }
  return MatchPattern(std::string(pattern),
                      std::unique_ptr<pcre2_code, CodeDeleter>(code));
}

Status MatchPattern::Match(std::span<char> field, std::string_view value,
                           std::string_view fill) const {
  pcre2_match_data* data = ThreadMatchData();
  if (data == nullptr) {
    FillWith(field, fill);
    return ResourceExhaustedError(
        "cannot allocate PCRE2 match data; the value was masked entirely");
  }
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(field.data());
  PCRE2_SIZE start = 0;
  while (start < field.size()) {
    const int rc = pcre2_match(code_.get(), subject, field.size(), start, 0,
                               data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      FillWith(field, fill);
      return ResourceExhaustedError("pattern \"" + pattern_ +
                                    "\": " + Pcre2ErrorText(rc) +
                                    "; the value was masked entirely");
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const PCRE2_SIZE begin = ovector[0];
    const PCRE2_SIZE end = ovector[1];
    // An empty match would loop for ever; MaxScale stops there too. A
    // lookbehind or \K can also report end < begin: stop as well.
    if (end <= begin || end > field.size()) break;
    std::span<char> match = field.subspan(begin, end - begin);
    ReplaceValue(match, value, fill);
    start = end;
  }
  return OkStatus();
}

}  // namespace coffer::masking

// libFuzzer target: the SQL lexer, parser and masking guard on arbitrary
// bytes. Whatever the input, Parse must return (statements or an error that
// names a position) under every sql_mode, and the guard must return a verdict
// with a client message whenever it refuses; ASan and UBSan watch the rest.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sql/masking_guard.h"
#include "sql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  for (bool ansi : {false, true}) {
    for (bool nbe : {false, true}) {
      auto parsed = coffer::sql::Parse(sql, {ansi, nbe});
      if (!parsed.ok() && parsed.status().message().rfind("sql: ", 0) != 0) {
        std::abort();
      }
      if (parsed.ok() && parsed->empty()) std::abort();
    }
  }
  static const coffer::sql::MaskedColumns* masked =
      new coffer::sql::MaskedColumns({"ssn", "card_number", "a"});
  coffer::sql::GuardVerdict verdict =
      coffer::sql::CheckForMasking(sql, *masked, "'fuzz'@'%'");
  if (!verdict.allowed && verdict.message.empty()) std::abort();
  if (verdict.allowed && verdict.reason != coffer::sql::RefusalReason::kNone) {
    std::abort();
  }
  return 0;
}

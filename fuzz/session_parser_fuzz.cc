// libFuzzer target: the session parser and checker on arbitrary bytes.
// Whatever the input, ParseSession must return (with or without a session)
// and every problem must carry a position; ASan and UBSan watch the rest.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coffer::policy::CheckOptions options;
  options.variables.values = {{"DBSESSION", "db"},
                              {"DBCLIENT", "client"},
                              {"PLATFORMS", std::string(64, 'a')}};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  coffer::policy::CheckResult result =
      coffer::policy::ParseSession(text, options);
  for (const auto& d : result.diagnostics.items()) {
    if (d.position.line < 1 || d.position.column < 1) std::abort();
  }
  if (result.session && result.session->hash.size() != 64) std::abort();
  return 0;
}

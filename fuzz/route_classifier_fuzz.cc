// libFuzzer target: read/write splitting's statement classifier on
// arbitrary SQL text (any client's COM_QUERY or COM_STMT_PREPARE), under
// every sql_mode that changes how it reads. Whatever the input it must
// return a decision whose reason is one of the fixed set (a metric label);
// a read sent to a replica must not create a temporary table or start a
// transaction. ASan and UBSan watch the rest.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "proxy/route_classifier.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool IsKnownReason(std::string_view reason) {
  static const auto* reasons =
      new std::set<std::string_view>{"read",
                                     "session command",
                                     "global variable",
                                     "write",
                                     "ddl",
                                     "temporary table",
                                     "transaction",
                                     "locking read",
                                     "select into",
                                     "user variable assignment",
                                     "user variable",
                                     "function",
                                     "last insert id",
                                     "session state",
                                     "found rows",
                                     "set statement",
                                     "prepared statement",
                                     "call",
                                     "do",
                                     "show",
                                     "explain",
                                     "lock tables",
                                     "multi-statement",
                                     "unparsable"};
  return reasons->contains(reason);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  for (bool ansi : {false, true}) {
    for (bool nbe : {false, true}) {
      const coffer::proxy::RouteDecision d =
          coffer::proxy::ClassifyQuery(sql, {ansi, nbe});
      Check(IsKnownReason(d.reason));
      if (d.route == coffer::proxy::Route::kReplica) {
        Check(!d.creates_temporary_table && !d.starts_transaction);
      }
    }
  }
  (void)coffer::proxy::TextMayCreateTemporaryTable(sql);
  return 0;
}

// libFuzzer target: the monitor's GTID list reader on arbitrary text (a
// backend's @@gtid_current_pos, @@gtid_binlog_state or Gtid_IO_Pos).
// Whatever the input it must return, every GTID it reads must read back
// alone as itself when written out, and the last sequence by domain must
// agree with the list. ASan and UBSan watch the rest.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "proxy/gtid.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto gtids = coffer::proxy::ParseGtidList(text);
  std::map<uint64_t, uint64_t> last;
  for (const coffer::proxy::Gtid& gtid : gtids) {
    const std::string written = std::to_string(gtid.domain) + "-" +
                                std::to_string(gtid.server) + "-" +
                                std::to_string(gtid.sequence);
    const auto again = coffer::proxy::ParseGtidList(written);
    Check(again.size() == 1 && again[0] == gtid);
    uint64_t& best = last[gtid.domain];
    best = std::max(best, gtid.sequence);
  }
  Check(coffer::proxy::LastSequenceByDomain(text) == last);
  return 0;
}

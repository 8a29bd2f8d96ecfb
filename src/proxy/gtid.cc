#include "proxy/gtid.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace coffer::proxy {
namespace {

// One GTID, exactly: DOMAIN-SERVER-SEQUENCE and nothing else.
bool ParseGtid(std::string_view text, Gtid& gtid) {
  const char* at = text.data();
  const char* end = text.data() + text.size();
  for (uint64_t* part : {&gtid.domain, &gtid.server, &gtid.sequence}) {
    if (part != &gtid.domain) {
      if (at == end || *at != '-') return false;
      ++at;
    }
    const auto parsed = std::from_chars(at, end, *part);
    if (parsed.ec != std::errc() || parsed.ptr == at) return false;
    at = parsed.ptr;
  }
  return at == end;
}

}  // namespace

std::vector<Gtid> ParseGtidList(std::string_view list) {
  std::vector<Gtid> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view text = list.substr(0, comma);
    list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) {
      text.remove_prefix(1);
    }
    Gtid gtid;
    if (ParseGtid(text, gtid)) out.push_back(gtid);
  }
  return out;
}

std::map<uint64_t, uint64_t> LastSequenceByDomain(std::string_view list) {
  std::map<uint64_t, uint64_t> out;
  for (const Gtid& gtid : ParseGtidList(list)) {
    uint64_t& last = out[gtid.domain];
    last = std::max(last, gtid.sequence);
  }
  return out;
}

}  // namespace coffer::proxy

// MariaDB GTID lists, as the monitor reads them from @@gtid_current_pos,
// @@gtid_binlog_state and SHOW SLAVE STATUS's Gtid_IO_Pos: "0-1-5,1-7-3",
// each GTID DOMAIN-SERVER-SEQUENCE in decimal, separated by commas (the
// server may add a newline after a comma).
//
// These come from the database servers the monitor has authenticated, but
// a text that is not a GTID list must still not crash or mislead it: what
// is not exactly a GTID is skipped, so a garbled position counts as empty
// (behind every other), never as ahead.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

namespace coffer::proxy {

struct Gtid {
  uint64_t domain = 0;
  uint64_t server = 0;
  uint64_t sequence = 0;

  bool operator==(const Gtid&) const = default;
};

// The list's GTIDs in order; leading whitespace of each is ignored, and an
// item that is not three decimal numbers joined by '-' (no sign, nothing
// after) is skipped.
std::vector<Gtid> ParseGtidList(std::string_view list);

// The highest sequence number of each domain in the list.
std::map<uint64_t, uint64_t> LastSequenceByDomain(std::string_view list);

}  // namespace coffer::proxy

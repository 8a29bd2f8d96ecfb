// Test helpers: byte strings written as hex, and the capabilities that the
// captured MariaDB 10.11 exchanges in the tests negotiated.
#pragma once

#include <cstdlib>
#include <string_view>

#include "common/encoding.h"
#include "mysql/capabilities.h"

namespace coffer::mysql::testing {

// Aborts on bad hex: the argument is a literal in a test.
inline coffer::Bytes FromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  if (!bytes.ok()) std::abort();
  return std::move(bytes).value();
}

// CLIENT_CONNECT_WITH_DB | LOCAL_FILES | PROTOCOL_41 | TRANSACTIONS |
// SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS
// | PLUGIN_AUTH | SESSION_TRACK, with bit 0 clear (MariaDB): 0x008fa288.
inline constexpr uint64_t kClassicCaps =
    kClientConnectWithDb | kClientLocalFiles | kClientProtocol41 |
    kClientTransactions | kClientSecureConnection | kClientMultiStatements |
    kClientMultiResults | kClientPsMultiResults | kClientPluginAuth |
    kClientSessionTrack;
// The same with CLIENT_DEPRECATE_EOF and MARIADB_CLIENT_EXTENDED_TYPE_INFO.
inline constexpr uint64_t kDeprecateEofCaps =
    kClassicCaps | kClientDeprecateEof | kMariaDbClientExtendedTypeInfo;

}  // namespace coffer::mysql::testing

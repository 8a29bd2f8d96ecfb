// libFuzzer target: the MariaDB protocol codec on arbitrary bytes.
//
// Byte 0 picks the capabilities (DEPRECATE_EOF, extended type info,
// session tracking, cache metadata), byte 1 the command whose reply is
// tracked (and whether an EXECUTE asks for a cursor). The rest is a byte
// stream, fed to LogicalPacketStream in pieces whose sizes come from the
// data; every logical packet goes through every parser, the reply tracker
// and the row locators. Parsers must return an error or a value that
// re-encodes and parses back to itself; the rest is ASan's and UBSan's job.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "mysql/capabilities.h"
#include "mysql/handshake.h"
#include "mysql/messages.h"
#include "mysql/packet_framer.h"
#include "mysql/reply_tracker.h"
#include "mysql/result_rows.h"

namespace {

using namespace coffer::mysql;  // NOLINT(google-build-using-namespace)

uint64_t CapabilitiesFrom(uint8_t bits) {
  uint64_t caps = kClientProtocol41 | kClientSecureConnection |
                  kClientPluginAuth | kClientMultiResults;
  if ((bits & 1) != 0) caps |= kClientDeprecateEof;
  if ((bits & 2) != 0) caps |= kMariaDbClientExtendedTypeInfo;
  if ((bits & 4) != 0) caps |= kClientSessionTrack;
  if ((bits & 8) != 0) caps |= kMariaDbClientCacheMetadata;
  if ((bits & 16) != 0) caps |= kClientConnectWithDb | kClientConnectAttrs;
  if ((bits & 32) != 0) caps |= kClientPluginAuthLenencClientData;
  return caps;
}

template <typename T, typename Encode, typename Parse>
void CheckRoundTrip(const T& value, Encode encode, Parse parse) {
  auto again = parse(encode(value));
  if (!again.ok() || !(*again == value)) std::abort();
}

void ParseEverything(ByteView payload, uint64_t caps) {
  if (auto hello = ParseInitialHandshake(payload); hello.ok()) {
    auto encoded = EncodeInitialHandshake(*hello);
    if (encoded.ok() && !ParseInitialHandshake(*encoded).ok()) std::abort();
  }
  if (auto response = ParseHandshakeResponse(payload); response.ok()) {
    auto encoded = EncodeHandshakeResponse(*response);
    if (encoded.ok() && !ParseHandshakeResponse(*encoded).ok()) std::abort();
    (void)ParseConnectAttributes(response->connect_attributes);
  }
  (void)ParseSslRequest(payload);
  (void)ParseChangeUser(payload, caps);
  (void)ParseAuthSwitchRequest(payload);
  (void)ParseAuthMoreData(payload);
  if (auto ok = ParseOk(payload, caps); ok.ok()) {
    (void)SystemVariableChanges(*ok);
    auto again = ParseOk(EncodeOk(*ok, caps), caps);
    if (!again.ok()) std::abort();
  }
  if (auto err = ParseErr(payload); err.ok()) {
    auto encoded = EncodeError(err->code, err->sql_state, err->message);
    if (encoded.ok() && !ParseErr(*encoded).ok()) std::abort();
  }
  if (auto eof = ParseEof(payload); eof.ok()) {
    CheckRoundTrip(*eof, EncodeEof, ParseEof);
  }
  (void)ParseColumnCount(payload);
  if (auto column = ParseColumnDefinition(payload, caps); column.ok()) {
    auto again =
        ParseColumnDefinition(EncodeColumnDefinition(*column, caps), caps);
    if (!again.ok() || !(*again == *column)) std::abort();
  }
  if (auto prepare = ParsePrepareOk(payload); prepare.ok()) {
    CheckRoundTrip(*prepare, EncodePrepareOk, ParsePrepareOk);
  }
  if (auto execute = ParseStmtExecute(payload); execute.ok()) {
    CheckRoundTrip(*execute, EncodeStmtExecute, ParseStmtExecute);
  }
  if (auto fetch = ParseStmtFetch(payload); fetch.ok()) {
    CheckRoundTrip(*fetch, EncodeStmtFetch, ParseStmtFetch);
  }
  (void)ParseStatementId(payload);
}

void CheckSpans(ByteView payload,
                const coffer::StatusOr<std::vector<ValueSpan>>& values) {
  if (!values.ok()) return;
  for (const ValueSpan& value : *values) {
    if (value.offset > payload.size() ||
        value.length > payload.size() - value.offset) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint64_t caps = CapabilitiesFrom(data[0]);
  const Command command{static_cast<uint8_t>(data[1] & 0x7F),
                        (data[1] & 0x80) != 0};
  ReplyTracker tracker(caps);
  (void)tracker.OnCommand(command);
  LogicalPacketStream stream(size_t{1} << 20);
  ByteView rest(data + 2, size - 2);
  // Feed in pieces: the first byte of each piece says how long it is.
  while (!rest.empty()) {
    const size_t piece = std::min<size_t>(rest.size(), 1 + rest[0] % 64);
    if (!stream.Feed(rest.first(piece)).ok()) break;
    rest = rest.subspan(piece);
    while (auto packet = stream.Pop()) {
      const ByteView payload(packet->payload);
      ParseEverything(payload, caps);
      (void)TextRowValues(payload, data[0] % 8);
      CheckSpans(payload, BinaryRowValues(payload, {data[1], kTypeLong}));
      auto kind = tracker.OnPacket(payload);
      if (kind.ok() && kind->awaiting_client_data) {
        if (!tracker.ClientDataSent().ok()) std::abort();
      }
      if (kind.ok() && kind->kind == ReplyKind::kRow) {
        CheckSpans(payload,
                   kind->binary
                       ? BinaryRowValues(payload, tracker.column_types())
                       : TextRowValues(payload, tracker.columns().size()));
      }
      if (!kind.ok() || tracker.complete()) {
        tracker = ReplyTracker(caps);
        (void)tracker.OnCommand(command);
      }
    }
  }
  return 0;
}

// Filters of a proxied MySQL session, in the shape of Envoy's network
// filters: each sees every client command before it goes on (OnCommand)
// and every reply packet before the client gets it (OnReply), and answers
// kContinue or kStopIteration. A filter that stops a command fills in the
// refusal the client receives instead; nothing reaches the server. A filter
// that stops a reply has the rest of that reply dropped and the refusal
// sent in its place. The session (client_session.h) runs the chain and is
// itself the last, routing step: it forwards what every filter let pass.
//
// Thread safety: a filter belongs to one session and is called on that
// session's strand only.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "mysql/reply_tracker.h"
#include "mysql/wire.h"

namespace coffer::proxy {

enum class FilterStatus { kContinue, kStopIteration };

// The error packet a client receives for a stopped command or reply.
struct Refusal {
  uint16_t code = 0;
  std::string sql_state;
  std::string message;
};

// Who the session's client is: the database account its certificate maps
// to, and its address (from the PROXY header when HAProxy is in front).
struct SessionIdentity {
  std::string user;
  std::string host;
};

class Filter {
 public:
  virtual ~Filter() = default;

  // The session's identity is known (after login) or changed
  // (COM_CHANGE_USER): rules that depend on the account are decided again.
  virtual void OnIdentity(const SessionIdentity& identity) = 0;
  // A whole client command payload (its first byte is the command).
  virtual FilterStatus OnCommand(mysql::ByteView payload, Refusal& refusal) = 0;
  // One reply packet, classified by the session's ReplyTracker. The filter
  // may rewrite `payload` in place; its length cannot change.
  virtual FilterStatus OnReply(const mysql::ReplyPacket& packet,
                               std::span<uint8_t> payload,
                               Refusal& refusal) = 0;
};

}  // namespace coffer::proxy

// Account patterns of a masking rule's `applies_to` and `exempted` lists,
// in MaxScale's notation: 'user'@'host', 'user', @'host', ''@'host', with
// or without quotes (', " or `).
//
// Matching, against the authenticated user name and the client address as
// the proxy sees it (an IP address string):
//   - user: empty matches any user; otherwise compared exactly
//     (case-sensitive), `%` and `_` are ordinary characters;
//   - host: empty (no @, or @'') matches any host; without `%` compared
//     exactly; with `%` a pattern where `%` matches any sequence of bytes
//     (also none), `_` is a literal underscore, and the pattern must match
//     the whole address. MaxScale does not anchor its pattern ('27.0.0.%'
//     matches 127.0.0.5 there); Coffer does, on purpose.
//   - a client address in IPv4-mapped IPv6 form (::ffff:10.0.0.1) is also
//     tried as its IPv4 form (10.0.0.1), so that patterns written for IPv4
//     hold for clients on a dual-stack listener.
//
// Thread safety: immutable values; const methods may be called from any
// thread concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace coffer::masking {

class Account {
 public:
  // Parses one entry. Errors (kInvalidArgument): an empty entry, a quote
  // opened and not closed (or closed with another quote character), a
  // second @ in an unquoted host. The message quotes the entry.
  static StatusOr<Account> Parse(std::string_view text);

  // Whether `user` connecting from `host` is covered by this pattern.
  bool Matches(std::string_view user, std::string_view host) const;

  // The unquoted parts; empty means "any".
  const std::string& user() const { return user_; }
  const std::string& host() const { return host_; }

  // 'user'@'host' (for logs and error messages).
  std::string ToString() const;

 private:
  Account(std::string user, std::string host)
      : user_(std::move(user)), host_(std::move(host)) {}

  std::string user_;
  std::string host_;
};

// Whether `host` matches the host `pattern` as described above: `%` is a
// wildcard, `_` a literal, the whole of `host` must match; without `%` the
// two must be equal. An empty pattern matches any host. IPv4-mapped IPv6
// addresses are not unwrapped here (Account::Matches does that).
bool HostPatternMatches(std::string_view pattern, std::string_view host);

}  // namespace coffer::masking

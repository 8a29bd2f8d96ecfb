#include "masking/account.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace coffer::masking {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Removes surrounding white space and one pair of matching quotes (' " `),
// as MaxScale's mxs_mysql_trim_quotes does. nullopt if a quote is opened
// and not closed by the same character.
std::optional<std::string> Unquote(std::string_view part) {
  part = TrimSpace(part);
  if (part.empty()) return std::string();
  const char first = part.front();
  if (first != '\'' && first != '"' && first != '`') return std::string(part);
  if (part.size() < 2 || part.back() != first) return std::nullopt;
  return std::string(part.substr(1, part.size() - 2));
}

// Anchored match of `text` against `pattern` where '%' matches any
// sequence. Greedy with backtracking to the last '%': linear in practice,
// O(|pattern| * |text|) at worst, no recursion.
bool WildcardMatches(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  std::optional<size_t> star;  // position of the last '%' seen in pattern
  size_t star_text = 0;        // text position that '%' was tried from
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star) {
      p = *star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

// "10.0.0.1" for "::ffff:10.0.0.1" (any case), otherwise nullopt. Only the
// dotted form is unwrapped: that is how IPv4-mapped addresses are printed.
std::optional<std::string_view> UnmapIpv4(std::string_view host) {
  constexpr std::string_view kPrefix = "::ffff:";
  if (host.size() <= kPrefix.size()) return std::nullopt;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    char c = host[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kPrefix[i]) return std::nullopt;
  }
  std::string_view rest = host.substr(kPrefix.size());
  int dots = 0;
  for (char c : rest) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  if (dots != 3) return std::nullopt;
  return rest;
}

}  // namespace

StatusOr<Account> Account::Parse(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return InvalidArgumentError("account \"" + std::string(text) +
                                "\": " + std::string(why));
  };
  if (TrimSpace(text).empty()) return invalid("is empty");

  // Like MaxScale, split at the first '@': a user name cannot hold one.
  const size_t at = text.find('@');
  std::string_view user_part = text.substr(0, at);
  std::string_view host_part =
      at == std::string_view::npos ? std::string_view() : text.substr(at + 1);

  std::optional<std::string> user = Unquote(user_part);
  if (!user) return invalid("the user part has an unbalanced quote");
  std::optional<std::string> host = Unquote(host_part);
  if (!host) return invalid("the host part has an unbalanced quote");
  if (host->find('@') != std::string::npos) {
    return invalid("the host part contains '@'");
  }
  return Account(std::move(*user), std::move(*host));
}

bool HostPatternMatches(std::string_view pattern, std::string_view host) {
  if (pattern.empty()) return true;
  if (pattern.find('%') == std::string_view::npos) return pattern == host;
  return WildcardMatches(pattern, host);
}

bool Account::Matches(std::string_view user, std::string_view host) const {
  if (!user_.empty() && user_ != user) return false;
  if (HostPatternMatches(host_, host)) return true;
  std::optional<std::string_view> ipv4 = UnmapIpv4(host);
  return ipv4 && HostPatternMatches(host_, *ipv4);
}

std::string Account::ToString() const {
  return "'" + user_ + "'@'" + (host_.empty() ? std::string("%") : host_) + "'";
}

}  // namespace coffer::masking

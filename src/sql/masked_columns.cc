// MaskedColumns (name matching) and the names of refusal reasons.
#include <string>
#include <string_view>

#include "sql/masking_guard.h"

namespace coffer::sql {
namespace {

// Upper-cases ASCII and turns every non-ASCII character into 0, a wildcard:
// MariaDB compares column names with utf8mb3_general_ci, which folds case
// and accents, so 'ß', 'é' or 'ſ' may each stand for an ASCII letter.
// Trailing spaces are dropped.
std::u32string Fold(std::string_view name) {
  std::u32string out;
  size_t i = 0;
  while (i < name.size()) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t k = 1;
    while (k < len && i + k < name.size() &&
           (static_cast<unsigned char>(name[i + k]) & 0xC0) == 0x80) {
      ++k;
    }
    out.push_back(0);
    i += k;
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return out;
}

// A name the server reads exactly as the guard does, whatever the
// connection's character set: printable ASCII, no leading space, no longer
// than an identifier may be. The server drops an alias's leading spaces and
// control characters, turns bytes that are invalid in the connection's
// character set into '?', and under latin1 counts each byte as a character
// (the alias "\xC3\x8A\x8A" is ÃŠŠ, equal to "\xE3\x9A\x9A", ãšš, which
// is one UTF-8 character); the guard does not know the connection's
// character set, so it matches such names with every name.
bool IsPlain(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == ' ') return false;
  for (char ch : name) {
    auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  return true;
}

}  // namespace

MaskedColumns::MaskedColumns(const std::vector<std::string>& names) {
  for (const std::string& n : names) Add(n);
}

void MaskedColumns::Add(std::string_view name) { names_.push_back(Fold(name)); }

void MaskedColumns::AddAlias(std::string_view alias) {
  if (IsPlain(alias)) {
    Add(alias);
  } else {
    matches_all_ = true;
  }
}

bool MaskedColumns::Matches(std::string_view name) const {
  if (empty()) return false;
  if (matches_all_ || !IsPlain(name)) return true;
  std::u32string folded = Fold(name);
  for (const std::u32string& m : names_) {
    if (m.size() != folded.size()) continue;
    bool equal = true;
    for (size_t i = 0; i < m.size() && equal; ++i) {
      equal = m[i] == 0 || folded[i] == 0 || m[i] == folded[i];
    }
    if (equal) return true;
  }
  return false;
}

std::string_view RefusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kNone: return "none";
    case RefusalReason::kNotFullyParsed: return "not_fully_parsed";
    case RefusalReason::kFunction: return "function";
    case RefusalReason::kUnknownFunction: return "unknown_function";
    case RefusalReason::kClause: return "clause";
    case RefusalReason::kDistinct: return "distinct";
    case RefusalReason::kNaturalJoin: return "natural_join";
    case RefusalReason::kSubquery: return "subquery";
    case RefusalReason::kUnion: return "union";
    case RefusalReason::kVariable: return "variable";
    case RefusalReason::kIntoFile: return "into_file";
    case RefusalReason::kPreparedFromVariable: return "prepared_from_variable";
    case RefusalReason::kExecuteImmediate: return "execute_immediate";
    case RefusalReason::kExplain: return "explain";
    case RefusalReason::kWrite: return "write";
    case RefusalReason::kCreateSelect: return "create_select";
    case RefusalReason::kCall: return "call";
    case RefusalReason::kSessionSetting: return "session_setting";
    case RefusalReason::kShow: return "show";
    case RefusalReason::kPartition: return "partition";
  }
  return "unknown";
}

}  // namespace coffer::sql

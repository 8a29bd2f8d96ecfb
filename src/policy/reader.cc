#include "policy/reader.h"

#include <algorithm>
#include <charconv>

namespace coffer::policy {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Quote(std::string_view text) {
  constexpr size_t kMax = 80;
  std::string out = "\"";
  for (char c : text.substr(0, kMax)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (text.size() > kMax) out += "...";
  out += '"';
  return out;
}

std::string DidYouMean(std::string_view word,
                       const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 3;         // more than two edits is not a typo
  if (word.size() > 64) return "";  // no name is that long; save the work
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = &c;
    }
  }
  return best == nullptr ? "" : "; did you mean " + Quote(*best) + "?";
}

void Reader::CheckKeys(const YamlNode& mapping, std::string_view context,
                       std::initializer_list<std::string_view> known,
                       std::initializer_list<std::string_view> scone_only) {
  for (const auto& [key, value] : mapping.entries) {
    const std::string& k = key.scalar;
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    if (std::find(scone_only.begin(), scone_only.end(), k) !=
        scone_only.end()) {
      Warning(key.position, Quote(k) + " in " + std::string(context) +
                                " is a SCONE key that Coffer does not "
                                "implement; it is ignored");
      continue;
    }
    std::vector<std::string> names(known.begin(), known.end());
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    Error(key.position, "unknown key " + Quote(k) + " in " +
                            std::string(context) + DidYouMean(k, names) +
                            " (expected one of: " + list + ")");
  }
}

bool Reader::ExpectMapping(const YamlNode& node, std::string_view what) {
  if (node.is_mapping()) return true;
  Error(node.position, std::string(what) + " must be a mapping, not " +
                           std::string(KindName(node.kind)));
  return false;
}

std::optional<std::string> Reader::Scalar(const YamlNode* node,
                                          std::string_view what) {
  if (node == nullptr || node->is_null() || node->unresolved) {
    return std::nullopt;
  }
  if (!node->is_scalar()) {
    Error(node->position, std::string(what) + " must be a string, not " +
                              std::string(KindName(node->kind)));
    return std::nullopt;
  }
  return node->scalar;
}

std::optional<std::string> Reader::RequiredScalar(const YamlNode& parent,
                                                  std::string_view key,
                                                  std::string_view what) {
  const YamlNode* node = parent.Find(key);
  if (node != nullptr && node->unresolved) return std::nullopt;
  if (node == nullptr || node->is_null()) {
    Error(node == nullptr ? parent.position : node->position,
          std::string(what) + " needs " + Quote(key));
    return std::nullopt;
  }
  return Scalar(node, std::string(what) + ": " + std::string(key));
}

std::vector<Located> Reader::ScalarList(const YamlNode* node,
                                        std::string_view what) {
  std::vector<Located> out;
  if (node == nullptr || node->is_null()) return out;
  if (node->is_scalar()) {
    if (!node->unresolved) out.push_back({node->scalar, node->position});
    return out;
  }
  if (!node->is_sequence()) {
    Error(node->position, std::string(what) + " must be a list, not " +
                              std::string(KindName(node->kind)));
    return out;
  }
  for (const YamlNode& item : node->items) {
    if (item.unresolved) continue;
    if (item.is_scalar()) {
      out.push_back({item.scalar, item.position});
    } else {
      Error(item.position, "each item of " + std::string(what) +
                               " must be a string, not " +
                               std::string(KindName(item.kind)));
    }
  }
  return out;
}

std::optional<bool> Reader::Bool(const YamlNode* node, std::string_view what) {
  std::optional<std::string> text = Scalar(node, what);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "True" || *text == "TRUE") return true;
  if (*text == "false" || *text == "False" || *text == "FALSE") return false;
  Error(node->position,
        std::string(what) + " must be true or false, not " + Quote(*text));
  return std::nullopt;
}

std::optional<long long> Reader::Integer(const YamlNode* node,
                                         std::string_view what, long long min,
                                         long long max) {
  std::optional<std::string> text = Scalar(node, what);
  if (!text) return std::nullopt;
  long long value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    Error(node->position, std::string(what) + " must be a whole number from " +
                              std::to_string(min) + " to " +
                              std::to_string(max) + ", not " + Quote(*text));
    return std::nullopt;
  }
  return value;
}

}  // namespace coffer::policy

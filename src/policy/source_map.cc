#include "policy/source_map.h"

#include <algorithm>

namespace coffer::policy {
namespace {

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

}  // namespace

SourceMap::SourceMap(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  bool ascii = true;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
    if (static_cast<unsigned char>(text[i]) >= 0x80) ascii = false;
  }
  if (!ascii) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (!IsContinuationByte(text[i])) char_starts_.push_back(i);
    }
  }
}

size_t SourceMap::ByteOfChar(size_t index) const {
  if (char_starts_.empty()) return std::min(index, text_.size());
  return index < char_starts_.size() ? char_starts_[index] : text_.size();
}

Position SourceMap::PositionOfByte(size_t byte) const {
  byte = std::min(byte, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), byte);
  size_t line = static_cast<size_t>(it - line_starts_.begin());
  size_t start = line_starts_[line - 1];
  int column = 1;
  for (size_t i = start; i < byte; ++i) {
    if (!IsContinuationByte(text_[i])) ++column;
  }
  return {static_cast<int>(line), column};
}

Position SourceMap::FindNext(size_t begin_index, size_t end_index,
                             std::string_view needle, size_t* cursor,
                             Position fallback) const {
  size_t begin = ByteOfChar(begin_index);
  size_t end = ByteOfChar(end_index);
  std::string_view raw = text_.substr(begin, end - begin);
  size_t at =
      needle.empty() ? std::string_view::npos : raw.find(needle, *cursor);
  if (at == std::string_view::npos) return fallback;
  *cursor = at + needle.size();
  return PositionOfByte(begin + at);
}

}  // namespace coffer::policy

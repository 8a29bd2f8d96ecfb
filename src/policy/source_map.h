// Turns offsets into a session file's text into line and column numbers.
//
// libyaml counts characters, not bytes; this map converts between the two so
// that positions are right for files with non-ASCII text too. Immutable after
// construction, so it may be shared between threads.
#pragma once

#include <string_view>
#include <vector>

#include "policy/diagnostics.h"

namespace coffer::policy {

class SourceMap {
 public:
  explicit SourceMap(std::string_view text);

  std::string_view text() const { return text_; }
  // The byte offset of the `index`-th character (clamped to the end).
  size_t ByteOfChar(size_t index) const;
  // The 1-based line and column (in characters) of a byte offset.
  Position PositionOfByte(size_t byte) const;
  // Where the next `needle` stands in the source between character offsets
  // `begin_index` and `end_index`, searching from `*cursor` (a byte offset
  // into that range, advanced past the match); `fallback` if absent.
  Position FindNext(size_t begin_index, size_t end_index,
                    std::string_view needle, size_t* cursor,
                    Position fallback) const;

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;  // byte offset of each line
  std::vector<size_t> char_starts_;  // empty when the text is ASCII
};

}  // namespace coffer::policy

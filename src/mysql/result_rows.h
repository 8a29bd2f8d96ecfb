// Where the values of a result row are, so that a filter can rewrite them
// in place (same length) without re-encoding the row.
//
// Both functions take an untrusted row payload and return one ValueSpan
// per column, in column order, or kInvalidArgument when the row does not
// hold exactly the expected values ("text row truncated: value of column
// 3 needs 12 bytes at offset 40, 5 left"). They never read out of bounds.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "mysql/wire.h"

namespace coffer::mysql {

struct ValueSpan {
  size_t offset = 0;  // of the value's bytes, after any length prefix
  size_t length = 0;
  bool is_null = false;  // then offset and length are 0

  friend bool operator==(const ValueSpan&, const ValueSpan&) = default;
};

// A text-protocol row (COM_QUERY): one lenenc string per column, 0xFB for
// NULL.
StatusOr<std::vector<ValueSpan>> TextRowValues(ByteView payload,
                                               size_t column_count);

// A binary-protocol row (COM_STMT_EXECUTE/FETCH): header 0x00, a NULL
// bitmap of (columns + 9) / 8 bytes whose bits start at bit 2, then each
// non-NULL value encoded by its column type (capabilities.h kType*).
// Unknown column types are kInvalidArgument.
StatusOr<std::vector<ValueSpan>> BinaryRowValues(
    ByteView payload, const std::vector<uint8_t>& column_types);

// Bytes of a binary row's NULL bitmap for `column_count` columns.
constexpr size_t BinaryNullBitmapSize(size_t column_count) {
  return (column_count + 7 + 2) / 8;
}

}  // namespace coffer::mysql

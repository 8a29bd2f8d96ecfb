#include "mysql/result_rows.h"

#include <string>

#include "mysql/capabilities.h"

namespace coffer::mysql {
namespace {

// How a binary-protocol value of a column type is laid out.
enum class BinaryLayout { kFixed, kLengthByte, kLenenc, kNone, kUnknown };

struct TypeLayout {
  BinaryLayout layout;
  size_t fixed_size;
};

TypeLayout LayoutOf(uint8_t type) {
  switch (type) {
    case kTypeTiny: return {BinaryLayout::kFixed, 1};
    case kTypeShort:
    case kTypeYear: return {BinaryLayout::kFixed, 2};
    case kTypeLong:
    case kTypeInt24:
    case kTypeFloat: return {BinaryLayout::kFixed, 4};
    case kTypeLongLong:
    case kTypeDouble: return {BinaryLayout::kFixed, 8};
    case kTypeNull: return {BinaryLayout::kNone, 0};
    case kTypeDate:
    case kTypeNewDate:
    case kTypeDateTime:
    case kTypeTimestamp:
    case kTypeTime:
    case kTypeTimestamp2:
    case kTypeDateTime2:
    case kTypeTime2: return {BinaryLayout::kLengthByte, 0};
    case kTypeDecimal:
    case kTypeVarchar:
    case kTypeBit: return {BinaryLayout::kLenenc, 0};
    default:
      if (type >= kTypeJson) return {BinaryLayout::kLenenc, 0};
      return {BinaryLayout::kUnknown, 0};
  }
}

std::string ColumnField(size_t index) {
  return "value of column " + std::to_string(index);
}

StatusOr<ValueSpan> ReadSized(Reader& reader, size_t size, size_t index) {
  const size_t offset = reader.offset();
  COFFER_RETURN_IF_ERROR(reader.Skip(size, ColumnField(index)));
  return ValueSpan{offset, size, false};
}

StatusOr<ValueSpan> ReadBinaryValue(Reader& reader, uint8_t type,
                                    size_t index) {
  const TypeLayout layout = LayoutOf(type);
  switch (layout.layout) {
    case BinaryLayout::kFixed:
      return ReadSized(reader, layout.fixed_size, index);
    case BinaryLayout::kNone: return ValueSpan{reader.offset(), 0, false};
    case BinaryLayout::kLengthByte: {
      COFFER_ASSIGN_OR_RETURN(uint8_t size,
                              reader.ReadU8("length of " + ColumnField(index)));
      return ReadSized(reader, size, index);
    }
    case BinaryLayout::kLenenc: {
      COFFER_ASSIGN_OR_RETURN(
          uint64_t size, reader.ReadLenenc("length of " + ColumnField(index)));
      if (size > reader.remaining()) {
        return reader.Error(ColumnField(index) + " of " + std::to_string(size) +
                            " bytes is truncated");
      }
      return ReadSized(reader, static_cast<size_t>(size), index);
    }
    case BinaryLayout::kUnknown: break;
  }
  return reader.Error("column " + std::to_string(index) + " has unknown type " +
                      std::to_string(type));
}

}  // namespace

StatusOr<std::vector<ValueSpan>> TextRowValues(ByteView payload,
                                               size_t column_count) {
  Reader reader(payload, "text row");
  // Each value takes at least one byte: a cheap bound before reserving.
  if (column_count > payload.size()) {
    return InvalidArgumentError(
        "text row of " + std::to_string(payload.size()) +
        " bytes cannot hold " + std::to_string(column_count) + " values");
  }
  std::vector<ValueSpan> values;
  values.reserve(column_count);
  for (size_t i = 0; i < column_count; ++i) {
    COFFER_ASSIGN_OR_RETURN(
        std::optional<uint64_t> size,
        reader.ReadLenencOrNull("length of " + ColumnField(i)));
    if (!size.has_value()) {
      values.push_back({0, 0, true});
      continue;
    }
    if (*size > reader.remaining()) {
      return reader.Error(ColumnField(i) + " of " + std::to_string(*size) +
                          " bytes is truncated");
    }
    COFFER_ASSIGN_OR_RETURN(ValueSpan value,
                            ReadSized(reader, static_cast<size_t>(*size), i));
    values.push_back(value);
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return values;
}

StatusOr<std::vector<ValueSpan>> BinaryRowValues(
    ByteView payload, const std::vector<uint8_t>& column_types) {
  Reader reader(payload, "binary row");
  COFFER_ASSIGN_OR_RETURN(uint8_t header, reader.ReadU8("header"));
  if (header != 0x00) return reader.Error("header is not 0x00");
  const size_t count = column_types.size();
  COFFER_ASSIGN_OR_RETURN(
      ByteView bitmap,
      reader.ReadBytes(BinaryNullBitmapSize(count), "NULL bitmap"));
  std::vector<ValueSpan> values;
  values.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const size_t bit = i + 2;
    if ((bitmap[bit / 8] & (1u << (bit % 8))) != 0) {
      values.push_back({0, 0, true});
      continue;
    }
    COFFER_ASSIGN_OR_RETURN(ValueSpan value,
                            ReadBinaryValue(reader, column_types[i], i));
    values.push_back(value);
  }
  COFFER_RETURN_IF_ERROR(reader.ExpectEnd());
  return values;
}

}  // namespace coffer::mysql

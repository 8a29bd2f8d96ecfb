// A recursive-descent parser for the MariaDB 10.11 statements that
// applications and analysts send (see README.md for the list).
//
// Parse() accepts a whole COM_QUERY text: several statements separated by
// ';' give several Statements. Anything it does not know, or knows but does
// not model (HANDLER, LOAD DATA, compound statements, CREATE VIEW, GRANT,
// ...), is an error: callers that must fail closed (the masking guard) refuse
// the text. Errors are kInvalidArgument for syntax ("sql: 1:23: unexpected
// ',' after SELECT list item") and kUnimplemented for statements outside the
// modelled set ("sql: 1:1: unsupported statement HANDLER"), kResourceExhausted
// for inputs over kMaxSqlBytes or nested deeper than kMaxDepth.
//
// Thread safety: Parse is a pure function.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/ast.h"
#include "sql/lexer.h"

namespace coffer::sql {

inline constexpr size_t kMaxSqlBytes = 4 * 1024 * 1024;
inline constexpr int kMaxDepth = 200;

StatusOr<std::vector<Statement>> Parse(std::string_view sql, LexMode mode);

}  // namespace coffer::sql

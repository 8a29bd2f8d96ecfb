// A tokenizer for MariaDB 10.11's SQL, as the server reads it.
//
// The masking guard (masking_guard.h) decides from these tokens whether a
// statement may reach the server, so any difference between how Coffer and
// the server split a text is a potential bypass. The lexer therefore follows
// the server's rules byte for byte where they are known, and reports an error
// wherever they are unclear (nested comments inside executable comments,
// `->`, stray bytes, invalid UTF-8 in unquoted identifiers, ...).
//
// What the server's connection character set does to the bytes is out of
// scope: the lexer assumes an ASCII-compatible single-byte-escape charset
// (utf8mb4, utf8mb3, latin1, ascii, binary). Multi-byte charsets such as gbk
// or sjis, where 0x5C can be the second byte of a character, must be refused
// by the caller (the guard refuses SET NAMES to them).
//
// Thread safety: Tokenize is a pure function; Lexer objects are not shared.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coffer::sql {

// The sql_mode flags that change how bytes are tokenized.
struct LexMode {
  bool ansi_quotes = false;           // "x" is an identifier, not a string
  bool no_backslash_escapes = false;  // '\' is an ordinary byte in strings

  friend bool operator==(const LexMode&, const LexMode&) = default;
};

enum class TokenKind {
  kEnd,             // end of input; always the last token
  kWord,            // unquoted identifier or keyword; `upper` holds its case
  kQuotedIdent,     // `x`, or "x" under ansi_quotes; `text` is unescaped
  kString,          // 'x', or "x" without ansi_quotes; `text` is unescaped
  kNationalString,  // N'x'
  kHexString,       // X'4A' or 0x4A; `text` holds the hex digits
  kBitString,       // B'01' or 0b01; `text` holds the binary digits
  kInteger,         // 123
  kDecimal,         // 1.5, .5, 1.
  kFloat,           // 1e5, 1.5e-3
  kUserVar,         // @name, @'name', @`name`; `text` is the name
  kSysVar,          // @@name, @@session.name; `text` is the part after @@
  kPlaceholder,     // ?
  kOperator,        // punctuation and operators; `text` is the operator
  // /*!NNNNN ...*/ or /*M!NNNNNN ...*/: whether the server runs the content
  // depends on its version, so the parser refuses the statement.
  kVersionedComment,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;   // see TokenKind; the raw bytes for numbers and words
  std::string upper;  // kWord only: `text` in ASCII upper case
  size_t offset = 0;  // byte offset of the token's first byte in the input
  size_t length = 0;  // bytes the token spans in the input
  // kUserVar/kSysVar/kWord: the name was written quoted (@'x', @@`x`).
  bool quoted = false;
  // The token directly follows `ident.` with no space, so the server reads
  // it as an identifier whatever its spelling (`t.1e5`, `t.select`).
  bool after_ident_dot = false;
};

// Splits `sql` into tokens under `mode`. The last token is kEnd. Errors
// (kInvalidArgument) name the position: "sql: 1:8: unterminated string".
StatusOr<std::vector<Token>> Tokenize(std::string_view sql, LexMode mode);

// "LINE:COLUMN" (1-based, columns in bytes) of `offset` within `sql`.
std::string Position(std::string_view sql, size_t offset);

// A short printable rendering of a token for error messages: 'x', "FROM",
// end of input.
std::string Describe(const Token& token);

}  // namespace coffer::sql

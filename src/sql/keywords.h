// Word lists of MariaDB 10.11's grammar: reserved words, built-in function
// names, and interval units. All take upper-case ASCII.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace coffer::sql {

using WordSet = std::set<std::string, std::less<>>;

// The words of a list separated by spaces and line breaks (the word lists
// here, and others built the same way).
WordSet SplitWords(std::string_view words);

// A reserved word: never an unquoted identifier.
bool IsReserved(std::string_view upper);

// A word that may not be an unquoted alias written without AS: the reserved
// words, plus non-reserved words that start a clause after a select item or
// a table (WINDOW, RETURNING, OFFSET, ...). Refusing these as bare aliases
// keeps Coffer from reading `FROM t window` differently from the server.
bool IsNotBareAlias(std::string_view upper);

// A reserved word that is still a function name before '(' (IF, LEFT,
// REPLACE, DATABASE, ...).
bool IsFunctionKeyword(std::string_view upper);

// A reserved word that is a function even without parentheses
// (CURRENT_TIMESTAMP, LOCALTIME, UTC_DATE, ...).
bool IsNiladicKeyword(std::string_view upper);

// A function built into MariaDB 10.11 (not a stored function or UDF).
bool IsBuiltinFunction(std::string_view upper);

// A character set name, as in the introducer `_latin1'x'` (the name
// without its underscore). The server reads `_name 'x'` as an introducer
// only for these; otherwise it is the column `_name` with the alias 'x'.
bool IsCharsetName(std::string_view upper);

// An INTERVAL / EXTRACT unit (DAY, HOUR_MINUTE, ...).
bool IsTimeUnit(std::string_view upper);

}  // namespace coffer::sql

// The three ways a masking rule rewrites a column value, in place and
// without changing its byte length (the proxy rewrites length-encoded
// strings inside a row packet; the masked value leaks its length, as with
// MaxScale).
//
// All functions work on bytes: a multi-byte UTF-8 character becomes as many
// single-byte fill characters. NULL values are the proxy's business: they
// never reach these functions.
//
// Thread safety: MatchPattern is immutable after Compile; Match may be
// called on the same pattern from any number of threads at once (each
// thread has its own PCRE2 match data).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

// PCRE2's compiled pattern type, declared here so that users of this header
// need not include pcre2.h (the typedef in pcre2.h names the same struct).
struct pcre2_real_code_8;

namespace coffer::masking {

// Overwrites `field` with `value` if `value` is non-empty and has exactly
// the field's byte length, otherwise with `fill` repeated and truncated to
// the field's length ("X#@" over 7 bytes gives "X#@X#@X"). An empty field
// stays empty. `fill` must not be empty (the loader guarantees it).
void ReplaceValue(std::span<char> field, std::string_view value,
                  std::string_view fill);

// MaxScale's obfuscation, byte for byte as MaxScale computes it on x86
// (where char is signed), on every platform:
//   c = sign_extend(s[0]) + len
//   for each byte b: d = (|(signed char)(b ^ c)| + 32) mod 256;
//                    c += d << 3; b = min(d, 126)
// Deterministic and unkeyed: equal inputs give equal outputs, and values
// from a small domain can be recovered by trying candidates. Output bytes
// are printable ASCII (32..126). An empty field stays empty.
void Obfuscate(std::span<char> field);

// A compiled PCRE2 pattern (options 0, as MaxScale: unanchored,
// case-sensitive, byte mode).
class MatchPattern {
 public:
  // Errors (kInvalidArgument): PCRE2's message and the offset in the
  // pattern, e.g. `missing closing parenthesis at offset 4`.
  static StatusOr<MatchPattern> Compile(std::string_view pattern);

  const std::string& pattern() const { return pattern_; }

  // MaxScale's partial masking: from offset 0, find the next match; replace
  // the whole match ($0; groups mean nothing) with `value` if it has the
  // match's length, else with `fill` repeated and truncated to it; go on at
  // the end of the match, on the rewritten bytes. Stops at the end of the
  // field, when nothing more matches, or at an empty match. Bytes the
  // pattern does not match are left as they are (so a value that does not
  // match at all is returned unchanged).
  //
  // Unlike MaxScale, which passes the value as a C string, the whole field
  // is searched, also after an embedded NUL byte.
  //
  // Errors: if PCRE2 fails (its match or heap limit, on a pathological
  // pattern and value) the whole field is overwritten with `fill` (fail
  // closed) and kResourceExhausted is returned naming the PCRE2 error;
  // kResourceExhausted also if match data cannot be allocated.
  Status Match(std::span<char> field, std::string_view value,
               std::string_view fill) const;

 private:
  struct CodeDeleter {
    void operator()(pcre2_real_code_8* code) const;
  };

  MatchPattern(std::string pattern,
               std::unique_ptr<pcre2_real_code_8, CodeDeleter> code)
      : pattern_(std::move(pattern)), code_(std::move(code)) {}

  std::string pattern_;
  std::unique_ptr<pcre2_real_code_8, CodeDeleter> code_;
};

}  // namespace coffer::masking

// Problems found in a session file, with the place they were found.
//
// The checker collects every problem of a file instead of stopping at the
// first, so that a user fixes them all in one round. Not thread-safe: one
// Diagnostics belongs to one check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coffer::policy {

// 1-based line and column in the original file; 0 when unknown.
struct Position {
  int line = 0;
  int column = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity;
  Position position;
  std::string message;
};

class Diagnostics {
 public:
  void Error(Position position, std::string message);
  void Warning(Position position, std::string message);

  bool has_errors() const { return errors_ > 0; }
  int error_count() const { return errors_; }
  const std::vector<Diagnostic>& items() const { return items_; }

  // Turns every warning into an error (for --fail-on-warning).
  void PromoteWarnings();

  // Items ordered by position (then in the order found), one per line:
  // "FILE:LINE:COLUMN: error: MESSAGE".
  std::string Format(std::string_view file) const;

 private:
  std::vector<Diagnostic> items_;
  int errors_ = 0;
};

}  // namespace coffer::policy

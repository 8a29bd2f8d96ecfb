#include "policy/diagnostics.h"

#include <algorithm>

namespace coffer::policy {

void Diagnostics::Error(Position position, std::string message) {
  items_.push_back({Severity::kError, position, std::move(message)});
  ++errors_;
}

void Diagnostics::Warning(Position position, std::string message) {
  items_.push_back({Severity::kWarning, position, std::move(message)});
}

void Diagnostics::PromoteWarnings() {
  for (Diagnostic& d : items_) {
    if (d.severity == Severity::kWarning) {
      d.severity = Severity::kError;
      ++errors_;
    }
  }
}

std::string Diagnostics::Format(std::string_view file) const {
  std::vector<const Diagnostic*> sorted;
  for (const Diagnostic& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Diagnostic* a, const Diagnostic* b) {
                     if (a->position.line != b->position.line) {
                       return a->position.line < b->position.line;
                     }
                     return a->position.column < b->position.column;
                   });
  std::string out;
  for (const Diagnostic* d : sorted) {
    out += file;
    out += ':' + std::to_string(d->position.line) + ':' +
           std::to_string(d->position.column) + ": ";
    out += d->severity == Severity::kError ? "error: " : "warning: ";
    out += d->message;
    out += '\n';
  }
  return out;
}

}  // namespace coffer::policy

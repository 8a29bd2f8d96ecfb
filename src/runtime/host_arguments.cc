#include "runtime/host_arguments.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace coffer::runtime {
namespace {

constexpr size_t kMaxPlaceholder = 9;

// The placeholder number at `text[at]` ("@@N", N = 1..9), if any.
std::optional<size_t> PlaceholderAt(std::string_view text, size_t at) {
  if (at + 3 > text.size() || text.compare(at, 2, "@@") != 0) {
    return std::nullopt;
  }
  const char digit = text[at + 2];
  if (digit < '1' || digit > '9') return std::nullopt;
  return static_cast<size_t>(digit - '0');
}

// The size of `text` with its placeholders filled in; one without its host
// argument counts as empty (FillHostArguments refuses it).
size_t ExpandedSize(std::string_view text,
                    std::span<const std::string> host_arguments) {
  size_t size = 0;
  for (size_t i = 0; i < text.size();) {
    const std::optional<size_t> number = PlaceholderAt(text, i);
    if (!number.has_value()) {
      ++size;
      ++i;
      continue;
    }
    if (*number <= host_arguments.size()) {
      size += host_arguments[*number - 1].size();
    }
    i += 3;
  }
  return size;
}

}  // namespace

StatusOr<std::vector<crypto::SecretBytes>> FillHostArguments(
    std::vector<crypto::SecretBytes> command,
    std::span<const std::string> host_arguments) {
  std::vector<bool> used(host_arguments.size(), false);
  std::vector<crypto::SecretBytes> filled;
  filled.reserve(command.size());
  for (crypto::SecretBytes& argument : command) {
    const std::span<const uint8_t> bytes = argument.span();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                                bytes.size());
    const std::optional<size_t> whole = PlaceholderAt(text, 0);
    if (whole.has_value() && text.size() == 3 &&
        *whole > host_arguments.size()) {
      continue;  // an optional host argument the host did not give
    }
    if (text.find("@@") == std::string_view::npos) {
      filled.push_back(std::move(argument));
      continue;
    }
    // Filled straight into SecretBytes of the final size: no std::string
    // copy of the secret, and no reallocation leaving one behind.
    crypto::SecretBytes value(ExpandedSize(text, host_arguments));
    const std::span<uint8_t> out = value.mutable_span();
    size_t at = 0;
    for (size_t i = 0; i < text.size();) {
      const std::optional<size_t> number = PlaceholderAt(text, i);
      if (!number.has_value()) {
        out[at++] = static_cast<uint8_t>(text[i++]);
        continue;
      }
      if (*number > host_arguments.size()) {
        return InvalidArgumentError(
            "the policy's command needs host argument " +
            std::to_string(*number) + " (@@" + std::to_string(*number) +
            " in one of its arguments); give it after --");
      }
      const std::string& host = host_arguments[*number - 1];
      std::copy(host.begin(), host.end(), out.begin() + at);
      at += host.size();
      used[*number - 1] = true;
      i += 3;
    }
    filled.push_back(std::move(value));
  }
  for (size_t i = 0; i < host_arguments.size(); ++i) {
    if (used[i]) continue;
    const std::string number = std::to_string(i + 1);
    return InvalidArgumentError(
        "host argument " + number + " (\"" + host_arguments[i] + "\") has " +
        (i < kMaxPlaceholder ? "no @@" + number + " in" : "no place in") +
        " the policy's command; the policy decides which arguments the host "
        "may give");
  }
  return filled;
}

}  // namespace coffer::runtime

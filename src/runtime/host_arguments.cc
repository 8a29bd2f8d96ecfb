#include "runtime/host_arguments.h"

#include <openssl/crypto.h>

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
    std::string expanded;
    for (size_t i = 0; i < text.size();) {
      const std::optional<size_t> number = PlaceholderAt(text, i);
      if (!number.has_value()) {
        expanded.push_back(text[i++]);
        continue;
      }
      if (*number > host_arguments.size()) {
        return InvalidArgumentError(
            "the policy's command needs host argument " +
            std::to_string(*number) + " (@@" + std::to_string(*number) +
            " in one of its arguments); give it after --");
      }
      expanded += host_arguments[*number - 1];
      used[*number - 1] = true;
      i += 3;
    }
    crypto::SecretBytes value(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(expanded.data()), expanded.size()));
    OPENSSL_cleanse(expanded.data(), expanded.size());
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

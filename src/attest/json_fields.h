// Internal to src/attest: typed, checked access to the fields of untrusted
// JSON (the DCAP collateral file, TCB info, QE identity).
//
// nlohmann::json throws on a wrong type; these accessors check first and
// return errors that name the document and the path of the field:
//   tcb_info: tcbLevels[2].tcb.pcesvn: must be an integer from 0 to 65535
// so no exception leaves the parsers.
// Thread safety: a JsonFields borrows its JSON value; use it while the
// value lives, from one thread or read-only from many.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/timestamp.h"
#include "common/encoding.h"
#include "common/status.h"

namespace coffer::attest::internal {

using Json = nlohmann::json;

// Parses `text` as one JSON object without throwing. kInvalidArgument
// "WHAT: malformed JSON: ..." or "WHAT: must be a JSON object".
StatusOr<Json> ParseJsonObject(std::string_view text, std::string_view what);

class JsonFields {
 public:
  // `object` must be a JSON object (ParseJsonObject or Object() ensure it).
  JsonFields(const Json& object, std::string what, std::string path = "")
      : object_(&object), what_(std::move(what)), path_(std::move(path)) {}

  bool Has(std::string_view key) const;

  StatusOr<std::string> String(std::string_view key) const;
  StatusOr<int64_t> Integer(std::string_view key, int64_t min,
                            int64_t max) const;
  StatusOr<TimePoint> Time(std::string_view key) const;
  // Hex of exactly `size` bytes, or of any non-zero length without one.
  StatusOr<Bytes> Hex(std::string_view key,
                      std::optional<size_t> size = std::nullopt) const;
  template <size_t N>
  Status HexArray(std::string_view key, std::array<uint8_t, N>& out) const {
    StatusOr<Bytes> bytes = Hex(key, N);
    if (!bytes.ok()) return bytes.status();
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return OkStatus();
  }
  StatusOr<JsonFields> Object(std::string_view key) const;
  // The elements of an array field, each an object.
  StatusOr<std::vector<JsonFields>> Objects(std::string_view key) const;
  // An optional array of strings; empty if the key is absent.
  StatusOr<std::vector<std::string>> OptionalStrings(
      std::string_view key) const;

  // "WHAT: PATH.KEY: PROBLEM".
  Status Error(std::string_view key, std::string_view problem) const;

 private:
  std::string Label(std::string_view key) const;
  StatusOr<const Json*> Field(std::string_view key) const;

  const Json* object_;
  std::string what_;
  std::string path_;
};

}  // namespace coffer::attest::internal

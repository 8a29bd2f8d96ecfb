#include "attest/json_fields.h"

#include <exception>

namespace coffer::attest::internal {

StatusOr<Json> ParseJsonObject(std::string_view text, std::string_view what) {
  // allow_exceptions = false: a syntax error gives a "discarded" value.
  // The catch is for what remains (allocation failure), so that nothing
  // escapes the parser.
  try {
    Json value = Json::parse(text.begin(), text.end(), nullptr,
                             /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      return InvalidArgumentError(std::string(what) + ": malformed JSON");
    }
    if (!value.is_object()) {
      return InvalidArgumentError(std::string(what) +
                                  ": must be a JSON object");
    }
    return value;
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string(what) +
                                ": malformed JSON: " + e.what());
  }
}

std::string JsonFields::Label(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Status JsonFields::Error(std::string_view key, std::string_view problem) const {
  return InvalidArgumentError(what_ + ": " + Label(key) + ": " +
                              std::string(problem));
}

bool JsonFields::Has(std::string_view key) const {
  return object_->find(key) != object_->end();
}

StatusOr<const Json*> JsonFields::Field(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end()) return Error(key, "missing");
  return &*it;
}

StatusOr<std::string> JsonFields::String(std::string_view key) const {
  COFFER_ASSIGN_OR_RETURN(const Json* value, Field(key));
  if (!value->is_string()) return Error(key, "must be a string");
  return value->get_ref<const std::string&>();
}

StatusOr<int64_t> JsonFields::Integer(std::string_view key, int64_t min,
                                      int64_t max) const {
  COFFER_ASSIGN_OR_RETURN(const Json* value, Field(key));
  auto range = [&] {
    return Error(key, "must be an integer from " + std::to_string(min) +
                          " to " + std::to_string(max));
  };
  if (value->is_number_unsigned()) {
    const uint64_t number = value->get<uint64_t>();
    if (number > static_cast<uint64_t>(max)) return range();
    const auto signed_number = static_cast<int64_t>(number);
    if (signed_number < min) return range();
    return signed_number;
  }
  if (value->is_number_integer()) {
    const int64_t number = value->get<int64_t>();
    if (number < min || number > max) return range();
    return number;
  }
  return range();
}

StatusOr<TimePoint> JsonFields::Time(std::string_view key) const {
  COFFER_ASSIGN_OR_RETURN(std::string text, String(key));
  StatusOr<TimePoint> time = ParseRfc3339(text);
  if (!time.ok()) return Error(key, time.status().message());
  return time;
}

StatusOr<Bytes> JsonFields::Hex(std::string_view key,
                                std::optional<size_t> size) const {
  COFFER_ASSIGN_OR_RETURN(std::string text, String(key));
  StatusOr<Bytes> bytes = HexDecode(text);
  if (!bytes.ok()) return Error(key, bytes.status().message());
  if (!size.has_value() && bytes->empty()) {
    return Error(key, "must not be empty");
  }
  if (size.has_value() && bytes->size() != *size) {
    return Error(key, "must be " + std::to_string(*size) + " bytes (" +
                          std::to_string(2 * *size) + " hex digits), not " +
                          std::to_string(bytes->size()));
  }
  return bytes;
}

StatusOr<JsonFields> JsonFields::Object(std::string_view key) const {
  COFFER_ASSIGN_OR_RETURN(const Json* value, Field(key));
  if (!value->is_object()) return Error(key, "must be an object");
  return JsonFields(*value, what_, Label(key));
}

StatusOr<std::vector<JsonFields>> JsonFields::Objects(
    std::string_view key) const {
  COFFER_ASSIGN_OR_RETURN(const Json* value, Field(key));
  if (!value->is_array()) return Error(key, "must be an array");
  std::vector<JsonFields> elements;
  elements.reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    const std::string element_key =
        std::string(key) + "[" + std::to_string(i) + "]";
    const Json& element = (*value)[i];
    if (!element.is_object()) return Error(element_key, "must be an object");
    elements.emplace_back(element, what_, Label(element_key));
  }
  return elements;
}

StatusOr<std::vector<std::string>> JsonFields::OptionalStrings(
    std::string_view key) const {
  std::vector<std::string> strings;
  if (!Has(key)) return strings;
  COFFER_ASSIGN_OR_RETURN(const Json* value, Field(key));
  if (!value->is_array()) return Error(key, "must be an array of strings");
  for (const Json& element : *value) {
    if (!element.is_string()) {
      return Error(key, "must be an array of strings");
    }
    strings.push_back(element.get<std::string>());
  }
  return strings;
}

}  // namespace coffer::attest::internal

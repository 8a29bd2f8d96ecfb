#include "cas/secret_values.h"

#include <openssl/crypto.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <streambuf>
#include <utility>

#include "common/encoding.h"

namespace coffer::cas {
namespace {

using policy::SecretKind;
using Json = nlohmann::json;

constexpr std::string_view kFormatName = "coffer-secret-values";
constexpr int kFormatVersion = 1;

constexpr SecretKind kStoredKinds[] = {SecretKind::kAscii, SecretKind::kBinary,
                                       SecretKind::kPrivateKey,
                                       SecretKind::kX509Ca, SecretKind::kX509};

// Wipes the whole buffer, including what a shorter reassignment or a move
// left past size(). resize() up to the capacity never reallocates.
void WipeString(std::string& text) {
  text.resize(text.capacity());
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

// Wipes the strings a JSON document holds down to the depth this format
// has (document, "secrets", entry, field); a bound, so that hostile nesting
// cannot exhaust the stack.
void WipeJson(Json& json, int depth = 3) {
  if (json.is_string()) {
    WipeString(json.get_ref<std::string&>());
  } else if (depth > 0 && (json.is_object() || json.is_array())) {
    for (Json& child : json) WipeJson(child, depth - 1);
  }
}

// Counts, then copies into a buffer of exactly that size, what the JSON
// serializer writes: a growing std::string would leave copies of the
// secrets behind in freed memory.
class ExactBuffer : public std::streambuf {
 public:
  ExactBuffer() = default;  // counts only
  explicit ExactBuffer(std::span<uint8_t> out) : out_(out), copy_(true) {}
  size_t written() const { return written_; }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    const auto n = static_cast<size_t>(count);
    if (copy_) {
      if (n > out_.size() - written_) return 0;
      std::memcpy(out_.data() + written_, data, n);
    }
    written_ += n;
    return count;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) {
      return traits_type::not_eof(c);
    }
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  std::span<uint8_t> out_;
  bool copy_ = false;
  size_t written_ = 0;
};

Status Corrupt(std::string_view what) {
  return DataLossError("secret values are corrupt: " + std::string(what));
}

std::optional<SecretKind> KindFromName(std::string_view name) {
  for (SecretKind kind : kStoredKinds) {
    if (policy::SecretKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

// A string member of `entry`, or "" when absent; nullopt if not a string.
std::optional<std::string> OptionalString(const Json& entry,
                                          std::string_view key) {
  const auto it = entry.find(key);
  if (it == entry.end()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

StatusOr<SecretValue> ParseEntry(const std::string& name, Json& entry) {
  const std::string context = "secret \"" + name + "\"";
  if (!entry.is_object()) return Corrupt(context + " is not an object");
  const auto kind_field = entry.find("kind");
  if (kind_field == entry.end() || !kind_field->is_string()) {
    return Corrupt(context + " has no kind");
  }
  const std::optional<SecretKind> kind =
      KindFromName(kind_field->get_ref<const std::string&>());
  if (!kind) return Corrupt(context + " has an unknown kind");
  SecretValue value;
  value.kind = *kind;

  const auto encoded = entry.find("value");
  if (encoded == entry.end() || !encoded->is_string()) {
    return Corrupt(context + " has no value");
  }
  StatusOr<Bytes> bytes = Base64Decode(encoded->get_ref<const std::string&>());
  if (!bytes.ok()) return Corrupt(context + ": its value is not base64");
  value.value = crypto::SecretBytes(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());

  std::optional<std::string> certificate = OptionalString(entry, "certificate");
  std::optional<std::string> chain = OptionalString(entry, "chain");
  std::optional<std::string> spec = OptionalString(entry, "spec");
  if (!certificate || !chain || !spec) {
    return Corrupt(context + " has a field that is not a string");
  }
  value.certificate_pem = std::move(*certificate);
  value.chain_pem = std::move(*chain);
  value.spec_fingerprint = std::move(*spec);
  if (value.HasPrivateKey() && value.value.empty()) {
    return Corrupt(context + " (" +
                   std::string(policy::SecretKindName(value.kind)) +
                   ") has no private key");
  }
  if (value.HasCertificate() && value.certificate_pem.empty()) {
    return Corrupt(context + " (" +
                   std::string(policy::SecretKindName(value.kind)) +
                   ") has no certificate");
  }
  return value;
}

StatusOr<SecretValues> FromJson(Json& document) {
  if (document.is_discarded() || !document.is_object()) {
    return Corrupt("not a JSON object");
  }
  const auto format = document.find("format");
  const auto version = document.find("version");
  if (format == document.end() || !format->is_string() ||
      format->get_ref<const std::string&>() != kFormatName) {
    return Corrupt("not in the coffer-secret-values format");
  }
  if (version == document.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kFormatVersion) {
    return Corrupt("unknown version of the coffer-secret-values format");
  }
  const auto secrets = document.find("secrets");
  if (secrets == document.end() || !secrets->is_object()) {
    return Corrupt("no \"secrets\" object");
  }
  SecretValues values;
  for (auto& [name, entry] : secrets->items()) {
    COFFER_ASSIGN_OR_RETURN(SecretValue value, ParseEntry(name, entry));
    values.Set(name, std::move(value));
  }
  return values;
}

}  // namespace

SecretValue SecretValue::Clone() const {
  return SecretValue{kind, value.Clone(), certificate_pem, chain_pem,
                     spec_fingerprint};
}

bool SecretValue::HasCertificate() const {
  return kind == SecretKind::kX509 || kind == SecretKind::kX509Ca;
}

bool SecretValue::HasPrivateKey() const {
  return kind == SecretKind::kPrivateKey || HasCertificate();
}

std::ostream& operator<<(std::ostream& out, const SecretValue& value) {
  return out << "[" << policy::SecretKindName(value.kind) << " secret]";
}

SecretValues SecretValues::Clone() const {
  SecretValues copy;
  for (const auto& [name, value] : values_) {
    copy.values_.emplace(name, value.Clone());
  }
  return copy;
}

void SecretValues::Set(std::string name, SecretValue value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}

const SecretValue* SecretValues::Find(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::vector<std::string> SecretValues::Names() const {
  std::vector<std::string> names;
  names.reserve(values_.size());
  for (const auto& entry : values_) names.push_back(entry.first);
  return names;
}

crypto::SecretBytes SecretValues::Serialize() const {
  Json secrets = Json::object();
  for (const auto& [name, value] : values_) {
    std::string encoded = Base64Encode(value.value.span());
    secrets[name] = Json{{"kind", policy::SecretKindName(value.kind)},
                         {"value", encoded},
                         {"certificate", value.certificate_pem},
                         {"chain", value.chain_pem},
                         {"spec", value.spec_fingerprint}};
    WipeString(encoded);
  }
  Json document = {{"format", kFormatName},
                   {"version", kFormatVersion},
                   {"secrets", std::move(secrets)}};

  ExactBuffer counter;
  std::ostream(&counter) << document;
  crypto::SecretBytes serialized(counter.written());
  ExactBuffer writer(serialized.mutable_span());
  std::ostream(&writer) << document;
  WipeJson(document);
  return serialized;
}

StatusOr<SecretValues> SecretValues::Parse(
    const crypto::SecretBytes& serialized) {
  Json document = Json::parse(AsString(serialized.span()), nullptr, false);
  StatusOr<SecretValues> values = FromJson(document);
  WipeJson(document);
  return values;
}

std::ostream& operator<<(std::ostream& out, const SecretValues& values) {
  out << "SecretValues{";
  const char* separator = "";
  for (const auto& entry : values) {
    out << separator << entry.first;
    separator = ", ";
  }
  return out << "}";
}

}  // namespace coffer::cas

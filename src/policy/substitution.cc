#include "policy/substitution.h"

#include <array>
#include <utility>

namespace coffer::policy {
namespace {

// Coffer's names first, then SCONE's longer spellings of the same forms.
constexpr std::array<std::pair<std::string_view, SecretFormat>, 19> kFormats = {
    {
        {"hex", SecretFormat::kHex},
        {"base64", SecretFormat::kBase64},
        {"crt", SecretFormat::kCrt},
        {"chain", SecretFormat::kChain},
        {"key", SecretFormat::kKey},
        {"privatekey", SecretFormat::kKey},
        {"der", SecretFormat::kDer},
        {"bin", SecretFormat::kDefault},
        {"pem", SecretFormat::kDefault},
        {"crt:pem", SecretFormat::kCrt},
        {"crt:der", SecretFormat::kDer},
        {"privatekey:pem", SecretFormat::kKey},
        {"privatekey:pkcs8:pem", SecretFormat::kKey},
        {"pkcs8:pem", SecretFormat::kKey},
        {"privatekey:der", SecretFormat::kKeyDer},
        {"privatekey:pkcs8:der", SecretFormat::kKeyDer},
        {"pkcs8:der", SecretFormat::kKeyDer},
        {"key:der", SecretFormat::kKeyDer},
        {"cert", SecretFormat::kCrt},
    }};

bool ParseFormat(std::string_view name, SecretFormat* format) {
  for (const auto& [text, value] : kFormats) {
    if (name == text) {
      *format = value;
      return true;
    }
  }
  return false;
}

// Parses the inside of one reference ("name:fmt", or SCONE's "name.crt").
bool ParseBody(std::string_view body, bool scone, SecretReference* ref,
               std::string* error) {
  std::string_view name = body;
  std::string_view format;
  if (size_t colon = body.find(':'); colon != std::string_view::npos) {
    name = body.substr(0, colon);
    format = body.substr(colon + 1);
  } else if (scone) {
    for (std::string_view suffix : {".crt", ".key", ".chain", ".hex"}) {
      if (body.ends_with(suffix) && body.size() > suffix.size()) {
        name = body.substr(0, body.size() - suffix.size());
        format = suffix.substr(1);
      }
    }
  }
  if (name.empty()) {
    *error = "secret substitution names no secret";
    return false;
  }
  ref->name = std::string(name);
  if (!format.empty() && !ParseFormat(format, &ref->format)) {
    *error = "unknown format \"" + std::string(format) +
             "\" in secret substitution; use hex, base64, crt, chain, key, "
             "privatekey, der or key:der";
    return false;
  }
  return true;
}

}  // namespace

std::string_view FormatName(SecretFormat format) {
  switch (format) {
    case SecretFormat::kDefault: return "default";
    case SecretFormat::kHex: return "hex";
    case SecretFormat::kBase64: return "base64";
    case SecretFormat::kCrt: return "crt";
    case SecretFormat::kChain: return "chain";
    case SecretFormat::kKey: return "key";
    case SecretFormat::kDer: return "der";
    case SecretFormat::kKeyDer: return "key:der";
  }
  return "default";
}

FoundReferences FindSecretReferences(std::string_view text) {
  FoundReferences found;
  size_t i = 0;
  while (true) {
    size_t coffer = text.find("$$COFFER::", i);
    size_t scone = text.find("$$SCONE::", i);
    size_t start = std::min(coffer, scone);
    if (start == std::string_view::npos) break;
    bool is_scone = start == scone;
    size_t body_start = start + (is_scone ? 9 : 10);
    size_t close = text.find("$$", body_start);
    if (close == std::string_view::npos) {
      found.errors.push_back({std::string(text.substr(start)), start,
                              "secret substitution is not closed with $$"});
      break;
    }
    SecretReference ref;
    ref.text = std::string(text.substr(start, close + 2 - start));
    ref.offset = start;
    std::string error;
    if (ParseBody(text.substr(body_start, close - body_start), is_scone, &ref,
                  &error)) {
      found.references.push_back(std::move(ref));
    } else {
      found.errors.push_back({ref.text, start, error});
    }
    i = close + 2;
  }
  return found;
}

StatusOr<std::string> SubstituteSecrets(std::string_view text,
                                        const SecretResolver& resolve) {
  FoundReferences found = FindSecretReferences(text);
  if (!found.errors.empty()) {
    return InvalidArgumentError(found.errors[0].message + ": " +
                                found.errors[0].text);
  }
  std::string out;
  size_t done = 0;
  for (const SecretReference& ref : found.references) {
    out.append(text.substr(done, ref.offset - done));
    COFFER_ASSIGN_OR_RETURN(std::string value, resolve(ref));
    out += value;
    done = ref.offset + ref.text.size();
  }
  out.append(text.substr(done));
  return out;
}

}  // namespace coffer::policy

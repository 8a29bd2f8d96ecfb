// Secret substitutions: `$$COFFER::name[:format]$$` in commands, environment
// values and injected files, plus SCONE's spellings `$$SCONE::name$$`,
// `$$SCONE::name.crt$$` (`.key`, `.chain`) and `$$SCONE::name:crt$$`.
//
// The checker uses FindSecretReferences to validate names and formats; the
// CAS uses SubstituteSecrets to put the values in. Thread-safe: pure.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace coffer::policy {

// What form a secret's value takes where it is substituted.
enum class SecretFormat {
  kDefault,  // the natural form: text for ascii, PEM for keys and certs
  kHex,
  kBase64,
  kCrt,     // PEM certificate
  kChain,   // PEM certificate followed by its issuers
  kKey,     // PEM private key (`key` or `privatekey`)
  kDer,     // DER certificate (binary)
  kKeyDer,  // DER private key, PKCS#8 (binary)
};

std::string_view FormatName(SecretFormat format);

struct SecretReference {
  std::string name;
  SecretFormat format = SecretFormat::kDefault;
  std::string text;   // the whole reference as written, `$$...$$`
  size_t offset = 0;  // of the reference in the searched string
};

struct ReferenceError {
  std::string text;  // the offending reference as written
  size_t offset = 0;
  std::string message;
};

struct FoundReferences {
  std::vector<SecretReference> references;
  std::vector<ReferenceError> errors;
};

// Finds every secret reference in `text`, in order, with the malformed ones
// (unterminated, empty name, unknown format) as errors.
FoundReferences FindSecretReferences(std::string_view text);

// Replaces every reference in `text` with what `resolve` returns for it.
// Fails on the first malformed reference or failed resolution.
using SecretResolver =
    std::function<StatusOr<std::string>(const SecretReference&)>;
StatusOr<std::string> SubstituteSecrets(std::string_view text,
                                        const SecretResolver& resolve);

}  // namespace coffer::policy

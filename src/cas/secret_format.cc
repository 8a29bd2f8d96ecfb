#include "cas/secret_format.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>

#include "common/encoding.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace coffer::cas {
namespace {

using policy::SecretFormat;
using policy::SecretKind;

std::string Describe(std::string_view name, const SecretValue& value) {
  std::string text = "secret \"";
  text += name;
  text += "\" (";
  text += policy::SecretKindName(value.kind);
  text += ")";
  return text;
}

Status FormatDoesNotFit(std::string_view name, const SecretValue& value,
                        SecretFormat format) {
  std::string_view lacks;
  std::string_view applies_to;
  switch (format) {
    case SecretFormat::kCrt:
    case SecretFormat::kChain:
    case SecretFormat::kDer:
      lacks = " has no certificate";
      applies_to = "x509 and x509-ca";
      break;
    case SecretFormat::kKey:
    case SecretFormat::kKeyDer:
      lacks = " has no private key";
      applies_to = "private-key, x509 and x509-ca";
      break;
    case SecretFormat::kHex:
    case SecretFormat::kBase64:
    case SecretFormat::kDefault:
      lacks = " is not ascii or binary";
      applies_to = "ascii and binary";
      break;
  }
  return InvalidArgumentError(Describe(name, value) + std::string(lacks) +
                              ": format " +
                              std::string(policy::FormatName(format)) +
                              " applies to " + std::string(applies_to));
}

std::string Text(const crypto::SecretBytes& bytes) {
  return std::string(AsString(bytes.span()));
}

StatusOr<std::string> FormatBytes(std::string_view name,
                                  const SecretValue& value,
                                  SecretFormat format) {
  switch (format) {
    case SecretFormat::kDefault: return Text(value.value);
    case SecretFormat::kHex: return HexEncode(value.value.span());
    case SecretFormat::kBase64: return Base64Encode(value.value.span());
    default: return FormatDoesNotFit(name, value, format);
  }
}

// True when `der` is one DER SEQUENCE filling it exactly: the shape of a
// PKCS#8 key. A cheap guard; the bytes themselves are authenticated by the
// state's encryption.
bool IsOneDerSequence(std::span<const uint8_t> der) {
  if (der.size() < 2 || der[0] != 0x30) return false;
  size_t length = der[1];
  size_t header = 2;
  if ((length & 0x80) != 0) {
    const size_t count = length & 0x7f;
    if (count == 0 || count > 4 || der.size() < 2 + count) return false;
    length = 0;
    for (size_t i = 0; i < count; ++i) length = (length << 8) | der[2 + i];
    header += count;
  }
  return header + length == der.size();
}

// The stored key is PKCS#8 DER (authenticated by the state's encryption),
// so its PEM is the same bytes in base64 between PKCS#8's markers, as
// OpenSSL writes it. Encoding it directly, rather than decoding the key
// with OpenSSL 3 and writing it again, saves about a millisecond per
// provisioning (docs/performance.md).
StatusOr<std::string> FormatKey(std::string_view name, const SecretValue& value,
                                SecretFormat format) {
  if (format == SecretFormat::kKeyDer) return Text(value.value);
  if (!IsOneDerSequence(value.value.span())) {
    return DataLossError(Describe(name, value) +
                         ": its stored private key is corrupt");
  }
  std::string base64 = Base64Encode(value.value.span());
  std::string pem = "-----BEGIN PRIVATE KEY-----\n";
  for (size_t start = 0; start < base64.size(); start += 64) {
    pem.append(base64, start, 64);
    pem += '\n';
  }
  pem += "-----END PRIVATE KEY-----\n";
  OPENSSL_cleanse(base64.data(), base64.size());
  return pem;
}

StatusOr<std::string> FormatCertificate(std::string_view name,
                                        const SecretValue& value,
                                        SecretFormat format) {
  switch (format) {
    case SecretFormat::kDefault:
    case SecretFormat::kCrt: return value.certificate_pem;
    case SecretFormat::kChain: return value.certificate_pem + value.chain_pem;
    case SecretFormat::kDer: {
      StatusOr<crypto::Certificate> certificate =
          crypto::Certificate::FromPem(value.certificate_pem);
      if (!certificate.ok()) {
        return DataLossError(Describe(name, value) +
                             ": its stored certificate is corrupt");
      }
      return std::string(AsString(certificate->ToDer()));
    }
    case SecretFormat::kKey:
    case SecretFormat::kKeyDer: return FormatKey(name, value, format);
    case SecretFormat::kHex:
    case SecretFormat::kBase64: break;
  }
  return FormatDoesNotFit(name, value, format);
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

StatusOr<std::string> FormatSecret(std::string_view name,
                                   const SecretValue& value,
                                   SecretFormat format) {
  switch (value.kind) {
    case SecretKind::kAscii:
    case SecretKind::kBinary: return FormatBytes(name, value, format);
    case SecretKind::kPrivateKey:
      if (format == SecretFormat::kDefault || format == SecretFormat::kKey ||
          format == SecretFormat::kKeyDer) {
        return FormatKey(name, value, format);
      }
      return FormatDoesNotFit(name, value, format);
    case SecretKind::kX509Ca:
    case SecretKind::kX509: return FormatCertificate(name, value, format);
    case SecretKind::kImported:
    case SecretKind::kUnimplemented:
    case SecretKind::kUnknown: break;
  }
  return InvalidArgumentError(Describe(name, value) + " has no value");
}

StatusOr<ExportGrant> CheckExport(const policy::Session& exporter,
                                  std::string_view secret,
                                  std::string_view importer_name,
                                  std::string_view importer_hash) {
  std::optional<ExportGrant> grant;
  if (const policy::Secret* exported = exporter.FindSecret(secret)) {
    for (const policy::ExportTarget& target : exported->exports) {
      if (target.session == importer_name &&
          (!target.session_hash ||
           EqualsIgnoringCase(*target.session_hash, importer_hash))) {
        if (!target.public_only) return ExportGrant::kWhole;
        grant = ExportGrant::kPublicOnly;
      }
    }
  }
  if (grant.has_value()) return *grant;
  std::string message = "session \"" + exporter.name +
                        "\" does not export secret \"" + std::string(secret);
  message += "\" to session \"";
  message += importer_name;
  message += "\"";
  return PermissionDeniedError(std::move(message));
}

bool IsPublicForm(const SecretValue& value, SecretFormat format) {
  if (!value.HasCertificate()) return false;
  switch (format) {
    case SecretFormat::kDefault:  // of a certificate: the certificate
    case SecretFormat::kCrt:
    case SecretFormat::kChain:
    case SecretFormat::kDer: return true;
    case SecretFormat::kKey:
    case SecretFormat::kKeyDer:
    case SecretFormat::kHex:
    case SecretFormat::kBase64: return false;
  }
  return false;
}

StatusOr<std::string> PublicCertificate(const policy::Session& session,
                                        const SecretValues& values,
                                        std::string_view secret) {
  const policy::Secret* spec = session.FindSecret(secret);
  const SecretValue* value = values.Find(secret);
  if (spec != nullptr && spec->export_public && value != nullptr &&
      value->HasCertificate() && !value->certificate_pem.empty()) {
    return value->certificate_pem;
  }
  std::string message = "session \"" + session.name + "\" has no public ";
  message += "secret \"";
  message += secret;
  message += "\"";
  return NotFoundError(std::move(message));
}

}  // namespace coffer::cas

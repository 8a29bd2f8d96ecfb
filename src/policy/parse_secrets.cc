// Reading the `secrets:` list: kinds, their fields, exports and imports.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"
#include "policy/parse_internal.h"

namespace coffer::policy {
namespace {

constexpr std::pair<std::string_view, SecretKind> kKinds[] = {
    {"ascii", SecretKind::kAscii},
    {"binary", SecretKind::kBinary},
    {"private-key", SecretKind::kPrivateKey},
    {"x509-ca", SecretKind::kX509Ca},
    {"x509", SecretKind::kX509},
};
// SCONE kinds that Coffer does not generate.
constexpr std::string_view kSconeOnlyKinds[] = {"aad-token", "config-fragment",
                                                "pgp-key", "session-ca"};

constexpr std::pair<std::string_view, KeyType> kKeyTypes[] = {
    {"P-256", KeyType::kP256},       {"P-384", KeyType::kP384},
    {"Ed25519", KeyType::kEd25519},  {"RSA-2048", KeyType::kRsa2048},
    {"RSA-3072", KeyType::kRsa3072},
};

constexpr size_t kMaxGeneratedSize = 65536;

bool IsCertificate(SecretKind kind) {
  return kind == SecretKind::kX509 || kind == SecretKind::kX509Ca;
}

// "90d", "90 days", "12h", "1y", "30m" (minutes), "3600s".
std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  long long count = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || count <= 0 || count > 100000) return std::nullopt;
  std::string_view unit(ptr,
                        static_cast<size_t>(text.data() + text.size() - ptr));
  while (unit.starts_with(' ')) unit.remove_prefix(1);
  constexpr std::pair<std::string_view, long long> kUnits[] = {
      {"s", 1},        {"second", 1},      {"seconds", 1},     {"m", 60},
      {"minute", 60},  {"minutes", 60},    {"h", 3600},        {"hour", 3600},
      {"hours", 3600}, {"d", 86400},       {"day", 86400},     {"days", 86400},
      {"y", 31536000}, {"year", 31536000}, {"years", 31536000}};
  for (const auto& [name, seconds] : kUnits) {
    if (unit == name) return std::chrono::seconds(count * seconds);
  }
  return std::nullopt;
}

bool IsDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
           c == '.' || c == '*' || c == '_';
  });
}

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// One export target: a mapping {session, session_hash, public_only}, or
// SCONE's string forms "session" and "session:hash".
void ReadExportTarget(Reader& reader, const YamlNode& node,
                      std::string_view context, Secret& secret) {
  ExportTarget target;
  target.position = node.position;
  if (node.unresolved) return;
  if (node.is_scalar()) {
    std::string_view text = node.scalar;
    size_t colon = text.find(':');
    target.session = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      target.session_hash = std::string(text.substr(colon + 1));
    }
  } else if (node.is_mapping()) {
    reader.CheckKeys(node, std::string(context) + " export",
                     {"session", "session_hash", "public_only"},
                     {"namespace", "cas_url", "cas_key", "cas_software_key"});
    auto session = reader.RequiredScalar(node, "session",
                                         std::string(context) + " export");
    if (!session) return;
    target.session = *session;
    target.session_hash =
        reader.Scalar(node.Find("session_hash"), "session_hash");
    const YamlNode* public_only = node.Find("public_only");
    if (auto b = reader.Bool(public_only, "public_only")) {
      target.public_only = *b;
    }
    // Only certificates have a public part: any other secret exported
    // "public only" would give the importer nothing, a mistake better
    // reported now than at the importer's attestation. (The kind of an
    // imported secret is not known here.)
    if (target.public_only && (secret.kind == SecretKind::kAscii ||
                               secret.kind == SecretKind::kBinary ||
                               secret.kind == SecretKind::kPrivateKey)) {
      reader.Error(public_only->position,
                   std::string(context) +
                       ": public_only applies only to x509 and x509-ca "
                       "secrets, whose certificate is their public part; " +
                       secret.kind_text + " has none");
      return;
    }
  } else {
    reader.Error(node.position, std::string(context) +
                                    ": an export names a session, as a "
                                    "string or as {session: NAME}");
    return;
  }
  if (!IsSessionName(target.session)) {
    reader.Error(node.position, std::string(context) + ": export to " +
                                    Quote(target.session) +
                                    ", which is not a valid session name");
    return;
  }
  if (target.session_hash && !IsHex(*target.session_hash, 64)) {
    reader.Error(node.position, std::string(context) + ": session_hash " +
                                    Quote(*target.session_hash) +
                                    " is not 64 hex digits");
    return;
  }
  secret.exports.push_back(std::move(target));
}

void ReadSharing(Reader& reader, const YamlNode& node, std::string_view context,
                 Secret& secret) {
  if (const YamlNode* exports = node.Find("export")) {
    if (exports->is_sequence()) {
      for (const YamlNode& item : exports->items) {
        ReadExportTarget(reader, item, context, secret);
      }
    } else if (!exports->is_null()) {
      ReadExportTarget(reader, *exports, context, secret);
    }
  }
  if (auto b = reader.Bool(node.Find("export_public"), "export_public")) {
    secret.export_public = *b;
  }
  if (auto b = reader.Bool(node.Find("migrate"), "migrate")) {
    secret.migrate = *b;
  }
}

void ReadImport(Reader& reader, const YamlNode& node, std::string_view context,
                Secret& secret) {
  const YamlNode* import = node.Find("import");
  secret.kind = SecretKind::kImported;
  if (!reader.ExpectMapping(*import, std::string(context) + " import")) return;
  reader.CheckKeys(*import, std::string(context) + " import",
                   {"session", "secret"},
                   {"namespace", "cas_url", "cas_key", "cas_software_key"});
  auto session = reader.RequiredScalar(*import, "session",
                                       std::string(context) + " import");
  auto name = reader.RequiredScalar(*import, "secret",
                                    std::string(context) + " import");
  if (!session || !name) return;
  if (!IsSessionName(*session)) {
    reader.Error(import->position, std::string(context) + ": import from " +
                                       Quote(*session) +
                                       ", which is not a valid session name");
  }
  secret.import = ImportSource{*session, *name, import->position};
  // Generation fields have no meaning for a value that comes from elsewhere.
  for (std::string_view key :
       {"size", "value", "key_type", "private_key", "issuer", "common_name",
        "dns", "san", "endpoint", "valid_for"}) {
    if (const YamlNode* field = node.Find(key)) {
      reader.Error(field->position,
                   std::string(context) + ": " + Quote(key) +
                       " has no meaning for an imported secret; the "
                       "exporting session defines it");
    }
  }
}

void ReadValueOrSize(Reader& reader, const YamlNode& node,
                     std::string_view context, Secret& secret) {
  const YamlNode* value = node.Find("value");
  const YamlNode* size = node.Find("size");
  if (value != nullptr && size != nullptr) {
    reader.Error(size->position,
                 std::string(context) + " has both size and value; give one");
  }
  if (size != nullptr) {
    if (auto n = reader.Integer(size, std::string(context) + " size", 1,
                                kMaxGeneratedSize)) {
      secret.size = static_cast<size_t>(*n);
    }
  }
  if (value == nullptr) return;
  std::optional<std::string> text =
      reader.Scalar(value, std::string(context) + " value");
  if (!text) return;
  if (secret.kind == SecretKind::kBinary) {
    StatusOr<Bytes> bytes = HexDecode(*text);
    if (!bytes.ok()) {
      reader.Error(value->position, std::string(context) +
                                        ": a binary value is written in hex; " +
                                        bytes.status().message());
      return;
    }
    secret.value = std::string(AsString(*bytes));
    secret.size = bytes->size();
  } else {
    secret.value = *text;
    secret.size = text->size();
  }
}

void ReadCertificateFields(Reader& reader, const YamlNode& node,
                           std::string_view context, Secret& secret) {
  std::string ctx(context);
  secret.private_key = reader.Scalar(node.Find("private_key"), "private_key");
  if (secret.private_key) {
    secret.private_key_position = node.Find("private_key")->position;
  }
  secret.issuer = reader.Scalar(node.Find("issuer"), "issuer");
  if (secret.issuer) secret.issuer_position = node.Find("issuer")->position;
  secret.common_name = reader.Scalar(node.Find("common_name"), "common_name");
  for (const Located& dns : reader.ScalarList(node.Find("dns"), "dns")) {
    if (IsDnsName(dns.text)) {
      secret.dns_names.push_back(dns.text);
    } else {
      reader.Error(dns.position,
                   ctx + ": " + Quote(dns.text) + " is not a DNS name");
    }
  }
  for (const Located& san : reader.ScalarList(node.Find("san"), "san")) {
    std::string_view t = san.text;
    if (t.starts_with("dns:") && IsDnsName(t.substr(4))) {
      secret.dns_names.emplace_back(t.substr(4));
    } else if (t.starts_with("ip:") && IsIpAddress(std::string(t.substr(3)))) {
      secret.ip_addresses.emplace_back(t.substr(3));
    } else {
      reader.Error(san.position,
                   ctx + ": SAN " + Quote(t) +
                       " must be dns:NAME or ip:ADDRESS with a valid name or "
                       "IPv4/IPv6 address");
    }
  }
  if (auto endpoint = reader.Scalar(node.Find("endpoint"), "endpoint")) {
    if (*endpoint == "server") {
      secret.endpoint = Endpoint::kServer;
    } else if (*endpoint == "client") {
      secret.endpoint = Endpoint::kClient;
    } else if (*endpoint == "server,client" || *endpoint == "client,server") {
      secret.endpoint = Endpoint::kServerAndClient;
    } else {
      reader.Error(node.Find("endpoint")->position,
                   ctx +
                       ": endpoint must be server, client or "
                       "\"server,client\", not " +
                       Quote(*endpoint));
    }
  }
  if (auto valid = reader.Scalar(node.Find("valid_for"), "valid_for")) {
    if (auto duration = ParseDuration(*valid)) {
      secret.valid_for = *duration;
    } else {
      reader.Error(node.Find("valid_for")->position,
                   ctx + ": valid_for " + Quote(*valid) +
                       " is not a duration; write for example 90d, "
                       "\"90 days\", 12h or 1y");
    }
  }
}

// Reports fields that belong to other kinds, e.g. `issuer` on an ascii.
void CheckFieldsFitKind(Reader& reader, const YamlNode& node,
                        std::string_view context, const Secret& secret) {
  auto refuse = [&](std::string_view key, std::string_view kinds) {
    if (const YamlNode* field = node.Find(key)) {
      reader.Error(field->position, std::string(context) + ": " + Quote(key) +
                                        " applies only to " +
                                        std::string(kinds) +
                                        " secrets, not to " + secret.kind_text);
    }
  };
  bool text =
      secret.kind == SecretKind::kAscii || secret.kind == SecretKind::kBinary;
  if (!text) {
    refuse("size", "ascii and binary");
    refuse("value", "ascii and binary");
  }
  if (!IsCertificate(secret.kind)) {
    for (std::string_view key : {"private_key", "issuer", "common_name", "dns",
                                 "san", "endpoint", "valid_for"}) {
      refuse(key, "x509 and x509-ca");
    }
  }
  if (secret.kind != SecretKind::kX509) refuse("endpoint", "x509");
  if (secret.kind != SecretKind::kPrivateKey && !IsCertificate(secret.kind)) {
    refuse("key_type", "private-key, x509 and x509-ca");
  }
}

void ReadSecret(Reader& reader, const YamlNode& node, NameIndex& names,
                Session& session) {
  if (!reader.ExpectMapping(node, "a secret")) return;
  Secret secret;
  secret.position = node.position;
  std::optional<std::string> name =
      reader.RequiredScalar(node, "name", "a secret");
  if (!name) return;
  std::string context = "secret " + Quote(*name);
  if (!IsLocalName(*name)) {
    reader.Error(node.Find("name")->position,
                 "secret name " + Quote(*name) +
                     " is invalid: use 1 to 128 of A-Z a-z 0-9 _ . ~ -");
  }
  secret.name = *name;
  reader.CheckKeys(node, context,
                   {"name", "kind", "size", "value", "export", "export_public",
                    "import", "migrate", "key_type", "private_key", "issuer",
                    "common_name", "dns", "san", "endpoint", "valid_for"},
                   {"import_akv", "tenant_id", "client_id",
                    "application_secret", "certificate_thumbprint"});
  if (!names.Add(reader, "secret name", secret.name,
                 node.Find("name")->position)) {
    return;
  }

  std::optional<std::string> kind = reader.Scalar(node.Find("kind"), "kind");
  secret.kind_text = kind.value_or("imported");
  if (node.Find("import") != nullptr) {
    ReadImport(reader, node, context, secret);
    ReadSharing(reader, node, context, secret);
    session.secrets.push_back(std::move(secret));
    return;
  }
  if (!kind) {
    if (node.Find("kind") == nullptr) {
      reader.Error(node.position, context +
                                      " needs a kind (ascii, binary, "
                                      "private-key, x509-ca or x509) "
                                      "or an import");
    }
    return;
  }
  auto known = std::find_if(std::begin(kKinds), std::end(kKinds),
                            [&](auto& k) { return k.first == *kind; });
  if (known != std::end(kKinds)) {
    secret.kind = known->second;
  } else if (std::find(std::begin(kSconeOnlyKinds), std::end(kSconeOnlyKinds),
                       *kind) != std::end(kSconeOnlyKinds)) {
    reader.Warning(node.Find("kind")->position,
                   context + ": kind " + Quote(*kind) +
                       " is a SCONE kind that Coffer does not implement; "
                       "no value is generated for it");
    secret.kind = SecretKind::kUnimplemented;
    session.secrets.push_back(std::move(secret));
    return;
  } else {
    std::vector<std::string> kinds;
    for (const auto& k : kKinds) kinds.emplace_back(k.first);
    reader.Error(node.Find("kind")->position,
                 context + " has unknown kind " + Quote(*kind) +
                     DidYouMean(*kind, kinds) +
                     " (expected ascii, binary, private-key, x509-ca or "
                     "x509)");
    secret.kind = SecretKind::kUnknown;
    session.secrets.push_back(std::move(secret));
    return;
  }

  CheckFieldsFitKind(reader, node, context, secret);
  if (secret.kind == SecretKind::kAscii || secret.kind == SecretKind::kBinary) {
    ReadValueOrSize(reader, node, context, secret);
  }
  if (auto type = reader.Scalar(node.Find("key_type"), "key_type")) {
    auto it = std::find_if(std::begin(kKeyTypes), std::end(kKeyTypes),
                           [&](auto& k) { return k.first == *type; });
    if (it == std::end(kKeyTypes)) {
      reader.Error(node.Find("key_type")->position,
                   context + ": unknown key_type " + Quote(*type) +
                       " (expected P-256, P-384, Ed25519, RSA-2048 or "
                       "RSA-3072)");
    } else {
      secret.key_type = it->second;
    }
  }
  if (IsCertificate(secret.kind)) {
    ReadCertificateFields(reader, node, context, secret);
  }
  ReadSharing(reader, node, context, secret);
  session.secrets.push_back(std::move(secret));
}

}  // namespace

void ReadSecrets(Reader& reader, const YamlNode& list, Session& session) {
  NameIndex names;
  for (const YamlNode& item : list.items) {
    ReadSecret(reader, item, names, session);
  }
}

}  // namespace coffer::policy

#include "policy/parse.h"

#include <algorithm>

#include "common/encoding.h"
#include "policy/canonical.h"
#include "policy/parse_internal.h"

namespace coffer::policy {
namespace {

void ReadAccessList(Reader& reader, const YamlNode* node,
                    std::string_view operation, std::vector<AccessEntry>& out) {
  std::string what = "access_policy." + std::string(operation);
  if (node == nullptr) {
    out = {AccessEntry{AccessEntry::Kind::kCreator, "", {}}};
    return;
  }
  out.clear();
  for (const Located& item : reader.ScalarList(node, what)) {
    AccessEntry entry{AccessEntry::Kind::kCreator, "", item.position};
    const std::string& t = item.text;
    if (t == "CREATOR") {
      entry.kind = AccessEntry::Kind::kCreator;
    } else if (t == "ANY") {
      entry.kind = AccessEntry::Kind::kAny;
    } else if (t == "NONE") {
      entry.kind = AccessEntry::Kind::kNone;
    } else if (IsHex(t, 64)) {
      entry.kind = AccessEntry::Kind::kKeyHash;
      std::transform(t.begin(), t.end(), std::back_inserter(entry.value),
                     ::tolower);
    } else if (t.find("-----BEGIN CERTIFICATE-----") != std::string::npos &&
               t.find("-----END CERTIFICATE-----") != std::string::npos) {
      entry.kind = AccessEntry::Kind::kCertificate;
      entry.value = t;
    } else if (t.starts_with("$$SCONE::")) {
      reader.Warning(item.position,
                     "secret references in " + what +
                         " are a SCONE feature that Coffer does not "
                         "implement; the entry is ignored");
      continue;
    } else {
      reader.Error(item.position,
                   "entry " + Quote(t) + " in " + what +
                       " must be CREATOR, ANY, NONE, the SHA-256 (64 hex) of "
                       "a client key, or a PEM certificate");
      continue;
    }
    out.push_back(std::move(entry));
  }
  bool alone_required = std::any_of(out.begin(), out.end(), [](auto& e) {
    return e.kind == AccessEntry::Kind::kAny ||
           e.kind == AccessEntry::Kind::kNone;
  });
  if (alone_required && out.size() > 1) {
    reader.Error(node->position,
                 what + ": ANY and NONE must stand alone in their list");
  }
}

void ReadAccessPolicy(Reader& reader, const YamlNode* node, Session& session) {
  AccessPolicy& policy = session.access_policy;
  if (node == nullptr || node->is_null()) {
    ReadAccessList(reader, nullptr, "read", policy.read);
    ReadAccessList(reader, nullptr, "update", policy.update);
    return;
  }
  if (!reader.ExpectMapping(*node, "access_policy")) return;
  reader.CheckKeys(*node, "access_policy", {"read", "update"},
                   {"create_sessions"});
  ReadAccessList(reader, node->Find("read"), "read", policy.read);
  ReadAccessList(reader, node->Find("update"), "update", policy.update);
}

struct ToleranceName {
  std::string_view text;
  Tolerance tolerance;
};
constexpr ToleranceName kTolerances[] = {
    {"simulation", Tolerance::kSimulation},
    {"debug-mode", Tolerance::kDebugMode},
    {"outdated-tcb", Tolerance::kOutdatedTcb},
    {"software-hardening-needed", Tolerance::kSoftwareHardeningNeeded},
    {"configuration-needed", Tolerance::kConfigurationNeeded},
    {"insecure-configuration", Tolerance::kConfigurationNeeded},  // SCONE
    {"hyperthreading", Tolerance::kHyperthreading},
};
// SCONE tolerances Coffer has no matching check for.
constexpr std::string_view kSconeOnlyTolerances[] = {
    "insecure-igpu", "aepic-leak", "maa-managed-tcb"};

bool IsAdvisoryId(std::string_view id) {
  // INTEL-SA-00615 and the like: letters, "-SA-", digits.
  size_t sa = id.find("-SA-");
  if (sa == std::string_view::npos || sa == 0 || sa + 4 == id.size()) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = (i < sa && c >= 'A' && c <= 'Z') || (i >= sa && i < sa + 4) ||
              (i >= sa + 4 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void ReadSecurity(Reader& reader, const YamlNode* node, Session& session) {
  if (node == nullptr || node->is_null()) return;
  if (!reader.ExpectMapping(*node, "security")) return;
  reader.CheckKeys(*node, "security", {"attestation"},
                   {"singleton_enclaves", "service_access_token"});
  const YamlNode* attestation = node->Find("attestation");
  if (attestation == nullptr || attestation->is_null()) return;
  if (!reader.ExpectMapping(*attestation, "security.attestation")) return;
  reader.CheckKeys(
      *attestation, "security.attestation",
      {"tolerate", "ignore_advisories", "mode"},
      {"trusted_scone_qe_pubkeys", "url", "certificates",
       "min_rsa_signing_key_size", "one_time_password_shared_secret"});
  if (const YamlNode* mode = attestation->Find("mode")) {
    std::optional<std::string> m = reader.Scalar(mode, "attestation mode");
    if (m && *m != "hardware") {
      reader.Warning(mode->position,
                     "attestation mode " + Quote(*m) +
                         " is a SCONE mode that Coffer does not implement; "
                         "Coffer always verifies quotes itself");
    }
  }
  AttestationSecurity& out = session.attestation;
  for (const Located& item :
       reader.ScalarList(attestation->Find("tolerate"), "tolerate")) {
    auto known = std::find_if(std::begin(kTolerances), std::end(kTolerances),
                              [&](auto& t) { return t.text == item.text; });
    if (known != std::end(kTolerances)) {
      if (std::find(out.tolerate.begin(), out.tolerate.end(),
                    known->tolerance) == out.tolerate.end()) {
        out.tolerate.push_back(known->tolerance);
      }
    } else if (std::find(std::begin(kSconeOnlyTolerances),
                         std::end(kSconeOnlyTolerances),
                         item.text) != std::end(kSconeOnlyTolerances)) {
      reader.Warning(item.position,
                     "tolerance " + Quote(item.text) +
                         " is a SCONE tolerance that Coffer does not "
                         "implement; it is ignored");
    } else {
      std::vector<std::string> names;
      for (const auto& t : kTolerances) names.emplace_back(t.text);
      reader.Error(item.position,
                   "unknown tolerance " + Quote(item.text) +
                       DidYouMean(item.text, names) +
                       " (expected simulation, debug-mode, outdated-tcb, "
                       "software-hardening-needed, configuration-needed or "
                       "hyperthreading)");
    }
  }
  const YamlNode* advisories = attestation->Find("ignore_advisories");
  for (const Located& item :
       reader.ScalarList(advisories, "ignore_advisories")) {
    if (item.text == "*") {
      if (advisories->is_sequence() && advisories->items.size() > 1) {
        reader.Error(item.position,
                     "\"*\" ignores every advisory and must stand alone");
      }
    } else if (!IsAdvisoryId(item.text)) {
      reader.Error(item.position, "advisory ID " + Quote(item.text) +
                                      " is malformed; write it like "
                                      "INTEL-SA-00615, or \"*\" for all");
      continue;
    }
    out.ignore_advisories.push_back(item.text);
  }
}

void ReadVersion(Reader& reader, const YamlNode& root, Session& session) {
  std::optional<std::string> version =
      reader.RequiredScalar(root, "version", "the session");
  if (!version) return;
  const YamlNode* node = root.Find("version");
  bool is_03 = *version == "0.3" ||
               (version->starts_with("0.3.") && version->size() > 4 &&
                std::all_of(version->begin() + 4, version->end(),
                            [](char c) { return c >= '0' && c <= '9'; }));
  if (*version == "0.2") {
    reader.Warning(node->position,
                   "version \"0.2\" is read with the rules of 0.3");
  } else if (!is_03) {
    reader.Error(node->position, "unsupported version " + Quote(*version) +
                                     "; Coffer reads \"0.3\" (and 0.3.N)");
    return;
  }
  session.version = *version;
}

void ReadTopLevel(Reader& reader, const YamlNode& root, Session& session) {
  reader.CheckKeys(root, "the session",
                   {"name", "version", "predecessor", "access_policy",
                    "services", "images", "secrets", "security"},
                   {"volumes", "secret_config"});
  if (auto name = reader.RequiredScalar(root, "name", "the session")) {
    if (!IsSessionName(*name)) {
      reader.Error(root.Find("name")->position,
                   "session name " + Quote(*name) +
                       " is invalid: use 1 to 128 of A-Z a-z 0-9 _ . ~ / -");
    }
    session.name = *name;
  }
  ReadVersion(reader, root, session);
  if (const YamlNode* p = root.Find("predecessor")) {
    if (auto hash = reader.Scalar(p, "predecessor")) {
      if (IsHex(*hash, 64)) {
        session.predecessor = *hash;
        std::transform(hash->begin(), hash->end(), session.predecessor->begin(),
                       ::tolower);
      } else {
        reader.Error(p->position,
                     "predecessor must be the 64-hex hash of the session it "
                     "replaces, not " +
                         Quote(*hash));
      }
    }
  }
  ReadAccessPolicy(reader, root.Find("access_policy"), session);
  // Secrets first: services and images refer to them.
  auto list = [&](std::string_view key) -> const YamlNode* {
    const YamlNode* node = root.Find(key);
    if (node == nullptr || node->is_null()) return nullptr;
    if (!node->is_sequence()) {
      reader.Error(node->position, std::string(key) + " must be a list, not " +
                                       std::string(KindName(node->kind)));
      return nullptr;
    }
    return node;
  };
  if (const YamlNode* secrets = list("secrets")) {
    ReadSecrets(reader, *secrets, session);
  }
  if (const YamlNode* images = list("images")) {
    ReadImages(reader, *images, session);
  }
  if (const YamlNode* services = list("services")) {
    ReadServices(reader, *services, session);
  }
  ReadSecurity(reader, root.Find("security"), session);
}

}  // namespace

bool IsSessionName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '.' || c == '~' || c == '/' || c == '-';
  });
}

bool IsLocalName(std::string_view name) {
  return IsSessionName(name) && name.find('/') == std::string_view::npos;
}

bool NameIndex::Add(Reader& reader, std::string_view what,
                    const std::string& name, Position position) {
  auto [it, inserted] = first_line_.emplace(name, position.line);
  if (!inserted) {
    reader.Error(position, "duplicate " + std::string(what) + " " +
                               Quote(name) + " (first defined at line " +
                               std::to_string(it->second) + ")");
  }
  return inserted;
}

std::vector<std::string> ReadHexIds(Reader& reader, const YamlNode* node,
                                    std::string_view what) {
  std::vector<std::string> ids;
  for (const Located& item : reader.ScalarList(node, what)) {
    std::string_view text = item.text;
    size_t i = 0;
    bool any = false;
    while (i < text.size()) {
      size_t start = text.find_first_not_of(", \t\n", i);
      if (start == std::string_view::npos) break;
      size_t end = text.find_first_of(", \t\n", start);
      if (end == std::string_view::npos) end = text.size();
      std::string id(text.substr(start, end - start));
      any = true;
      if (IsHex(id, 64)) {
        std::transform(id.begin(), id.end(), id.begin(), ::tolower);
        ids.push_back(std::move(id));
      } else {
        reader.Error(item.position, std::string(what) + " " + Quote(id) +
                                        " is not 64 hex digits (" +
                                        std::to_string(id.size()) +
                                        " characters)");
      }
      i = end;
    }
    if (!any) {
      reader.Error(item.position, std::string(what) + " is empty");
    }
  }
  return ids;
}

CheckResult ParseSession(std::string_view text, const CheckOptions& options) {
  CheckResult result;
  Diagnostics& diagnostics = result.diagnostics;
  std::optional<YamlNode> root = ParseYaml(text, diagnostics);
  if (root && !root->is_mapping()) {
    diagnostics.Error(root->position,
                      "a session file must be a mapping (name: ..., "
                      "version: ..., services: ...), not " +
                          std::string(KindName(root->kind)));
    root.reset();
  }
  if (root) {
    SourceMap source(text);
    ExpandVariables(*root, source, options.variables, diagnostics);
    Session session;
    Reader reader(diagnostics);
    ReadTopLevel(reader, *root, session);
    CheckReferences(reader, *root, source, session);
    session.canonical = CanonicalForm(*root);
    session.hash = CanonicalHash(session.canonical);
    if (options.fail_on_warning) diagnostics.PromoteWarnings();
    if (!diagnostics.has_errors()) result.session = std::move(session);
  }
  return result;
}

}  // namespace coffer::policy

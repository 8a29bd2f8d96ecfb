// Rules between the parts of a session: names that must exist, kinds that
// must fit, and secret substitutions whose format must suit the secret.
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "policy/parse_internal.h"
#include "policy/substitution.h"

namespace coffer::policy {
namespace {

bool FormatFits(SecretKind kind, SecretFormat format) {
  switch (kind) {
    case SecretKind::kAscii:
    case SecretKind::kBinary:
      return format == SecretFormat::kDefault || format == SecretFormat::kHex ||
             format == SecretFormat::kBase64;
    case SecretKind::kPrivateKey:
      return format == SecretFormat::kDefault || format == SecretFormat::kKey ||
             format == SecretFormat::kKeyDer;
    case SecretKind::kX509Ca:
    case SecretKind::kX509:
      return format != SecretFormat::kHex && format != SecretFormat::kBase64;
    case SecretKind::kImported:
    case SecretKind::kUnimplemented:
    case SecretKind::kUnknown:
      return true;  // known only when the import is resolved, or reported
  }
  return false;
}

bool IsBinaryForm(SecretKind kind, SecretFormat format) {
  return format == SecretFormat::kDer || format == SecretFormat::kKeyDer ||
         (kind == SecretKind::kBinary && format == SecretFormat::kDefault);
}

// Where a value is substituted; binary forms fit only in files.
enum class Place { kCommand, kEnvironment, kFile };

// The session's secrets by name, built once: hostile files may hold many
// secrets and many references.
struct SecretIndex {
  explicit SecretIndex(const Session& session) {
    for (const Secret& s : session.secrets) {
      by_name.emplace(s.name, &s);
      names.push_back(s.name);
    }
  }
  const Secret* Find(const std::string& name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  }
  std::unordered_map<std::string_view, const Secret*> by_name;
  std::vector<std::string> names;
};

void CheckScalarReferences(Reader& reader, const YamlNode& node,
                           const SourceMap& source, const SecretIndex& secrets,
                           Place place) {
  if (!node.is_scalar()) return;
  FoundReferences found = FindSecretReferences(node.scalar);
  // The raw text holds the references in the same order; one cursor walks
  // it so that each is located in linear time.
  size_t cursor = 0;
  auto where = [&](const std::string& text) {
    return source.FindNext(node.begin_index, node.end_index, text, &cursor,
                           node.position);
  };
  for (const ReferenceError& error : found.errors) {
    reader.Error(where(error.text), error.message + ": " + Quote(error.text));
  }
  cursor = 0;
  for (const SecretReference& ref : found.references) {
    Position position = where(ref.text);
    const Secret* secret = secrets.Find(ref.name);
    if (secret == nullptr) {
      reader.Error(position, "substitution " + Quote(ref.text) +
                                 " names secret " + Quote(ref.name) +
                                 ", which this session does not define" +
                                 DidYouMean(ref.name, secrets.names));
      continue;
    }
    if (!FormatFits(secret->kind, ref.format)) {
      reader.Error(position, "substitution " + Quote(ref.text) + ": format " +
                                 std::string(FormatName(ref.format)) +
                                 " does not fit secret " + Quote(ref.name) +
                                 " of kind " + secret->kind_text);
      continue;
    }
    if (place != Place::kFile && IsBinaryForm(secret->kind, ref.format)) {
      reader.Error(position,
                   "substitution " + Quote(ref.text) +
                       " gives binary data, which cannot stand in a " +
                       (place == Place::kCommand ? "command" : "environment") +
                       " value; use :hex or :base64, or an injected file");
    }
  }
}

void CheckSubstitutions(Reader& reader, const YamlNode& root,
                        const SourceMap& source, const SecretIndex& secrets) {
  auto each = [](const YamlNode* list, auto visit) {
    if (list == nullptr || !list->is_sequence()) return;
    for (const YamlNode& item : list->items) {
      if (item.is_mapping()) visit(item);
    }
  };
  each(root.Find("services"), [&](const YamlNode& service) {
    if (const YamlNode* command = service.Find("command")) {
      if (command->is_sequence()) {
        for (const YamlNode& arg : command->items) {
          CheckScalarReferences(reader, arg, source, secrets, Place::kCommand);
        }
      } else {
        CheckScalarReferences(reader, *command, source, secrets,
                              Place::kCommand);
      }
    }
    if (const YamlNode* environment = service.Find("environment")) {
      for (const auto& [key, value] : environment->entries) {
        CheckScalarReferences(reader, value, source, secrets,
                              Place::kEnvironment);
      }
    }
  });
  each(root.Find("images"), [&](const YamlNode& image) {
    each(image.Find("injection_files"), [&](const YamlNode& file) {
      if (const YamlNode* content = file.Find("content")) {
        CheckScalarReferences(reader, *content, source, secrets, Place::kFile);
      }
    });
  });
}

// A secret named by `private_key` or `issuer` must exist and have the kind.
void CheckSecretLink(Reader& reader, const SecretIndex& secrets,
                     const Secret& secret, std::string_view field,
                     const std::optional<std::string>& target,
                     Position position, SecretKind wanted,
                     std::string_view wanted_name) {
  if (!target) return;
  const Secret* other = secrets.Find(*target);
  std::string ctx = "secret " + Quote(secret.name) + ": " + std::string(field) +
                    " " + Quote(*target);
  if (other == nullptr) {
    reader.Error(position, ctx + " is not a secret of this session" +
                               DidYouMean(*target, secrets.names));
  } else if (other->kind != wanted && other->kind != SecretKind::kImported &&
             other->kind != SecretKind::kUnknown) {
    reader.Error(position, ctx + " is not " + std::string(wanted_name) +
                               " (it is " + other->kind_text + ")");
  }
}

// Follows issuer links from every secret once (linear time, as hostile
// files may hold many secrets) and reports each secret on a cycle.
void CheckIssuerCycles(Reader& reader, const Session& session) {
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < session.secrets.size(); ++i) {
    index.emplace(session.secrets[i].name, i);
  }
  enum class State { kNew, kOnPath, kDone };
  std::vector<State> state(session.secrets.size(), State::kNew);
  for (size_t start = 0; start < session.secrets.size(); ++start) {
    std::vector<size_t> path;
    std::optional<size_t> at = start;
    while (at && state[*at] == State::kNew) {
      state[*at] = State::kOnPath;
      path.push_back(*at);
      const Secret& s = session.secrets[*at];
      auto next = s.issuer ? index.find(*s.issuer) : index.end();
      at = next == index.end() ? std::nullopt : std::optional(next->second);
    }
    if (at && state[*at] == State::kOnPath) {
      // Everything from `at` on the path is on the cycle.
      auto first = std::find(path.begin(), path.end(), *at);
      for (auto it = first; it != path.end(); ++it) {
        const Secret& s = session.secrets[*it];
        reader.Error(s.position,
                     "secret " + Quote(s.name) + ": its issuers form a cycle");
      }
    }
    for (size_t i : path) state[i] = State::kDone;
  }
}

}  // namespace

void CheckReferences(Reader& reader, const YamlNode& root,
                     const SourceMap& source, const Session& session) {
  std::vector<std::string> image_names;
  for (const Image& i : session.images) image_names.push_back(i.name);
  for (const Service& service : session.services) {
    if (service.image_name &&
        std::find(image_names.begin(), image_names.end(),
                  *service.image_name) == image_names.end()) {
      reader.Error(service.position,
                   "service " + Quote(service.name) + ": image_name " +
                       Quote(*service.image_name) +
                       " is not an image of this session" +
                       DidYouMean(*service.image_name, image_names));
    }
  }
  SecretIndex secrets(session);
  for (const Secret& secret : session.secrets) {
    CheckSecretLink(reader, secrets, secret, "private_key", secret.private_key,
                    secret.private_key_position, SecretKind::kPrivateKey,
                    "a private-key");
    CheckSecretLink(reader, secrets, secret, "issuer", secret.issuer,
                    secret.issuer_position, SecretKind::kX509Ca, "an x509-ca");
  }
  CheckIssuerCycles(reader, session);
  CheckSubstitutions(reader, root, source, secrets);
}

}  // namespace coffer::policy

// Reading the `services:` and `images:` lists.
#include <algorithm>

#include "common/encoding.h"
#include "policy/parse_internal.h"

namespace coffer::policy {
namespace {

std::optional<uint16_t> ReadU16(Reader& reader, const YamlNode* node,
                                std::string_view what) {
  auto n = reader.Integer(node, what, 0, 65535);
  if (!n) return std::nullopt;
  return static_cast<uint16_t>(*n);
}

// One alternative of `attestation:`: {mrenclave: ..., signer: {...}}.
void ReadAttestationRule(Reader& reader, const YamlNode& node,
                         std::string_view context, Service& service) {
  std::string ctx = std::string(context) + " attestation";
  if (!reader.ExpectMapping(node, ctx)) return;
  reader.CheckKeys(node, ctx, {"mrenclave", "signer"}, {});
  AttestationRule rule;
  rule.position = node.position;
  rule.mrenclaves = ReadHexIds(reader, node.Find("mrenclave"), "mrenclave");
  if (const YamlNode* signer = node.Find("signer")) {
    if (reader.ExpectMapping(*signer, ctx + " signer")) {
      reader.CheckKeys(
          *signer, ctx + " signer",
          {"mrsigner", "isvprodid", "isvsvn", "isvsvn_min", "isvsvn_max"}, {});
      std::vector<std::string> mrsigner =
          ReadHexIds(reader, signer->Find("mrsigner"), "mrsigner");
      if (mrsigner.size() == 1) {
        rule.mrsigner = mrsigner[0];
      } else if (signer->Find("mrsigner") == nullptr) {
        reader.Error(signer->position, ctx + " signer needs mrsigner");
      }
      rule.isv_prod_id =
          ReadU16(reader, signer->Find("isvprodid"), "isvprodid");
      if (const YamlNode* svn = signer->Find("isvsvn")) {
        rule.isv_svn_min = rule.isv_svn_max = ReadU16(reader, svn, "isvsvn");
        if (signer->Find("isvsvn_min") || signer->Find("isvsvn_max")) {
          reader.Error(svn->position,
                       ctx +
                           ": isvsvn cannot be combined with isvsvn_min "
                           "or isvsvn_max");
        }
      } else {
        rule.isv_svn_min =
            ReadU16(reader, signer->Find("isvsvn_min"), "isvsvn_min");
        rule.isv_svn_max =
            ReadU16(reader, signer->Find("isvsvn_max"), "isvsvn_max");
      }
    }
  }
  if (rule.mrenclaves.empty() && !rule.mrsigner) {
    if (node.Find("mrenclave") == nullptr && node.Find("signer") == nullptr) {
      reader.Error(node.position, ctx + " needs mrenclave or signer");
    }
    return;
  }
  service.attestation.push_back(std::move(rule));
}

void ReadCommand(Reader& reader, const YamlNode& node, std::string_view ctx,
                 Service& service) {
  const YamlNode* command = node.Find("command");
  if (command == nullptr || command->is_null()) {
    reader.Error(node.position, std::string(ctx) + " needs a command");
    return;
  }
  if (command->unresolved) return;  // its unset variable was reported
  if (command->is_scalar()) {
    // SCONE splits a command string at white space.
    std::string_view text = command->scalar;
    size_t i = 0;
    while ((i = text.find_first_not_of(" \t\n", i)) != std::string_view::npos) {
      size_t end = text.find_first_of(" \t\n", i);
      if (end == std::string_view::npos) end = text.size();
      service.command.emplace_back(text.substr(i, end - i));
      i = end;
    }
  } else {
    for (const Located& arg : reader.ScalarList(command, "command")) {
      service.command.push_back(arg.text);
    }
  }
  if (service.command.empty()) {
    reader.Error(command->position, std::string(ctx) + ": command is empty");
  }
  for (const std::string& arg : service.command) {
    // @@N takes the N-th argument the host gives after `--`.
    for (size_t at = arg.find("@@"); at != std::string::npos;
         at = arg.find("@@", at + 2)) {
      size_t digits = at + 2;
      while (digits < arg.size() &&
             std::isdigit(static_cast<unsigned char>(arg[digits]))) {
        ++digits;
      }
      if (digits == at + 2 || arg[at + 2] == '0') {
        reader.Error(command->position,
                     std::string(ctx) + ": " + Quote(arg) +
                         " has @@ without an argument number (write @@1, "
                         "@@2, ...)");
      }
    }
  }
}

bool IsEnvironmentName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void ReadEnvironment(Reader& reader, const YamlNode& node, std::string_view ctx,
                     Service& service) {
  const YamlNode* environment = node.Find("environment");
  if (environment == nullptr || environment->is_null()) return;
  if (!reader.ExpectMapping(*environment, std::string(ctx) + " environment")) {
    return;
  }
  for (const auto& [key, value] : environment->entries) {
    if (key.scalar.starts_with("\\@\\@")) {
      reader.Warning(key.position,
                     "host environment pass-through " + Quote(key.scalar) +
                         " is a SCONE feature that Coffer does not "
                         "implement; it is ignored");
      continue;
    }
    if (!IsEnvironmentName(key.scalar)) {
      reader.Error(key.position, std::string(ctx) + ": environment name " +
                                     Quote(key.scalar) +
                                     " must be letters, digits and _");
      continue;
    }
    std::optional<std::string> text =
        reader.Scalar(&value, "environment variable " + key.scalar);
    if (!value.is_null() && !text) continue;
    service.environment.emplace_back(key.scalar, text.value_or(""));
  }
}

void ReadService(Reader& reader, const YamlNode& node, NameIndex& names,
                 Session& session) {
  if (!reader.ExpectMapping(node, "a service")) return;
  std::optional<std::string> name =
      reader.RequiredScalar(node, "name", "a service");
  if (!name) return;
  std::string ctx = "service " + Quote(*name);
  Service service;
  service.name = *name;
  service.position = node.position;
  if (!IsLocalName(*name)) {
    reader.Error(node.Find("name")->position,
                 "service name " + Quote(*name) +
                     " is invalid: use 1 to 128 of A-Z a-z 0-9 _ . ~ -");
  }
  names.Add(reader, "service name", service.name, node.Find("name")->position);
  reader.CheckKeys(node, ctx,
                   {"name", "image_name", "attestation", "mrenclaves",
                    "platforms", "command", "environment", "pwd"},
                   {"fspf_path", "fspf_key", "fspf_tag", "fspf_update_policy",
                    "one_time_password_shared_secret"});
  service.image_name = reader.Scalar(node.Find("image_name"), "image_name");

  const YamlNode* attestation = node.Find("attestation");
  const YamlNode* legacy = node.Find("mrenclaves");
  if (attestation != nullptr && legacy != nullptr) {
    reader.Error(legacy->position,
                 ctx +
                     " has both attestation and mrenclaves; use one "
                     "(mrenclaves is the older spelling)");
  } else if (legacy != nullptr) {
    AttestationRule rule;
    rule.position = legacy->position;
    rule.mrenclaves = ReadHexIds(reader, legacy, "mrenclave");
    if (!rule.mrenclaves.empty()) service.attestation.push_back(rule);
  } else if (attestation != nullptr && attestation->is_sequence()) {
    for (const YamlNode& item : attestation->items) {
      ReadAttestationRule(reader, item, ctx, service);
    }
  } else if (attestation != nullptr) {
    ReadAttestationRule(reader, *attestation, ctx, service);
  }
  if (attestation == nullptr && legacy == nullptr) {
    reader.Error(node.position,
                 ctx +
                     " needs attestation (or mrenclaves): without a "
                     "measurement any program could receive its secrets");
  }
  service.platforms = ReadHexIds(reader, node.Find("platforms"), "platform");
  ReadCommand(reader, node, ctx, service);
  ReadEnvironment(reader, node, ctx, service);
  if (auto pwd = reader.Scalar(node.Find("pwd"), "pwd")) {
    if (!pwd->starts_with("/")) {
      reader.Error(node.Find("pwd")->position,
                   ctx + ": pwd must be an absolute path, not " + Quote(*pwd));
    }
    service.pwd = *pwd;
  }
  session.services.push_back(std::move(service));
}

std::optional<uint32_t> ParseMode(std::string_view text) {
  if (text.starts_with("0o")) text.remove_prefix(2);
  if (text.empty() || text.size() > 4) return std::nullopt;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  return mode <= 0777 ? std::optional(mode) : std::nullopt;
}

void ReadInjectionFile(Reader& reader, const YamlNode& node,
                       std::string_view ctx, NameIndex& paths, Image& image) {
  if (node.is_scalar()) {
    reader.Warning(node.position,
                   "injection file " + Quote(node.scalar) +
                       " given as a bare path is a SCONE feature (injection "
                       "into an image's file) that Coffer does not "
                       "implement; give path and content");
    return;
  }
  if (!reader.ExpectMapping(node, std::string(ctx) + " injection file")) {
    return;
  }
  reader.CheckKeys(node, std::string(ctx) + " injection file",
                   {"path", "content", "permission"}, {});
  InjectionFile file;
  file.position = node.position;
  std::optional<std::string> path =
      reader.RequiredScalar(node, "path", std::string(ctx) + " injection file");
  if (!path) return;
  if (!path->starts_with("/") || path->find("/../") != std::string::npos ||
      path->ends_with("/..") || path->ends_with("/")) {
    reader.Error(node.Find("path")->position,
                 std::string(ctx) + ": injection file path " + Quote(*path) +
                     " must be an absolute file path without ..");
  }
  paths.Add(reader, "injection file path", *path, node.Find("path")->position);
  file.path = *path;
  file.content = reader.Scalar(node.Find("content"), "content").value_or("");
  if (auto mode = reader.Scalar(node.Find("permission"), "permission")) {
    if (auto parsed = ParseMode(*mode)) {
      file.mode = *parsed;
    } else {
      reader.Error(node.Find("permission")->position,
                   std::string(ctx) + ": permission " + Quote(*mode) +
                       " must be an octal mode such as \"0600\" or \"0o600\"");
    }
  }
  image.injection_files.push_back(std::move(file));
}

void ReadImage(Reader& reader, const YamlNode& node, NameIndex& names,
               Session& session) {
  if (!reader.ExpectMapping(node, "an image")) return;
  std::optional<std::string> name =
      reader.RequiredScalar(node, "name", "an image");
  if (!name) return;
  std::string ctx = "image " + Quote(*name);
  Image image;
  image.name = *name;
  image.position = node.position;
  names.Add(reader, "image name", image.name, node.Find("name")->position);
  reader.CheckKeys(node, ctx, {"name", "injection_files"}, {"volumes"});
  const YamlNode* files = node.Find("injection_files");
  if (files != nullptr && files->is_sequence()) {
    NameIndex paths;
    for (const YamlNode& item : files->items) {
      ReadInjectionFile(reader, item, ctx, paths, image);
    }
  } else if (files != nullptr && !files->is_null()) {
    reader.Error(files->position, ctx + ": injection_files must be a list");
  }
  session.images.push_back(std::move(image));
}

}  // namespace

void ReadServices(Reader& reader, const YamlNode& list, Session& session) {
  NameIndex names;
  for (const YamlNode& item : list.items) {
    ReadService(reader, item, names, session);
  }
}

void ReadImages(Reader& reader, const YamlNode& list, Session& session) {
  NameIndex names;
  for (const YamlNode& item : list.items) {
    ReadImage(reader, item, names, session);
  }
}

}  // namespace coffer::policy

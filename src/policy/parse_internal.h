// Internal to src/policy: the pieces ParseSession is built from, one file
// each. Every function reports problems to the Reader and keeps going.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "policy/reader.h"
#include "policy/session.h"
#include "policy/source_map.h"
#include "policy/yaml_tree.h"

namespace coffer::policy {

// Names of sessions: [A-Za-z0-9_.~/-]{1,128}, as in SCONE (with namespaces).
bool IsSessionName(std::string_view name);
// Names of services, images and secrets: [A-Za-z0-9_.~-]{1,128}.
bool IsLocalName(std::string_view name);
// Splits IDs written as one string ("a,b" or "a b"), as a variable holding
// several platform IDs gives them; checks each is 64 hex; lower-cases it.
std::vector<std::string> ReadHexIds(Reader& reader, const YamlNode* node,
                                    std::string_view what);

// Remembers the line where each name was first defined, to report
// duplicates in time linear in the number of names.
class NameIndex {
 public:
  // True when `name` is new; otherwise reports "duplicate WHAT NAME".
  bool Add(Reader& reader, std::string_view what, const std::string& name,
           Position position);

 private:
  std::unordered_map<std::string, int> first_line_;
};

void ReadSecrets(Reader& reader, const YamlNode& list, Session& session);
void ReadServices(Reader& reader, const YamlNode& list, Session& session);
void ReadImages(Reader& reader, const YamlNode& list, Session& session);

// Rules between parts: image names, secret references and their formats,
// issuers and private keys, substitutions in commands, environments and
// injected files. `root` is the document, to find positions of references.
void CheckReferences(Reader& reader, const YamlNode& root,
                     const SourceMap& source, const Session& session);

}  // namespace coffer::policy

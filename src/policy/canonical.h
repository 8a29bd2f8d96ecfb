// The canonical form of a session and its hash.
//
// The canonical form is the document after variable expansion written as
// JSON with sorted keys, every scalar as a string and null as null. So key
// order, comments, quoting and flow or block style do not change the hash,
// and any change of a value does. Thread-safe: pure.
#pragma once

#include <string>

#include "policy/yaml_tree.h"

namespace coffer::policy {

std::string CanonicalForm(const YamlNode& root);

// SHA-256 of the canonical form, 64 lower-case hex digits.
std::string CanonicalHash(const std::string& canonical);

}  // namespace coffer::policy

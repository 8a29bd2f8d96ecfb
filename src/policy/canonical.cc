#include "policy/canonical.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace coffer::policy {
namespace {

// Node depth is bounded by the parser's limit, so recursion is safe here.
nlohmann::json ToJson(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull: return nullptr;
    case YamlNode::Kind::kScalar: return node.scalar;
    case YamlNode::Kind::kSequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const YamlNode& item : node.items) array.push_back(ToJson(item));
      return array;
    }
    case YamlNode::Kind::kMapping: {
      // nlohmann::json keeps object keys sorted (std::map).
      nlohmann::json object = nlohmann::json::object();
      for (const auto& [key, value] : node.entries) {
        object[key.scalar] = ToJson(value);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

std::string CanonicalForm(const YamlNode& root) {
  // Invalid UTF-8 is replaced rather than thrown on: the hash must never
  // abort a check, and such a file has already been reported.
  return ToJson(root).dump(-1, ' ', false,
                           nlohmann::json::error_handler_t::replace);
}

std::string CanonicalHash(const std::string& canonical) {
  return HexEncode(crypto::Sha256(AsBytes(canonical)));
}

}  // namespace coffer::policy

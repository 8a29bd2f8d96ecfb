// The session (policy) model: what a checked session file says, typed.
//
// A Session is produced only by ParseSession (policy/parse.h), which has
// already checked every rule that can be checked offline; the CAS relies on
// that and checks only what needs its state (predecessor, imports). Positions
// are kept so that later errors can still point into the file.
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/diagnostics.h"

namespace coffer::policy {

// Who may read or update a session: CREATOR, ANY, NONE, the SHA-256 (hex) of
// a client's public key, or a client certificate in PEM.
struct AccessEntry {
  enum class Kind { kCreator, kAny, kNone, kKeyHash, kCertificate };
  Kind kind = Kind::kCreator;
  std::string value;  // the hash or the PEM; empty for the keywords
  Position position;
};

struct AccessPolicy {
  std::vector<AccessEntry> read;    // default: CREATOR
  std::vector<AccessEntry> update;  // default: CREATOR
};

// One acceptable enclave identity; a service is accepted when any rule
// matches. A rule with several mrenclaves matches any of them.
struct AttestationRule {
  std::vector<std::string> mrenclaves;  // 64 hex, lower case
  std::optional<std::string> mrsigner;  // 64 hex, lower case
  std::optional<uint16_t> isv_prod_id;
  std::optional<uint16_t> isv_svn_min;
  std::optional<uint16_t> isv_svn_max;
  Position position;
};

struct Service {
  std::string name;
  std::optional<std::string> image_name;
  std::vector<AttestationRule> attestation;
  std::vector<std::string> platforms;  // 64 hex, lower case; empty = any
  std::vector<std::string> command;    // argv; may hold @@N and $$COFFER::
  std::vector<std::pair<std::string, std::string>> environment;  // in order
  std::string pwd = "/";
  Position position;
};

struct InjectionFile {
  std::string path;     // absolute
  std::string content;  // may hold secret substitutions
  uint32_t mode = 0600;
  Position position;
};

struct Image {
  std::string name;
  std::vector<InjectionFile> injection_files;
  Position position;
};

enum class SecretKind {
  kAscii,
  kBinary,
  kPrivateKey,
  kX509Ca,
  kX509,
  kImported,       // kind given by the exporting session
  kUnimplemented,  // a SCONE kind Coffer does not generate (warned)
  kUnknown,        // a misspelt kind, already reported; never in a checked
                   // session, kept only so that references to it do not
                   // cause more errors
};

std::string_view SecretKindName(SecretKind kind);

enum class KeyType { kP256, kP384, kEd25519, kRsa2048, kRsa3072 };
std::string_view KeyTypeName(KeyType type);

enum class Endpoint { kServer, kClient, kServerAndClient };

struct ExportTarget {
  std::string session;
  std::optional<std::string> session_hash;  // 64 hex, pins the importer
  // The importer gets only the public part (the certificate), never the
  // key: for a client session written by someone else, who must verify the
  // server with a CA's certificate but must not be able to mint
  // certificates with its key. Only x509 and x509-ca secrets have a public
  // part; the checker rejects it on other kinds.
  bool public_only = false;
  Position position;
};

struct ImportSource {
  std::string session;
  std::string secret;
  Position position;
};

struct Secret {
  std::string name;
  SecretKind kind = SecretKind::kAscii;
  std::string kind_text;  // as written, for messages
  // ascii and binary: generated size in bytes, or an explicit value (text
  // for ascii, decoded bytes for binary).
  size_t size = 20;
  std::optional<std::string> value;
  // private-key, and the key x509 secrets generate when no private_key.
  KeyType key_type = KeyType::kP256;
  // x509 and x509-ca.
  std::optional<std::string> private_key;  // name of a private-key secret
  std::optional<std::string> issuer;       // name of an x509-ca secret
  Position private_key_position;
  Position issuer_position;
  std::optional<std::string> common_name;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::optional<Endpoint> endpoint;
  std::chrono::seconds valid_for{std::chrono::hours(24 * 365)};
  // Sharing.
  std::vector<ExportTarget> exports;
  bool export_public = false;
  std::optional<ImportSource> import;
  bool migrate = false;
  Position position;
};

// Deviations a policy accepts from a perfect attestation.
enum class Tolerance {
  kSimulation,
  kDebugMode,
  kOutdatedTcb,
  kSoftwareHardeningNeeded,
  kConfigurationNeeded,
  kHyperthreading,
};
std::string_view ToleranceName(Tolerance tolerance);

struct AttestationSecurity {
  std::vector<Tolerance> tolerate;
  std::vector<std::string> ignore_advisories;  // IDs, or the single "*"
};

struct Session {
  std::string name;
  std::string version = "0.3";
  std::optional<std::string> predecessor;  // 64 hex
  AccessPolicy access_policy;
  std::vector<Service> services;
  std::vector<Image> images;
  std::vector<Secret> secrets;
  AttestationSecurity attestation;

  // The canonical form (JSON, sorted keys) and its SHA-256 in hex: the
  // session's identity, which an update must name as its predecessor.
  std::string canonical;
  std::string hash;

  const Secret* FindSecret(std::string_view secret_name) const;
  const Service* FindService(std::string_view service_name) const;
  const Image* FindImage(std::string_view image_name) const;
  bool Tolerates(Tolerance tolerance) const;
};

}  // namespace coffer::policy

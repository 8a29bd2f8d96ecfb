// Sessions: the CAS's policies, with the rules that need its state.
//
// A session is submitted as the file's text, the file name (for messages)
// and the template variables' values; the CAS parses it itself
// (policy::ParseSession), so every problem points into the file as the
// owner wrote it. It keeps the submission (encrypted, in the Store) and
// the secrets it generated for it (secrets_engine.h).
//
// Rules enforced here:
//  - create: the name must be new; the file's `name:` must be the given
//    name; no predecessor. The caller becomes CREATOR.
//  - update: the predecessor (in the file or given separately; both must
//    agree) must be the current hash, or kFailedPrecondition (HTTP 409) and
//    nothing changes. access_policy.update of the *current* revision must
//    admit the caller.
//  - read: access_policy.read admits the caller. List: the names whose
//    read policy admits the caller.
// Access entries: CREATOR (the creator's identity), ANY, NONE, an identity
// (SHA-256 hex of a client's SubjectPublicKeyInfo) or a certificate in PEM
// (its key's identity).
//
// Failures: kInvalidArgument "session file F has N problems:\n" followed by
// one "F:L:C: error: ..." line per problem; kAlreadyExists; kNotFound
// "no session \"N\""; kPermissionDenied "access_policy of session \"N\"
// does not allow you to read it"; kFailedPrecondition (stale predecessor).
// Secrets are never returned by Read.
// Thread safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cas/audit_log.h"
#include "cas/secret_values.h"
#include "cas/store.h"
#include "common/status.h"
#include "policy/session.h"

namespace coffer::cas {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// "SESSION/NAME" (a config ID "SESSION/SERVICE", a public value's
// "SESSION/SECRET") split at the last '/', since session names may hold
// '/' and service and secret names may not. nullopt if either side would
// be empty.
struct SessionPath {
  std::string session;
  std::string name;
};
std::optional<SessionPath> SplitSessionPath(std::string_view text);

struct SessionSubmission {
  std::string name;
  std::string text;  // the session file as written
  std::string file;  // its name, for messages ("dbsession.yml")
  std::map<std::string, std::string> variables;
  std::optional<std::string> predecessor;  // update only
};

struct SessionView {
  std::string name;
  std::string hash;
  std::string text;
  std::string file;
  std::map<std::string, std::string> variables;
};

// A checked session with its secrets, as provisioning needs it. Immutable.
struct LoadedSession {
  policy::Session session;
  SecretValues secrets;
  int64_t revision = 0;
  // When its first certificate is due for renewal (set when cached).
  std::chrono::system_clock::time_point renew_at =
      std::chrono::system_clock::time_point::max();
};

class Sessions {
 public:
  // `store` and `audit` are borrowed and must outlive this object.
  Sessions(Store& store, AuditLog& audit, Clock clock);

  // The new session's hash.
  StatusOr<std::string> Create(const SessionSubmission& submission,
                               std::string_view caller);
  StatusOr<std::string> Update(const SessionSubmission& submission,
                               std::string_view caller);
  StatusOr<SessionView> Read(std::string_view name, std::string_view caller);
  StatusOr<std::vector<std::string>> List(std::string_view caller);

  // For provisioning: no access check (attestation decides). Cached per
  // revision, so that provisioning does not re-parse the YAML every time.
  StatusOr<std::shared_ptr<const LoadedSession>> Load(std::string_view name);

  // Load, after renewing the session's certificates that are past two
  // thirds of their validity (secrets_engine.h: same CA, same names, kept
  // keys kept). The renewal is a new revision with the same hash, so the
  // owner's predecessor stays valid; it is in the audit log as
  // "secrets.renew". What provisioning uses, so that a service gets a
  // renewed certificate at its next start.
  StatusOr<std::shared_ptr<const LoadedSession>> LoadRenewed(
      std::string_view name);

 private:
  StatusOr<policy::Session> Check(const SessionSubmission& submission) const;
  StatusOr<SessionRecord> Get(std::string_view name);
  // Caches `loaded` unless a newer revision is cached; returns the cached.
  std::shared_ptr<const LoadedSession> Remember(const std::string& name,
                                                LoadedSession loaded);

  Store& store_;
  AuditLog& audit_;
  Clock clock_;
  // Serializes updates of one CAS so that secrets are generated from the
  // revision being replaced (the store's predecessor check still decides).
  std::mutex write_mutex_;
  std::mutex cache_mutex_;
  std::map<std::string, std::shared_ptr<const LoadedSession>, std::less<>>
      cache_;  // guarded by cache_mutex_
};

}  // namespace coffer::cas

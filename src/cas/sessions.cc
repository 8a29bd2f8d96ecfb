#include "cas/sessions.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "cas/secrets_engine.h"
#include "crypto/certificate.h"
#include "net/tls.h"
#include "policy/parse.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

// The stored form of a submission (SessionRecord::policy_text).
std::string SerializeSubmission(const SessionSubmission& submission) {
  Json variables = Json::object();
  for (const auto& [name, value] : submission.variables) {
    variables[name] = value;
  }
  return Json{{"text", submission.text},
              {"file", submission.file},
              {"variables", variables}}
      .dump();
}

StatusOr<SessionSubmission> ParseSubmission(const SessionRecord& record) {
  Json json = Json::parse(record.policy_text, nullptr, false);
  if (!json.is_object() || !json.contains("text") ||
      !json["text"].is_string() || !json.contains("file") ||
      !json["file"].is_string() || !json.contains("variables") ||
      !json["variables"].is_object()) {
    return DataLossError("stored session \"" + record.name +
                         "\" is not in the CAS's format");
  }
  SessionSubmission submission;
  submission.name = record.name;
  submission.text = json["text"].get<std::string>();
  submission.file = json["file"].get<std::string>();
  for (const auto& [name, value] : json["variables"].items()) {
    if (!value.is_string()) {
      return DataLossError("stored session \"" + record.name +
                           "\" has a non-text variable");
    }
    submission.variables[name] = value.get<std::string>();
  }
  return submission;
}

bool Admits(const std::vector<policy::AccessEntry>& entries,
            std::string_view creator, std::string_view caller) {
  for (const policy::AccessEntry& entry : entries) {
    switch (entry.kind) {
      case policy::AccessEntry::Kind::kCreator:
        if (caller == creator) return true;
        break;
      case policy::AccessEntry::Kind::kAny: return true;
      case policy::AccessEntry::Kind::kNone: break;
      case policy::AccessEntry::Kind::kKeyHash:
        if (caller == entry.value) return true;
        break;
      case policy::AccessEntry::Kind::kCertificate: {
        StatusOr<crypto::Certificate> certificate =
            crypto::Certificate::FromPem(entry.value);
        if (certificate.ok() && net::IdentityOf(*certificate) == caller) {
          return true;
        }
        break;
      }
    }
  }
  return false;
}

Status Denied(std::string_view name, std::string_view action) {
  return PermissionDeniedError("access_policy of session \"" +
                               std::string(name) + "\" does not allow you to " +
                               std::string(action) + " it");
}

}  // namespace

std::optional<SessionPath> SplitSessionPath(std::string_view text) {
  const size_t slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0 ||
      slash + 1 == text.size()) {
    return std::nullopt;
  }
  return SessionPath{std::string(text.substr(0, slash)),
                     std::string(text.substr(slash + 1))};
}

Sessions::Sessions(Store& store, AuditLog& audit, Clock clock)
    : store_(store), audit_(audit), clock_(std::move(clock)) {}

StatusOr<policy::Session> Sessions::Check(
    const SessionSubmission& submission) const {
  policy::CheckOptions options;
  options.variables.values = submission.variables;
  policy::CheckResult result = policy::ParseSession(submission.text, options);
  const std::string& file = submission.file;
  if (!result.session.has_value()) {
    std::string problems = result.diagnostics.Format(file);
    while (!problems.empty() && problems.back() == '\n') problems.pop_back();
    return InvalidArgumentError(
        "session file " + file + " has " +
        std::to_string(result.diagnostics.error_count()) + " problem" +
        (result.diagnostics.error_count() == 1 ? "" : "s") + ":\n" + problems);
  }
  if (result.session->name != submission.name) {
    return InvalidArgumentError("session file " + file +
                                " names the session \"" + result.session->name +
                                "\", not \"" + submission.name + "\"");
  }
  return *std::move(result.session);
}

StatusOr<std::string> Sessions::Create(const SessionSubmission& submission,
                                       std::string_view caller) {
  COFFER_ASSIGN_OR_RETURN(policy::Session session, Check(submission));
  if (session.predecessor.has_value()) {
    return InvalidArgumentError(
        "session file " + submission.file +
        " names a predecessor, but session \"" + submission.name +
        "\" is new: remove `predecessor:` to create it");
  }
  std::lock_guard write_lock(write_mutex_);
  COFFER_ASSIGN_OR_RETURN(SecretValues secrets,
                          GenerateSecrets(session, nullptr, clock_()));
  SessionRecord record;
  record.name = submission.name;
  record.hash = session.hash;
  record.creator = std::string(caller);
  record.policy_text = SerializeSubmission(submission);
  record.secrets = secrets.Serialize();
  COFFER_RETURN_IF_ERROR(store_.CreateSession(record));
  Remember(record.name, LoadedSession{.session = std::move(session),
                                      .secrets = std::move(secrets),
                                      .revision = record.revision});
  COFFER_RETURN_IF_ERROR(
      audit_.Append("session.create", {{"session", record.name},
                                       {"hash", record.hash},
                                       {"caller", std::string(caller)}}));
  return record.hash;
}

StatusOr<std::string> Sessions::Update(const SessionSubmission& submission,
                                       std::string_view caller) {
  COFFER_ASSIGN_OR_RETURN(policy::Session session, Check(submission));
  if (session.predecessor.has_value() && submission.predecessor.has_value() &&
      *session.predecessor != *submission.predecessor) {
    return InvalidArgumentError(
        "the predecessor given (" + *submission.predecessor +
        ") differs from the one in session file " + submission.file + " (" +
        *session.predecessor + ")");
  }
  std::optional<std::string> predecessor = session.predecessor.has_value()
                                               ? session.predecessor
                                               : submission.predecessor;
  std::lock_guard write_lock(write_mutex_);
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedSession> current,
                          Load(submission.name));
  COFFER_ASSIGN_OR_RETURN(SessionRecord current_record, Get(submission.name));
  if (!Admits(current->session.access_policy.update, current_record.creator,
              caller)) {
    return Denied(submission.name, "update");
  }
  if (!predecessor.has_value()) {
    return FailedPreconditionError(
        "an update must name its predecessor: the current hash of session \"" +
        submission.name + "\" is " + current_record.hash);
  }
  if (*predecessor != current_record.hash) {
    return FailedPreconditionError(
        "session \"" + submission.name + "\" has hash " + current_record.hash +
        ", not the given predecessor " + *predecessor +
        ": it was changed since; read it again and retry");
  }
  COFFER_ASSIGN_OR_RETURN(
      SecretValues secrets,
      GenerateSecrets(session, &current->secrets, clock_()));
  SessionRecord record;
  record.name = submission.name;
  record.hash = session.hash;
  record.creator = current_record.creator;
  record.policy_text = SerializeSubmission(submission);
  record.secrets = secrets.Serialize();
  COFFER_RETURN_IF_ERROR(store_.UpdateSession(record, *predecessor));
  Remember(record.name, LoadedSession{.session = std::move(session),
                                      .secrets = std::move(secrets),
                                      .revision = record.revision});
  COFFER_RETURN_IF_ERROR(
      audit_.Append("session.update", {{"session", record.name},
                                       {"hash", record.hash},
                                       {"predecessor", *predecessor},
                                       {"caller", std::string(caller)}}));
  return record.hash;
}

StatusOr<SessionView> Sessions::Read(std::string_view name,
                                     std::string_view caller) {
  COFFER_ASSIGN_OR_RETURN(SessionRecord record, Get(name));
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedSession> loaded,
                          Load(name));
  if (!Admits(loaded->session.access_policy.read, record.creator, caller)) {
    return Denied(name, "read");
  }
  COFFER_ASSIGN_OR_RETURN(SessionSubmission submission,
                          ParseSubmission(record));
  COFFER_RETURN_IF_ERROR(
      audit_.Append("session.read", {{"session", record.name},
                                     {"hash", record.hash},
                                     {"caller", std::string(caller)}}));
  return SessionView{.name = record.name,
                     .hash = record.hash,
                     .text = std::move(submission.text),
                     .file = std::move(submission.file),
                     .variables = std::move(submission.variables)};
}

StatusOr<std::vector<std::string>> Sessions::List(std::string_view caller) {
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          store_.ListSessionNames());
  std::vector<std::string> readable;
  for (const std::string& name : names) {
    StatusOr<SessionRecord> record = Get(name);
    StatusOr<std::shared_ptr<const LoadedSession>> loaded = Load(name);
    if (record.ok() && loaded.ok() &&
        Admits((*loaded)->session.access_policy.read, record->creator,
               caller)) {
      readable.push_back(name);
    }
  }
  return readable;
}

StatusOr<SessionRecord> Sessions::Get(std::string_view name) {
  StatusOr<SessionRecord> record = store_.GetSession(name);
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
    return NotFoundError("no session \"" + std::string(name) + "\"");
  }
  return record;
}

StatusOr<std::shared_ptr<const LoadedSession>> Sessions::LoadRenewed(
    std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedSession> loaded,
                          Load(name));
  const auto now = clock_();
  if (now < loaded->renew_at) return loaded;
  std::lock_guard write_lock(write_mutex_);
  COFFER_ASSIGN_OR_RETURN(loaded, Load(name));  // renewed meanwhile?
  if (now < loaded->renew_at) return loaded;
  COFFER_ASSIGN_OR_RETURN(SessionRecord record, Get(name));
  COFFER_ASSIGN_OR_RETURN(
      SecretValues secrets,
      GenerateSecrets(loaded->session, &loaded->secrets, now));
  record.secrets = secrets.Serialize();
  const std::string hash = record.hash;
  COFFER_RETURN_IF_ERROR(store_.UpdateSession(record, hash));
  std::shared_ptr<const LoadedSession> renewed =
      Remember(record.name, LoadedSession{.session = loaded->session,
                                          .secrets = std::move(secrets),
                                          .revision = record.revision});
  COFFER_RETURN_IF_ERROR(audit_.Append(
      "secrets.renew", {{"session", record.name},
                        {"hash", hash},
                        {"revision", std::to_string(record.revision)}}));
  return renewed;
}

StatusOr<std::shared_ptr<const LoadedSession>> Sessions::Load(
    std::string_view name) {
  {
    std::lock_guard lock(cache_mutex_);
    auto found = cache_.find(name);
    if (found != cache_.end()) return found->second;
  }
  COFFER_ASSIGN_OR_RETURN(SessionRecord record, Get(name));
  COFFER_ASSIGN_OR_RETURN(SessionSubmission submission,
                          ParseSubmission(record));
  StatusOr<policy::Session> session = Check(submission);
  if (!session.ok()) {
    // It was checked when stored; failing now means a CAS of another
    // version with other rules, which must not guess.
    return DataLossError("stored session \"" + record.name +
                         "\" no longer checks: " + session.status().message());
  }
  COFFER_ASSIGN_OR_RETURN(SecretValues secrets,
                          SecretValues::Parse(record.secrets));
  return Remember(record.name, LoadedSession{.session = *std::move(session),
                                             .secrets = std::move(secrets),
                                             .revision = record.revision});
}

std::shared_ptr<const LoadedSession> Sessions::Remember(const std::string& name,
                                                        LoadedSession loaded) {
  loaded.renew_at = NextRenewal(loaded.secrets);
  auto shared = std::make_shared<const LoadedSession>(std::move(loaded));
  std::lock_guard lock(cache_mutex_);
  auto [it, inserted] = cache_.emplace(name, shared);
  // A load that read an older revision may finish after an update; the
  // newest revision always wins.
  if (!inserted && it->second->revision < shared->revision) {
    it->second = shared;
  }
  return it->second;
}

}  // namespace coffer::cas

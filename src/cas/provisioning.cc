#include "cas/provisioning.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "attest/tolerance.h"
#include "cas/secret_format.h"
#include "crypto/hash.h"
#include "policy/substitution.h"

namespace coffer::cas {
namespace {

bool RuleMatches(const policy::AttestationRule& rule,
                 const attest::VerifiedQuote& quote) {
  if (!rule.mrenclaves.empty() &&
      std::find(rule.mrenclaves.begin(), rule.mrenclaves.end(),
                HexEncode(quote.mrenclave)) == rule.mrenclaves.end()) {
    return false;
  }
  if (rule.mrsigner.has_value() && *rule.mrsigner != HexEncode(quote.mrsigner))
    return false;
  if (rule.isv_prod_id.has_value() && *rule.isv_prod_id != quote.isv_prod_id)
    return false;
  if (rule.isv_svn_min.has_value() && quote.isv_svn < *rule.isv_svn_min)
    return false;
  if (rule.isv_svn_max.has_value() && quote.isv_svn > *rule.isv_svn_max)
    return false;
  return true;
}

// Resolves `$$COFFER::...$$` references of one session, following
// imports into the exporting sessions.
class SecretResolver {
 public:
  SecretResolver(Sessions& sessions, const LoadedSession& importer)
      : sessions_(sessions), importer_(importer) {}

  StatusOr<std::string> Substitute(std::string_view text) {
    return policy::SubstituteSecrets(
        text, [this](const policy::SecretReference& reference) {
          return Resolve(reference);
        });
  }

 private:
  StatusOr<std::string> Resolve(const policy::SecretReference& reference) {
    const policy::Session& session = importer_.session;
    const policy::Secret* secret = session.FindSecret(reference.name);
    if (secret == nullptr) {
      return InvalidArgumentError("session \"" + session.name +
                                  "\" has no secret \"" + reference.name +
                                  "\"");
    }
    if (!secret->import.has_value()) {
      const SecretValue* value = importer_.secrets.Find(reference.name);
      if (value == nullptr) {
        return DataLossError("session \"" + session.name +
                             "\" has no value for secret \"" + reference.name +
                             "\"");
      }
      return FormatSecret(reference.name, *value, reference.format);
    }
    const policy::ImportSource& source = *secret->import;
    StatusOr<std::shared_ptr<const LoadedSession>> exporter =
        sessions_.LoadRenewed(source.session);
    // Whether the exporting session exists is not the importer's business:
    // both cases read the same.
    Status not_exported = PermissionDeniedError(
        "session \"" + source.session + "\" does not export secret \"" +
        source.secret + "\" to session \"" + session.name + "\"");
    if (!exporter.ok()) {
      if (exporter.status().code() == StatusCode::kNotFound) {
        return not_exported;
      }
      return exporter.status();
    }
    COFFER_ASSIGN_OR_RETURN(ExportGrant grant,
                            CheckExport((*exporter)->session, source.secret,
                                        session.name, session.hash));
    const SecretValue* value = (*exporter)->secrets.Find(source.secret);
    if (value == nullptr) return not_exported;
    // The exporter limited this importer to the certificate: a session
    // someone else writes (an analyst's) could mint certificates with a
    // CA's key.
    if (grant == ExportGrant::kPublicOnly &&
        !IsPublicForm(*value, reference.format)) {
      return PermissionDeniedError(
          "session \"" + session.name + "\": secret \"" + reference.name +
          "\" is imported from session \"" + source.session +
          "\" as public only; format \"" +
          std::string(policy::FormatName(reference.format)) +
          "\" is not allowed");
    }
    return FormatSecret(reference.name, *value, reference.format);
  }

  Sessions& sessions_;
  const LoadedSession& importer_;
};

// `text` as SecretBytes; the string is wiped.
crypto::SecretBytes TakeSecret(std::string& text) {
  crypto::SecretBytes secret(AsBytes(std::string_view(text)));
  OPENSSL_cleanse(text.data(), text.size());
  return secret;
}

// policy::SubstituteSecrets works in std::string: the text it returns is
// copied into SecretBytes and wiped here, but the copies made on the way
// (each value FormatSecret returns, the result as it grows) are freed
// unwiped.
StatusOr<Configuration> Resolve(Sessions& sessions, const LoadedSession& loaded,
                                const policy::Service& service) {
  SecretResolver resolver(sessions, loaded);
  Configuration configuration;
  for (const std::string& argument : service.command) {
    COFFER_ASSIGN_OR_RETURN(std::string value, resolver.Substitute(argument));
    configuration.command.push_back(TakeSecret(value));
  }
  for (const auto& [name, text] : service.environment) {
    COFFER_ASSIGN_OR_RETURN(std::string value, resolver.Substitute(text));
    configuration.environment.emplace_back(name, TakeSecret(value));
  }
  configuration.pwd = service.pwd;
  if (service.image_name.has_value()) {
    const policy::Image* image = loaded.session.FindImage(*service.image_name);
    if (image == nullptr) {
      return DataLossError("session \"" + loaded.session.name +
                           "\" has no image \"" + *service.image_name + "\"");
    }
    for (const policy::InjectionFile& file : image->injection_files) {
      COFFER_ASSIGN_OR_RETURN(std::string content,
                              resolver.Substitute(file.content));
      configuration.files.push_back(
          ProvisionedFile{.path = file.path,
                          .mode = file.mode,
                          .content = TakeSecret(content)});
    }
  }
  return configuration;
}

}  // namespace

bool QuoteBindsKey(const attest::VerifiedQuote& quote,
                   std::string_view peer_identity) {
  const auto& data = quote.report_data;
  return HexEncode(std::span(data).first(32)) == peer_identity &&
         std::all_of(data.begin() + 32, data.end(),
                     [](uint8_t byte) { return byte == 0; });
}

Provisioner::Provisioner(Sessions& sessions, attest::QuoteVerifier& verifier,
                         const attest::Collateral* collateral, AuditLog& audit,
                         Clock clock, net::MetricsRegistry* metrics)
    : sessions_(sessions),
      verifier_(verifier),
      collateral_(collateral),
      audit_(audit),
      clock_(std::move(clock)) {
  if (metrics != nullptr) {
    attestations_ = &metrics->AddCounter(
        "coffer_cas_attestations_total",
        "Provisioning attempts by result and reason", {"result", "reason"});
  }
}

StatusOr<Configuration> Provisioner::Provision(
    const ProvisionRequest& request) {
  attest::VerifiedQuote quote;
  std::string reason;
  StatusOr<Configuration> result = Decide(request, quote, reason);
  const char* outcome = result.ok() ? "accepted" : "refused";
  if (attestations_ != nullptr) {
    attestations_->WithLabels({outcome, reason}).Increment();
  }
  Status audited = audit_.Append(
      "attestation", {{"config_id", request.config_id},
                      {"result", outcome},
                      {"reason", result.ok() ? "" : result.status().message()},
                      {"caller", request.peer_identity},
                      {"type", std::string(attest::QuoteTypeName(quote.type))},
                      {"measurement", HexEncode(quote.mrenclave)},
                      {"platform_id", quote.platform_id}});
  // Nothing is released that the audit log does not show.
  if (!audited.ok()) return audited;
  return result;
}

StatusOr<std::string> Provisioner::Program(std::string_view config_id) {
  const std::optional<SessionPath> id = SplitSessionPath(config_id);
  if (!id.has_value()) {
    return InvalidArgumentError("config ID \"" + std::string(config_id) +
                                "\" is not SESSION/SERVICE");
  }
  StatusOr<std::shared_ptr<const LoadedSession>> loaded =
      sessions_.Load(id->session);
  if (!loaded.ok()) return loaded.status();
  const policy::Service* service = (*loaded)->session.FindService(id->name);
  if (service == nullptr) {
    return NotFoundError("session \"" + id->session + "\" has no service \"" +
                         id->name + "\"");
  }
  if (service->command.empty()) {
    return FailedPreconditionError("service " + std::string(config_id) +
                                   " has no command");
  }
  const std::string& program = service->command.front();
  if (program.find("$$") != std::string::npos) {
    return FailedPreconditionError(
        "the program of service " + std::string(config_id) +
        " is named through a secret; name it plainly in the command");
  }
  return program;
}

StatusOr<Configuration> Provisioner::Decide(const ProvisionRequest& request,
                                            attest::VerifiedQuote& quote,
                                            std::string& reason) {
  reason = "bad_request";
  const std::optional<SessionPath> id = SplitSessionPath(request.config_id);
  if (!id.has_value()) {
    return InvalidArgumentError("config ID \"" + request.config_id +
                                "\" is not SESSION/SERVICE");
  }
  reason = "quote";
  StatusOr<attest::VerifiedQuote> verified =
      verifier_.Verify(request.quote, collateral_, clock_());
  if (!verified.ok()) {
    return PermissionDeniedError("quote does not verify: " +
                                 verified.status().message());
  }
  quote = *std::move(verified);
  reason = "key_binding";
  if (!QuoteBindsKey(quote, request.peer_identity)) {
    return PermissionDeniedError(
        "the quote does not bind the key of this connection: a quote is "
        "accepted only on a connection made with the key it names");
  }
  reason = "unknown_service";
  StatusOr<std::shared_ptr<const LoadedSession>> loaded =
      sessions_.LoadRenewed(id->session);
  if (!loaded.ok()) return loaded.status();
  const policy::Session& session = (*loaded)->session;
  const policy::Service* service = session.FindService(id->name);
  if (service == nullptr) {
    return NotFoundError("session \"" + id->session + "\" has no service \"" +
                         id->name + "\"");
  }
  const std::string where = "session " + request.config_id;
  reason = "tolerance";
  attest::Verdict verdict = attest::DecideTolerance(quote, session.attestation);
  if (!verdict.accepted) {
    return PermissionDeniedError("attestation not accepted by " + where + ": " +
                                 verdict.Reason());
  }
  reason = "measurement";
  if (std::none_of(service->attestation.begin(), service->attestation.end(),
                   [&](const policy::AttestationRule& rule) {
                     return RuleMatches(rule, quote);
                   })) {
    return PermissionDeniedError("measurement " + HexEncode(quote.mrenclave) +
                                 " not allowed by " + where);
  }
  reason = "platform";
  if (!service->platforms.empty() &&
      std::find(service->platforms.begin(), service->platforms.end(),
                quote.platform_id) == service->platforms.end()) {
    return PermissionDeniedError("platform " +
                                 (quote.platform_id.empty()
                                      ? "(none: a hardware quote)"
                                      : quote.platform_id) +
                                 " not allowed by " + where);
  }
  reason = "secrets";
  StatusOr<Configuration> configuration =
      Resolve(sessions_, **loaded, *service);
  if (!configuration.ok()) {
    return PermissionDeniedError("cannot resolve the configuration of " +
                                 where + ": " +
                                 configuration.status().message());
  }
  reason = "accepted";
  return configuration;
}

}  // namespace coffer::cas

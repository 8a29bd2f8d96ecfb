#include "cas/api.h"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cas/secret_format.h"
#include "cas/secret_json.h"
#include "net/http_message.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

StatusOr<Json> ParseBody(const net::Request& request) {
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    return InvalidArgumentError("request body is not valid JSON");
  }
  if (!body.is_object()) {
    return InvalidArgumentError("request body must be a JSON object");
  }
  return body;
}

StatusOr<std::string> StringField(const Json& body, const char* name) {
  auto found = body.find(name);
  if (found == body.end() || !found->is_string()) {
    return InvalidArgumentError(std::string("request body: \"") + name +
                                "\" must be a string");
  }
  return found->get<std::string>();
}

StatusOr<std::optional<std::string>> OptionalStringField(const Json& body,
                                                         const char* name) {
  auto found = body.find(name);
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_string()) {
    return InvalidArgumentError(std::string("request body: \"") + name +
                                "\" must be a string");
  }
  return found->get<std::string>();
}

// name comes from the path for updates, from the body for creates.
StatusOr<SessionSubmission> ParseSubmission(const Json& body,
                                            std::string name) {
  SessionSubmission submission;
  submission.name = std::move(name);
  COFFER_ASSIGN_OR_RETURN(submission.text, StringField(body, "session"));
  COFFER_ASSIGN_OR_RETURN(std::optional<std::string> file,
                          OptionalStringField(body, "file"));
  submission.file = file.value_or("session.yml");
  COFFER_ASSIGN_OR_RETURN(submission.predecessor,
                          OptionalStringField(body, "predecessor"));
  auto variables = body.find("variables");
  if (variables != body.end() && !variables->is_null()) {
    if (!variables->is_object()) {
      return InvalidArgumentError(
          "request body: \"variables\" must be an object of strings");
    }
    for (const auto& [variable, value] : variables->items()) {
      if (!value.is_string()) {
        return InvalidArgumentError("request body: variable \"" + variable +
                                    "\" must be a string");
      }
      submission.variables[variable] = value.get<std::string>();
    }
  }
  return submission;
}

// Policy problems travel as a list as well as in the message.
net::Response Error(const Status& status) {
  const std::string& message = status.message();
  const size_t newline = message.find('\n');
  if (status.code() != StatusCode::kInvalidArgument ||
      newline == std::string::npos) {
    return net::ErrorResponse(status);
  }
  Json problems = Json::array();
  size_t start = newline + 1;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    problems.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  return net::JsonResponse(Json{{"error", "invalid_argument"},
                                {"message", message.substr(0, newline)},
                                {"problems", problems}}
                               .dump(),
                           400);
}

template <typename Body>
net::Handler Handle(Body body) {
  return [body = std::move(body)](
             const net::Request& request) -> StatusOr<net::Response> {
    StatusOr<net::Response> response = body(request);
    if (!response.ok()) return Error(response.status());
    return response;
  };
}

StatusOr<net::Response> PublicValue(Sessions& sessions,
                                    const net::Request& request) {
  const std::optional<SessionPath> path =
      SplitSessionPath(request.path_remainder);
  if (!path.has_value()) {
    return NotFoundError("expected /v1/public/SESSION/SECRET");
  }
  StatusOr<std::shared_ptr<const LoadedSession>> loaded =
      sessions.Load(path->session);
  if (!loaded.ok()) {
    if (loaded.status().code() != StatusCode::kNotFound) return loaded.status();
    // Alike for a missing session and a missing secret.
    return NotFoundError("session \"" + path->session +
                         "\" has no public secret \"" + path->name + "\"");
  }
  COFFER_ASSIGN_OR_RETURN(
      std::string certificate,
      PublicCertificate((*loaded)->session, (*loaded)->secrets, path->name));
  return net::JsonResponse(Json{
      {"session", path->session},
      {"name", path->name},
      {"certificate",
       certificate}}.dump());
}

// The text of the POST /v1/provision reply. It carries the service's
// secrets, so it is built and serialized in SecretJson (secret_json.h):
// every buffer on the way is wiped when freed. The one copy left is the
// std::string returned, which net::Response requires: the server moves it
// into the HTTP message it writes and frees it unwiped after sending
// (wiping it there is net::HttpServer's to do).
std::string ProvisionReply(const Configuration& configuration) {
  SecretJson command = SecretJson::array();
  for (const crypto::SecretBytes& argument : configuration.command) {
    command.push_back(SecretJsonString(argument));
  }
  SecretJson environment = SecretJson::array();
  for (const auto& [name, value] : configuration.environment) {
    environment.push_back(SecretJson::array({name, SecretJsonString(value)}));
  }
  SecretJson files = SecretJson::array();
  for (const ProvisionedFile& file : configuration.files) {
    std::string encoded = Base64Encode(file.content.span());
    SecretJson content(SecretString(encoded.data(), encoded.size()));
    OPENSSL_cleanse(encoded.data(), encoded.size());
    files.push_back(SecretJson{{"path", file.path},
                               {"mode", file.mode},
                               {"content_base64", std::move(content)}});
  }
  const SecretJson reply{{"command", std::move(command)},
                         {"environment", std::move(environment)},
                         {"pwd", configuration.pwd},
                         {"files", std::move(files)}};
  const SecretString text = reply.dump();
  return std::string(text.data(), text.size());
}

StatusOr<net::Response> ProvisionHandler(Provisioner& provisioner,
                                         const net::Request& request) {
  COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
  ProvisionRequest provision;
  COFFER_ASSIGN_OR_RETURN(provision.config_id, StringField(body, "config_id"));
  COFFER_ASSIGN_OR_RETURN(std::string quote_hex, StringField(body, "quote"));
  StatusOr<Bytes> quote = HexDecode(quote_hex);
  if (!quote.ok()) {
    return InvalidArgumentError("request body: \"quote\" must be hex: " +
                                quote.status().message());
  }
  provision.quote = *std::move(quote);
  provision.peer_identity = request.peer.spki_sha256_hex;
  COFFER_ASSIGN_OR_RETURN(Configuration configuration,
                          provisioner.Provision(provision));
  return net::JsonResponse(ProvisionReply(configuration));
}

StatusOr<net::Response> ProgramHandler(Provisioner& provisioner,
                                       const net::Request& request) {
  COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
  COFFER_ASSIGN_OR_RETURN(std::string config_id,
                          StringField(body, "config_id"));
  COFFER_ASSIGN_OR_RETURN(std::string program, provisioner.Program(config_id));
  return net::JsonResponse(
      Json{{"config_id", config_id}, {"program", program}}.dump());
}

// {"mrenclave": HEX} or {"platform": HEX}, exactly one.
StatusOr<std::pair<std::string, std::string>> ApprovalBody(
    const net::Request& request) {
  COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
  if (body.size() != 1 ||
      !(body.contains("mrenclave") || body.contains("platform"))) {
    return InvalidArgumentError(
        "request body must be {\"mrenclave\": HEX} or {\"platform\": HEX}");
  }
  const std::string kind =
      body.contains("mrenclave") ? "mrenclave" : "platform";
  COFFER_ASSIGN_OR_RETURN(std::string value, StringField(body, kind.c_str()));
  return std::pair{kind, value};
}

Status AddGovernanceRoutes(net::Router& router, Governance& governance,
                           Handover& handover) {
  const net::RouteOptions json_body{.require_json = true};
  COFFER_RETURN_IF_ERROR(router.Add(
      "GET", "/v1/cas/members",
      handover.Gated(Handle([&governance](const net::Request& request)
                                -> StatusOr<net::Response> {
        COFFER_ASSIGN_OR_RETURN(
            std::string described,
            governance.Describe(request.peer.spki_sha256_hex));
        return net::JsonResponse(std::move(described));
      }))));
  COFFER_RETURN_IF_ERROR(router.Add(
      "GET", "/v1/cas/audit",
      handover.Gated(Handle([&governance](const net::Request& request)
                                -> StatusOr<net::Response> {
        COFFER_ASSIGN_OR_RETURN(
            std::string log,
            governance.ExportAudit(request.peer.spki_sha256_hex));
        return net::JsonResponse(Json{{"log", std::move(log)}}.dump());
      }))));
  for (const bool approve : {true, false}) {
    COFFER_RETURN_IF_ERROR(router.Add(
        "POST", approve ? "/v1/cas/approve" : "/v1/cas/revoke",
        handover.Gated(
            Handle([&governance, approve](
                       const net::Request& request) -> StatusOr<net::Response> {
              COFFER_ASSIGN_OR_RETURN(auto change, ApprovalBody(request));
              const std::string& caller = request.peer.spki_sha256_hex;
              Status changed =
                  approve
                      ? governance.Approve(caller, change.first, change.second)
                      : governance.Revoke(caller, change.first, change.second);
              if (!changed.ok()) return changed;
              return net::JsonResponse(Json{
                  {change.first, change.second},
                  {"approved", approve}}.dump());
            })),
        json_body));
  }
  COFFER_RETURN_IF_ERROR(router.Add(
      "POST", "/v1/cas/join",
      Handle([&handover](
                 const net::Request& request) -> StatusOr<net::Response> {
        COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
        COFFER_ASSIGN_OR_RETURN(std::string quote_hex,
                                StringField(body, "quote"));
        StatusOr<Bytes> quote = HexDecode(quote_hex);
        if (!quote.ok()) {
          return InvalidArgumentError("request body: \"quote\" must be hex");
        }
        COFFER_ASSIGN_OR_RETURN(
            std::string state,
            handover.Export(request.peer.spki_sha256_hex, *quote));
        return net::JsonResponse(std::move(state));
      }),
      json_body));
  return router.Add(
      "POST", "/v1/cas/join/commit",
      Handle(
          [&handover](const net::Request& request) -> StatusOr<net::Response> {
            COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
            COFFER_ASSIGN_OR_RETURN(std::string address,
                                    StringField(body, "address"));
            COFFER_RETURN_IF_ERROR(
                handover.Commit(request.peer.spki_sha256_hex, address));
            return net::JsonResponse(R"({"committed":true})");
          }),
      json_body);
}

}  // namespace

StatusOr<net::Router> MakeApiRouter(Sessions& sessions,
                                    Provisioner& provisioner,
                                    const CasIdentity& identity,
                                    const net::MetricsRegistry& metrics,
                                    Governance& governance,
                                    Handover& handover) {
  net::Router router;
  const net::RouteOptions json_body{.require_json = true};
  auto gated = [&handover](net::Handler handler) {
    return handover.Gated(std::move(handler));
  };
  COFFER_RETURN_IF_ERROR(AddGovernanceRoutes(router, governance, handover));

  COFFER_RETURN_IF_ERROR(
      router.Add("GET", "/healthz",
                 Handle([](const net::Request&) -> StatusOr<net::Response> {
                   return net::JsonResponse(R"({"status":"ok"})");
                 })));
  COFFER_RETURN_IF_ERROR(router.Add(
      "GET", "/metrics",
      Handle([&metrics](const net::Request&) -> StatusOr<net::Response> {
        net::Response response;
        response.content_type = std::string(net::kPrometheusContentType);
        response.body = metrics.Render();
        return response;
      })));
  COFFER_RETURN_IF_ERROR(router.Add(
      "GET", "/v1/evidence",
      Handle([&identity](const net::Request&) -> StatusOr<net::Response> {
        return net::JsonResponse(identity.EvidenceJson());
      })));
  COFFER_RETURN_IF_ERROR(router.Add(
      "POST", "/v1/sessions",
      gated(Handle([&sessions](
                       const net::Request& request) -> StatusOr<net::Response> {
        COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
        COFFER_ASSIGN_OR_RETURN(std::string name, StringField(body, "name"));
        COFFER_ASSIGN_OR_RETURN(SessionSubmission submission,
                                ParseSubmission(body, name));
        if (submission.predecessor.has_value()) {
          return InvalidArgumentError(
              "request body: a new session has no \"predecessor\"");
        }
        COFFER_ASSIGN_OR_RETURN(
            std::string hash,
            sessions.Create(submission, request.peer.spki_sha256_hex));
        return net::JsonResponse(Json{{"name", name}, {"hash", hash}}.dump(),
                                 201);
      })),
      json_body));
  COFFER_RETURN_IF_ERROR(router.Add(
      "GET", "/v1/sessions",
      gated(Handle([&sessions](
                       const net::Request& request) -> StatusOr<net::Response> {
        COFFER_ASSIGN_OR_RETURN(std::vector<std::string> names,
                                sessions.List(request.peer.spki_sha256_hex));
        return net::JsonResponse(Json{{"sessions", names}}.dump());
      }))));
  COFFER_RETURN_IF_ERROR(router.AddPrefix(
      "GET", "/v1/sessions/",
      gated(Handle(
          [&sessions](const net::Request& request) -> StatusOr<net::Response> {
            COFFER_ASSIGN_OR_RETURN(
                SessionView view, sessions.Read(request.path_remainder,
                                                request.peer.spki_sha256_hex));
            Json variables = Json::object();
            for (const auto& [name, value] : view.variables)
              variables[name] = value;
            return net::JsonResponse(Json{
                {"name", view.name},
                {"hash", view.hash},
                {"session", view.text},
                {"file", view.file},
                {"variables", variables}}.dump());
          }))));
  COFFER_RETURN_IF_ERROR(router.AddPrefix(
      "PUT", "/v1/sessions/",
      gated(Handle([&sessions](
                       const net::Request& request) -> StatusOr<net::Response> {
        COFFER_ASSIGN_OR_RETURN(Json body, ParseBody(request));
        COFFER_ASSIGN_OR_RETURN(SessionSubmission submission,
                                ParseSubmission(body, request.path_remainder));
        COFFER_ASSIGN_OR_RETURN(
            std::string hash,
            sessions.Update(submission, request.peer.spki_sha256_hex));
        return net::JsonResponse(
            Json{{"name", submission.name}, {"hash", hash}}.dump());
      })),
      json_body));
  COFFER_RETURN_IF_ERROR(
      router.AddPrefix("GET", "/v1/public/",
                       gated(Handle([&sessions](const net::Request& request) {
                         return PublicValue(sessions, request);
                       }))));
  COFFER_RETURN_IF_ERROR(
      router.Add("POST", "/v1/provision",
                 gated(Handle([&provisioner](const net::Request& request) {
                   return ProvisionHandler(provisioner, request);
                 })),
                 json_body));
  COFFER_RETURN_IF_ERROR(
      router.Add("POST", "/v1/program",
                 gated(Handle([&provisioner](const net::Request& request) {
                   return ProgramHandler(provisioner, request);
                 })),
                 json_body));
  return router;
}

}  // namespace coffer::cas

#include "cas/cas_client.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cas/secret_json.h"
#include "net/address.h"
#include "policy/diagnostics.h"
#include "policy/yaml_tree.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxNameLength = 128;

// Typed access to an answer's fields without exceptions; errors name the
// request and the field. JsonType is Json, or SecretJson for the answer
// that holds secrets (whose secret fields are read without Fields).
template <typename JsonType>
class Fields {
 public:
  Fields(const JsonType& object, std::string what)
      : object_(object), what_(std::move(what)) {}

  StatusOr<std::string> String(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_string()) {
      return Malformed(std::string("\"") + key + "\" is not a string");
    }
    return it->template get<std::string>();
  }

  StatusOr<std::optional<std::string>> OptionalString(const char* key) const {
    if (!object_.contains(key)) return std::optional<std::string>();
    COFFER_ASSIGN_OR_RETURN(std::string value, String(key));
    return std::optional<std::string>(std::move(value));
  }

  StatusOr<std::vector<std::string>> Strings(const char* key) const {
    auto it = object_.find(key);
    std::vector<std::string> out;
    if (it == object_.end() || !it->is_array()) {
      return Malformed(std::string("\"") + key + "\" is not a list of strings");
    }
    for (const JsonType& item : *it) {
      if (!item.is_string()) {
        return Malformed(std::string("\"") + key +
                         "\" is not a list of strings");
      }
      out.push_back(item.template get<std::string>());
    }
    return out;
  }

  // An object of strings; absent is empty.
  StatusOr<std::map<std::string, std::string>> StringMap(
      const char* key) const {
    std::map<std::string, std::string> out;
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return out;
    if (!it->is_object()) {
      return Malformed(std::string("\"") + key + "\" is not an object");
    }
    for (const auto& [name, value] : it->items()) {
      if (!value.is_string()) {
        return Malformed(std::string("\"") + key + "\": \"" + name +
                         "\" is not a string");
      }
      out[name] = value.template get<std::string>();
    }
    return out;
  }

  Status Malformed(const std::string& why) const {
    return UnavailableError(what_ + ": " + why);
  }

 private:
  const JsonType& object_;
  std::string what_;
};

std::string SessionBody(const SessionUpload& upload,
                        const std::optional<std::string>& predecessor,
                        bool with_name) {
  Json body = Json::object();
  if (with_name) body["name"] = upload.name;
  body["session"] = upload.session;
  body["file"] = upload.file;
  body["variables"] = upload.variables;
  if (predecessor.has_value()) body["predecessor"] = *predecessor;
  return body.dump();
}

StatusOr<SessionRef> ParseSessionRef(const Json& answer,
                                     const std::string& what) {
  Fields fields(answer, what);
  SessionRef ref;
  COFFER_ASSIGN_OR_RETURN(ref.name, fields.String("name"));
  COFFER_ASSIGN_OR_RETURN(ref.hash, fields.String("hash"));
  return ref;
}

// A path segment for a secret name (no '/').
Status CheckSecretName(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= kMaxNameLength &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) ||
                              c == '_' || c == '.' || c == '~' || c == '-';
                     });
  if (valid) return OkStatus();
  return InvalidArgumentError("secret name \"" + std::string(name) +
                              "\" is invalid: use 1 to 128 of A-Z a-z 0-9 _ "
                              ". ~ -");
}

// Secret values go from the answer's SecretStrings straight into
// SecretBytes; only names, paths and pwd become std::string.
StatusOr<ServiceConfiguration> ParseServiceConfiguration(
    const SecretJson& answer, const std::string& what) {
  Fields fields(answer, what);
  ServiceConfiguration out;
  auto secret = [](const SecretJson& text) {
    const auto& value = text.get_ref<const SecretString&>();
    return crypto::SecretBytes(AsBytes(std::string_view(value)));
  };
  auto command = answer.find("command");
  if (command == answer.end() || !command->is_array()) {
    return fields.Malformed("\"command\" is not a list of strings");
  }
  for (const SecretJson& argument : *command) {
    if (!argument.is_string()) {
      return fields.Malformed("\"command\" is not a list of strings");
    }
    out.command.push_back(secret(argument));
  }
  auto environment = answer.find("environment");
  if (environment != answer.end()) {
    if (!environment->is_array()) {
      return fields.Malformed("\"environment\" is not a list");
    }
    for (const SecretJson& pair : *environment) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() ||
          !pair[1].is_string()) {
        return fields.Malformed(
            "\"environment\" entries must be [NAME, VALUE] strings");
      }
      out.environment.emplace_back(pair[0].get<std::string>(), secret(pair[1]));
    }
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<std::string> pwd,
                          fields.OptionalString("pwd"));
  out.pwd = pwd.value_or("/");
  auto files = answer.find("files");
  if (files == answer.end()) return out;
  if (!files->is_array()) return fields.Malformed("\"files\" is not a list");
  for (const SecretJson& file : *files) {
    if (!file.is_object()) {
      return fields.Malformed("\"files\" entries must be objects");
    }
    Fields entry(file, what);
    ServiceFile provisioned;
    COFFER_ASSIGN_OR_RETURN(provisioned.path, entry.String("path"));
    auto mode = file.find("mode");
    if (mode == file.end() || !mode->is_number_unsigned() ||
        mode->get<uint64_t>() > 07777) {
      return fields.Malformed("file " + provisioned.path +
                              ": \"mode\" is not a file mode");
    }
    provisioned.mode = mode->get<uint32_t>();
    auto content = file.find("content_base64");
    if (content == file.end() || !content->is_string()) {
      return fields.Malformed("file " + provisioned.path +
                              ": \"content_base64\" is not a string");
    }
    StatusOr<Bytes> decoded =
        Base64Decode(content->get_ref<const SecretString&>());
    if (!decoded.ok()) {
      return fields.Malformed("file " + provisioned.path +
                              ": \"content_base64\" is not base64");
    }
    provisioned.content = crypto::SecretBytes(*decoded);
    OPENSSL_cleanse(decoded->data(), decoded->size());
    out.files.push_back(std::move(provisioned));
  }
  return out;
}

}  // namespace

std::string CasAddress::ToString() const {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + port_text;
  }
  return host + ":" + port_text;
}

StatusOr<CasAddress> ParseCasAddress(std::string_view text) {
  StatusOr<net::HostPort> parsed = net::ParseHostPort(text);
  const bool host_ok =
      parsed.ok() &&
      std::none_of(parsed->host.begin(), parsed->host.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) || c == '/' ||
               c == '[' || c == ']' || c == '@';
      });
  if (!host_ok || parsed->port == 0) {
    return InvalidArgumentError(
        "CAS address \"" + std::string(text) +
        "\" must be HOST:PORT with a port from 1 to 65535 (e.g. "
        "127.0.0.1:8081, [::1]:8081)");
  }
  return CasAddress{std::move(parsed->host), parsed->port};
}

StatusOr<std::vector<CasAddress>> ParseCasAddresses(std::string_view text) {
  std::vector<CasAddress> addresses;
  while (true) {
    const size_t comma = text.find(',');
    COFFER_ASSIGN_OR_RETURN(CasAddress address,
                            ParseCasAddress(text.substr(0, comma)));
    addresses.push_back(std::move(address));
    if (comma == std::string_view::npos) return addresses;
    text.remove_prefix(comma + 1);
  }
}

bool IsUnreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

std::string DefaultCasAddress() {
  // Read on the main thread of a command; nothing of ours changes the
  // environment. NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* address = std::getenv("COFFER_CAS_ADDR");
      address && *address) {
    return address;
  }
  return std::string(kDefaultCasAddress);
}

Status CheckSessionName(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= kMaxNameLength &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) ||
                              c == '_' || c == '.' || c == '~' || c == '/' ||
                              c == '-';
                     });
  if (valid) return OkStatus();
  return InvalidArgumentError("session name \"" + std::string(name) +
                              "\" is invalid: use 1 to 128 of A-Z a-z 0-9 _ "
                              ". ~ / -");
}

std::map<std::string, std::string> UsedVariables(
    std::string_view session_text, const policy::Variables& variables) {
  policy::Diagnostics ignored;
  std::optional<policy::YamlNode> root =
      policy::ParseYaml(session_text, ignored);
  std::vector<std::string> names;
  if (root.has_value()) {
    // Values only, as ExpandVariables does: mapping keys are not expanded.
    std::vector<const policy::YamlNode*> pending = {&*root};
    while (!pending.empty()) {
      const policy::YamlNode* node = pending.back();
      pending.pop_back();
      if (node->is_scalar()) {
        for (std::string& name : policy::VariableNames(node->scalar)) {
          names.push_back(std::move(name));
        }
      }
      for (const policy::YamlNode& item : node->items) pending.push_back(&item);
      for (const policy::YamlEntry& entry : node->entries) {
        pending.push_back(&entry.value);
      }
    }
  }
  std::map<std::string, std::string> used;
  for (const std::string& name : names) {
    if (used.contains(name)) continue;
    if (std::optional<std::string> value = variables.Lookup(name)) {
      used.emplace(name, std::move(*value));
    }
  }
  return used;
}

StatusOr<std::unique_ptr<CasClient>> CasClient::Connect(
    const CasAddress& address, const net::TlsIdentity& identity,
    const net::ServerVerification& verification, net::ClientOptions options) {
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const net::TlsContext> tls,
                          net::MakeClientTlsContext(verification, &identity));
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpClient> http,
                          net::HttpClient::Connect(address.host, address.port,
                                                   std::move(tls), options));
  return std::unique_ptr<CasClient>(
      new CasClient(address.ToString(), std::move(http)));
}

StatusOr<std::unique_ptr<CasClient>> CasClient::ConnectPinned(
    const CasAddress& address, const ClientConfig& config,
    const net::TlsIdentity& identity, net::ClientOptions options) {
  const std::string name = address.ToString();
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::Certificate> pin,
                          config.LoadPin(name));
  if (!pin.has_value()) {
    return UnauthenticatedError("CAS " + name +
                                " is not attested: run coffer cas attest " +
                                name + " first");
  }
  const Bytes pinned = pin->ToDer();
  StatusOr<std::unique_ptr<CasClient>> client =
      Connect(address, identity,
              net::ServerVerification::PinnedCertificate(pinned), options);
  if (client.ok() || client.status().code() != StatusCode::kUnauthenticated) {
    return client;
  }
  // Why was it refused? Only a second look at the certificate tells a
  // redeployed CAS (attest it again) from a refused client certificate.
  StatusOr<std::unique_ptr<CasClient>> probe =
      ConnectForAttestation(address, identity, options);
  if (probe.ok() && (*probe)->server_certificate_der() != pinned) {
    return UnauthenticatedError(
        "the certificate of CAS " + name +
        " changed since it was attested (the pin is " + config.PinPath(name) +
        "); if the CAS was redeployed, run coffer cas attest " + name +
        " again to check and trust the new one");
  }
  return client;
}

StatusOr<std::unique_ptr<CasClient>> CasClient::ConnectForAttestation(
    const CasAddress& address, const net::TlsIdentity& identity,
    net::ClientOptions options) {
  return Connect(address, identity,
                 net::ServerVerification::AnyCertificateForAttestation(),
                 options);
}

CasClient::~CasClient() = default;

const Bytes& CasClient::server_certificate_der() const {
  return http_->server_certificate_der();
}

StatusOr<std::string> CasClient::Call(std::string_view method,
                                      const std::string& target,
                                      const std::string& body) {
  COFFER_ASSIGN_OR_RETURN(net::Response response,
                          http_->Request(method, target, body));
  if (response.status >= 200 && response.status < 300) {
    return std::move(response.body);
  }
  Status status = net::StatusFromResponse(response);
  // A 400 for a session lists every problem of the file.
  const Json error = Json::parse(response.body, nullptr, false);
  std::string message = status.message();
  if (error.is_object()) {
    auto problems = error.find("problems");
    if (problems != error.end() && problems->is_array()) {
      for (const Json& problem : *problems) {
        if (problem.is_string()) message += "\n" + problem.get<std::string>();
      }
    }
  }
  return Status(status.code(), std::move(message));
}

namespace {

// Parses a 2xx answer that must be a JSON object.
StatusOr<Json> ParseAnswer(const std::string& body, const std::string& what) {
  Json answer = Json::parse(body, nullptr, false);
  if (!answer.is_object()) {
    return UnavailableError(what + ": not a JSON object");
  }
  return answer;
}

std::string What(const std::string& address, std::string_view method,
                 const std::string& target) {
  return "CAS " + address + ": malformed answer to " + std::string(method) +
         " " + target;
}

}  // namespace

StatusOr<CasEvidence> CasClient::Evidence() {
  const std::string target = "/v1/evidence";
  COFFER_ASSIGN_OR_RETURN(std::string body, Call("GET", target));
  StatusOr<CasEvidence> evidence = ParseEvidence(body);
  if (!evidence.ok()) {
    return UnavailableError(What(address_, "GET", target) + ": " +
                            evidence.status().message());
  }
  return evidence;
}

StatusOr<SessionRef> CasClient::CreateSession(const SessionUpload& upload) {
  COFFER_RETURN_IF_ERROR(CheckSessionName(upload.name));
  const std::string target = "/v1/sessions";
  COFFER_ASSIGN_OR_RETURN(
      std::string body,
      Call("POST", target, SessionBody(upload, std::nullopt, true)));
  const std::string what = What(address_, "POST", target);
  COFFER_ASSIGN_OR_RETURN(Json answer, ParseAnswer(body, what));
  return ParseSessionRef(answer, what);
}

StatusOr<StoredSession> CasClient::ReadSession(std::string_view name) {
  COFFER_RETURN_IF_ERROR(CheckSessionName(name));
  const std::string target = "/v1/sessions/" + std::string(name);
  COFFER_ASSIGN_OR_RETURN(std::string body, Call("GET", target));
  const std::string what = What(address_, "GET", target);
  COFFER_ASSIGN_OR_RETURN(Json answer, ParseAnswer(body, what));
  Fields fields(answer, what);
  StoredSession stored;
  COFFER_ASSIGN_OR_RETURN(stored.name, fields.String("name"));
  COFFER_ASSIGN_OR_RETURN(stored.hash, fields.String("hash"));
  COFFER_ASSIGN_OR_RETURN(stored.session, fields.String("session"));
  COFFER_ASSIGN_OR_RETURN(stored.variables, fields.StringMap("variables"));
  return stored;
}

StatusOr<SessionRef> CasClient::UpdateSession(
    const SessionUpload& upload,
    const std::optional<std::string>& predecessor) {
  COFFER_RETURN_IF_ERROR(CheckSessionName(upload.name));
  const std::string target = "/v1/sessions/" + upload.name;
  COFFER_ASSIGN_OR_RETURN(
      std::string body,
      Call("PUT", target, SessionBody(upload, predecessor, false)));
  const std::string what = What(address_, "PUT", target);
  COFFER_ASSIGN_OR_RETURN(Json answer, ParseAnswer(body, what));
  return ParseSessionRef(answer, what);
}

StatusOr<std::vector<std::string>> CasClient::ListSessions() {
  const std::string target = "/v1/sessions";
  COFFER_ASSIGN_OR_RETURN(std::string body, Call("GET", target));
  const std::string what = What(address_, "GET", target);
  COFFER_ASSIGN_OR_RETURN(Json answer, ParseAnswer(body, what));
  return Fields(answer, what).Strings("sessions");
}

StatusOr<PublicExport> CasClient::GetPublicValue(std::string_view session,
                                                 std::string_view secret) {
  COFFER_RETURN_IF_ERROR(CheckSessionName(session));
  COFFER_RETURN_IF_ERROR(CheckSecretName(secret));
  const std::string target =
      "/v1/public/" + std::string(session) + "/" + std::string(secret);
  COFFER_ASSIGN_OR_RETURN(std::string body, Call("GET", target));
  const std::string what = What(address_, "GET", target);
  COFFER_ASSIGN_OR_RETURN(Json answer, ParseAnswer(body, what));
  Fields fields(answer, what);
  PublicExport value{std::string(session), std::string(secret), {}, {}};
  COFFER_ASSIGN_OR_RETURN(value.certificate_pem,
                          fields.OptionalString("certificate"));
  COFFER_ASSIGN_OR_RETURN(value.value, fields.OptionalString("value"));
  if (!value.certificate_pem.has_value() && !value.value.has_value()) {
    return fields.Malformed("neither \"certificate\" nor \"value\"");
  }
  return value;
}

StatusOr<std::string> CasClient::ServiceProgram(std::string_view config_id) {
  const std::string target = "/v1/program";
  COFFER_ASSIGN_OR_RETURN(
      std::string body,
      Call("POST", target, Json{{"config_id", std::string(config_id)}}.dump()));
  const Json answer = Json::parse(body, nullptr, false);
  if (!answer.is_object() || !answer.contains("program") ||
      !answer["program"].is_string() ||
      answer["program"].get_ref<const std::string&>().empty()) {
    return UnavailableError(What(address_, "POST", target) +
                            ": \"program\" is not a non-empty string");
  }
  return answer["program"].get<std::string>();
}

StatusOr<ServiceConfiguration> CasClient::Provision(
    std::string_view config_id, std::span<const uint8_t> quote) {
  const std::string target = "/v1/provision";
  Json request = {{"config_id", std::string(config_id)},
                  {"quote", HexEncode(quote)}};
  COFFER_ASSIGN_OR_RETURN(std::string body,
                          Call("POST", target, request.dump()));
  // The body is wiped as soon as it is parsed, and the parsed answer is a
  // SecretJson, whose buffers (the parser's included) are wiped when freed.
  // Not reached from here: net::HttpClient's own read buffers.
  const SecretJson answer = SecretJson::parse(body, nullptr, false);
  OPENSSL_cleanse(body.data(), body.size());
  const std::string what = What(address_, "POST", target);
  if (!answer.is_object())
    return UnavailableError(what + ": not a JSON object");
  return ParseServiceConfiguration(answer, what);
}

}  // namespace coffer::cas

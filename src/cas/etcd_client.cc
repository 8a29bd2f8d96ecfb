#include "cas/etcd_client.h"

#include <openssl/crypto.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "crypto/certificate.h"
#include "net/tls.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

std::string B64(std::string_view text) { return Base64Encode(AsBytes(text)); }

// The end of the range of keys that start with `prefix` (etcd's range_end:
// the prefix with its last byte incremented).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(end.back() + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

// etcd's JSON gives 64-bit integers as strings.
int64_t Int64Field(const Json& object, const char* name) {
  if (!object.contains(name)) return 0;  // proto3 leaves zero out
  const Json& value = object[name];
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_string()) return -1;
  const std::string text = value.get<std::string>();
  int64_t out = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() ? out : -1;
}

StatusOr<EtcdClient::KeyValue> ParseKeyValue(const Json& kv,
                                             const std::string& endpoint) {
  auto bad = [&] {
    return InternalError("etcd " + endpoint + ": a malformed key-value");
  };
  if (!kv.is_object() || !kv.contains("key") || !kv["key"].is_string()) {
    return bad();
  }
  EtcdClient::KeyValue out;
  StatusOr<Bytes> key = Base64Decode(kv["key"].get<std::string>());
  if (!key.ok()) return bad();
  out.key = std::string(AsString(*key));
  if (kv.contains("value")) {
    if (!kv["value"].is_string()) return bad();
    StatusOr<Bytes> value = Base64Decode(kv["value"].get<std::string>());
    if (!value.ok()) return bad();
    out.value = *std::move(value);
  }
  out.create_revision = Int64Field(kv, "create_revision");
  out.mod_revision = Int64Field(kv, "mod_revision");
  if (out.create_revision <= 0 || out.mod_revision <= 0) return bad();
  return out;
}

std::string Address(const net::HostPort& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
         std::to_string(endpoint.port);
}

}  // namespace

StatusOr<std::vector<net::HostPort>> ParseEtcdEndpoints(std::string_view url) {
  if (url.starts_with("etcd://")) url.remove_prefix(7);
  std::vector<net::HostPort> endpoints;
  while (!url.empty()) {
    const size_t comma = url.find(',');
    const std::string_view part = url.substr(0, comma);
    StatusOr<net::HostPort> endpoint = net::ParseHostPort(part);
    if (!endpoint.ok() || endpoint->port == 0) {
      return InvalidArgumentError(
          "etcd endpoint \"" + std::string(part) +
          "\" is not HOST:PORT (give --store etcd://HOST:PORT,HOST:PORT)");
    }
    endpoints.push_back(*std::move(endpoint));
    if (comma == std::string_view::npos) break;
    url.remove_prefix(comma + 1);
  }
  if (endpoints.empty()) {
    return InvalidArgumentError(
        "no etcd endpoint given (give --store etcd://HOST:PORT,HOST:PORT)");
  }
  return endpoints;
}

struct EtcdClient::Pool {
  std::vector<net::HostPort> endpoints;
  // One TLS context per endpoint: each verifies its own host name.
  std::vector<std::shared_ptr<const net::TlsContext>> contexts;
  std::mutex mu;
  // Idle connections per endpoint, and the endpoint that answered last.
  std::vector<std::vector<std::unique_ptr<net::HttpClient>>> idle;  // mu
  size_t preferred = 0;                                             // mu
};

EtcdClient::EtcdClient(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}
EtcdClient::~EtcdClient() = default;

StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(EtcdOptions options) {
  if (options.endpoints.empty()) {
    return InvalidArgumentError("no etcd endpoint given");
  }
  if (options.ca_file.empty()) {
    return InvalidArgumentError(
        "--etcd-ca is required: Coffer talks to etcd over TLS only");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return InvalidArgumentError("--etcd-cert and --etcd-key go together");
  }
  COFFER_ASSIGN_OR_RETURN(std::string ca_pem, ReadFile(options.ca_file));
  StatusOr<std::vector<crypto::Certificate>> cas =
      crypto::ParsePemCertificates(ca_pem);
  if (!cas.ok() || cas->empty()) {
    return InvalidArgumentError("--etcd-ca " + options.ca_file +
                                ": no PEM certificate in it");
  }
  std::vector<Bytes> ca_der;
  for (const crypto::Certificate& ca : *cas) ca_der.push_back(ca.ToDer());
  std::optional<crypto::PrivateKey> key;
  std::vector<crypto::Certificate> chain;
  if (!options.cert_file.empty()) {
    COFFER_ASSIGN_OR_RETURN(std::string cert_pem, ReadFile(options.cert_file));
    StatusOr<std::vector<crypto::Certificate>> parsed =
        crypto::ParsePemCertificates(cert_pem);
    if (!parsed.ok() || parsed->empty()) {
      return InvalidArgumentError("--etcd-cert " + options.cert_file +
                                  ": no PEM certificate in it");
    }
    chain = *std::move(parsed);
    COFFER_ASSIGN_OR_RETURN(std::string key_pem, ReadFile(options.key_file));
    StatusOr<crypto::PrivateKey> parsed_key =
        crypto::PrivateKey::FromPem(key_pem);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (!parsed_key.ok()) {
      return InvalidArgumentError("--etcd-key " + options.key_file +
                                  ": not a PEM private key");
    }
    key = *std::move(parsed_key);
  }
  auto pool = std::make_unique<Pool>();
  for (const net::HostPort& endpoint : options.endpoints) {
    const net::TlsIdentity identity{key.has_value() ? &*key : nullptr, chain};
    StatusOr<std::shared_ptr<const net::TlsContext>> context =
        net::MakeClientTlsContext(
            net::ServerVerification::CaAndHostName(ca_der, endpoint.host),
            key.has_value() ? &identity : nullptr);
    if (!context.ok()) {
      return context.status().WithContext("etcd TLS for " + Address(endpoint));
    }
    pool->contexts.push_back(*std::move(context));
  }
  pool->endpoints = std::move(options.endpoints);
  pool->idle.resize(pool->endpoints.size());
  std::unique_ptr<EtcdClient> client(new EtcdClient(std::move(pool)));
  // One answer now, so that a wrong address or certificate shows at start.
  COFFER_RETURN_IF_ERROR(client->Get("coffer/").status());
  return client;
}

std::string EtcdClient::endpoints() const {
  std::string out;
  for (const net::HostPort& endpoint : pool_->endpoints) {
    out += (out.empty() ? "" : ",") + Address(endpoint);
  }
  return out;
}

StatusOr<std::string> EtcdClient::Call(std::string_view path,
                                       const std::string& body) {
  Pool& pool = *pool_;
  const size_t count = pool.endpoints.size();
  size_t first = 0;
  {
    std::lock_guard lock(pool.mu);
    first = pool.preferred;
  }
  std::string failures;
  for (size_t i = 0; i < count; ++i) {
    const size_t index = (first + i) % count;
    const std::string address = Address(pool.endpoints[index]);
    std::unique_ptr<net::HttpClient> client;
    {
      std::lock_guard lock(pool.mu);
      if (!pool.idle[index].empty()) {
        client = std::move(pool.idle[index].back());
        pool.idle[index].pop_back();
      }
    }
    Status failed = OkStatus();
    if (client == nullptr) {
      net::ClientOptions options;
      options.connect_timeout = std::chrono::milliseconds(3000);
      options.request_timeout = std::chrono::milliseconds(10'000);
      options.max_response_bytes = 64u << 20;
      StatusOr<std::unique_ptr<net::HttpClient>> connected =
          net::HttpClient::Connect(pool.endpoints[index].host,
                                   pool.endpoints[index].port,
                                   pool.contexts[index], options);
      if (connected.ok()) {
        client = *std::move(connected);
      } else {
        failed = connected.status();
      }
    }
    if (client != nullptr) {
      StatusOr<net::Response> response = client->Request("POST", path, body);
      if (!response.ok()) {
        failed = response.status();
      } else if (response->status == 200) {
        std::lock_guard lock(pool.mu);
        pool.idle[index].push_back(std::move(client));
        pool.preferred = index;
        return std::move(response->body);
      } else {
        // gRPC's error as JSON: {"error": "...", "code": N}. 14 is
        // UNAVAILABLE (no leader, the member is stopping): the next
        // endpoint may do; anything else is the answer.
        const Json error = Json::parse(response->body, nullptr, false);
        const std::string message =
            error.is_object() && error.contains("error") &&
                    error["error"].is_string()
                ? error["error"].get<std::string>()
                : "HTTP " + std::to_string(response->status);
        const int64_t code = error.is_object() ? Int64Field(error, "code") : 0;
        if (code != 14 && response->status != 503) {
          std::lock_guard lock(pool.mu);
          pool.idle[index].push_back(std::move(client));
          std::string why = "etcd " + address;
          why += ": ";
          why += message;
          return InternalError(why);
        }
        failed = UnavailableError(message);
      }
    }
    if (failed.code() == StatusCode::kUnauthenticated) {
      return failed.WithContext("etcd " + address);
    }
    failures += (failures.empty() ? "" : "; ") + address + ": " +
                std::string(failed.message());
  }
  return UnavailableError("etcd: no endpoint answered (" + failures + ")");
}

StatusOr<std::optional<EtcdClient::KeyValue>> EtcdClient::Get(
    std::string_view key) {
  const Json request = {{"key", B64(key)}};
  COFFER_ASSIGN_OR_RETURN(std::string text,
                          Call("/v3/kv/range", request.dump()));
  COFFER_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs,
                          ParseRangeAnswer(text, endpoints()));
  if (kvs.empty()) return std::optional<KeyValue>();
  if (kvs.size() != 1 || kvs[0].key != key) {
    return InternalError("etcd " + endpoints() +
                         ": a malformed answer to a range of one key");
  }
  return std::optional<KeyValue>(std::move(kvs[0]));
}

StatusOr<std::vector<EtcdClient::KeyValue>> EtcdClient::GetPrefix(
    std::string_view prefix) {
  const Json request = {{"key", B64(prefix)},
                        {"range_end", B64(PrefixEnd(prefix))},
                        {"sort_order", "ASCEND"},
                        {"sort_target", "KEY"}};
  COFFER_ASSIGN_OR_RETURN(std::string text,
                          Call("/v3/kv/range", request.dump()));
  return ParseRangeAnswer(text, endpoints());
}

StatusOr<std::vector<EtcdClient::KeyValue>> EtcdClient::ParseRangeAnswer(
    std::string_view answer_text, const std::string& where) {
  const Json answer = Json::parse(answer_text, nullptr, false);
  if (!answer.is_object()) {
    return InternalError("etcd " + where + ": a malformed answer");
  }
  std::vector<KeyValue> out;
  if (!answer.contains("kvs")) return out;  // no key in the range
  if (!answer["kvs"].is_array()) {
    return InternalError("etcd " + where + ": a malformed answer to a range");
  }
  for (const Json& kv : answer["kvs"]) {
    COFFER_ASSIGN_OR_RETURN(KeyValue parsed, ParseKeyValue(kv, where));
    out.push_back(std::move(parsed));
  }
  return out;
}

Status EtcdClient::PutValue(std::string_view key,
                            std::span<const uint8_t> value) {
  const Json request = {{"key", B64(key)}, {"value", Base64Encode(value)}};
  return Call("/v3/kv/put", request.dump()).status();
}

Status EtcdClient::Delete(std::string_view key) {
  const Json request = {{"key", B64(key)}};
  return Call("/v3/kv/deleterange", request.dump()).status();
}

StatusOr<bool> EtcdClient::Txn(const std::vector<Compare>& compares,
                               const std::vector<Put>& puts) {
  Json compare = Json::array();
  for (const Compare& c : compares) {
    const bool mod = c.target == Compare::Target::kModRevision;
    compare.push_back({{"key", B64(c.key)},
                       {"result", "EQUAL"},
                       {"target", mod ? "MOD" : "CREATE"},
                       {mod ? "mod_revision" : "create_revision",
                        std::to_string(c.revision)}});
  }
  Json success = Json::array();
  for (const Put& put : puts) {
    success.push_back(
        {{"request_put",
          {{"key", B64(put.key)}, {"value", Base64Encode(put.value)}}}});
  }
  const Json request = {{"compare", std::move(compare)},
                        {"success", std::move(success)}};
  COFFER_ASSIGN_OR_RETURN(std::string text, Call("/v3/kv/txn", request.dump()));
  const Json answer = Json::parse(text, nullptr, false);
  if (!answer.is_object()) return InternalError("etcd: a malformed answer");
  return answer.contains("succeeded") && answer["succeeded"].is_boolean() &&
         answer["succeeded"].get<bool>();
}

}  // namespace coffer::cas

#include "proxy/config.h"

#include <nlohmann/json.hpp>

#include "common/files.h"

namespace coffer::proxy {
namespace {

using Json = nlohmann::json;

// Reads config keys with errors that name the file and the key.
class Fields {
 public:
  Fields(const Json& object, std::string source, std::string prefix)
      : object_(object),
        source_(std::move(source)),
        prefix_(std::move(prefix)) {}

  Status Error(std::string_view key, std::string_view what) const {
    return InvalidArgumentError(source_ + ": \"" + prefix_ + std::string(key) +
                                "\" " + std::string(what));
  }

  StatusOr<std::string> String(std::string_view key, bool required) const {
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) return Error(key, "is required");
      return std::string();
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return Error(key, "must be a non-empty string");
    }
    return it->get<std::string>();
  }

  StatusOr<const Json*> Object(std::string_view key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || !it->is_object()) {
      return Error(key, "must be an object");
    }
    return &*it;
  }

  StatusOr<int64_t> Integer(std::string_view key, int64_t fallback, int64_t min,
                            int64_t max) const {
    const auto it = object_.find(key);
    if (it == object_.end()) return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() < min ||
        it->get<int64_t>() > max) {
      return Error(key, "must be an integer from " + std::to_string(min) +
                            " to " + std::to_string(max));
    }
    return it->get<int64_t>();
  }

  // Every key must be one of `known`: a typo must not silently drop a
  // setting (a misspelt "masking_rules" would unmask everything).
  const Json& object() const { return object_; }
  const std::string& source() const { return source_; }

  Status OnlyKeys(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object_.items()) {
      bool found = false;
      for (std::string_view k : known) found = found || key == k;
      if (!found) return Error(key, "is not a known key");
    }
    return OkStatus();
  }

 private:
  const Json& object_;
  std::string source_;
  std::string prefix_;
};

std::string Resolve(const std::string& base, const std::string& path) {
  if (path.starts_with('/') || base.empty()) return path;
  return base + "/" + path;
}

StatusOr<std::shared_ptr<const net::TlsContext>> ClientTls(
    const Fields& tls, const std::string& base) {
  COFFER_ASSIGN_OR_RETURN(std::string cert_path,
                          tls.String("certificate", true));
  COFFER_ASSIGN_OR_RETURN(std::string key_path, tls.String("key", true));
  COFFER_ASSIGN_OR_RETURN(std::string ca_path, tls.String("client_ca", true));
  COFFER_ASSIGN_OR_RETURN(auto chain,
                          LoadCertificates(Resolve(base, cert_path)));
  COFFER_ASSIGN_OR_RETURN(auto key, LoadKey(Resolve(base, key_path)));
  COFFER_ASSIGN_OR_RETURN(auto ca, LoadCaDer(Resolve(base, ca_path)));
  const net::TlsIdentity identity{&key, chain};
  return net::MakeServerTlsContext(identity,
                                   net::ClientVerification::Ca(std::move(ca)));
}

Status LoadAccounts(const Json& root, std::string_view source,
                    const std::string& base,
                    const net::ServerVerification& backend_verification,
                    ProxyConfig& config) {
  const auto it = root.find("accounts");
  if (it == root.end() || !it->is_array() || it->empty()) {
    return InvalidArgumentError(std::string(source) +
                                ": \"accounts\" must be a non-empty array");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    const std::string prefix = "accounts[" + std::to_string(i) + "].";
    if (!entry.is_object()) {
      return InvalidArgumentError(std::string(source) + ": \"" + prefix +
                                  "\" must be an object");
    }
    Fields account(entry, std::string(source), prefix);
    COFFER_RETURN_IF_ERROR(
        account.OnlyKeys({"subject", "user", "certificate", "key"}));
    Account out;
    COFFER_ASSIGN_OR_RETURN(out.subject, account.String("subject", true));
    COFFER_ASSIGN_OR_RETURN(out.user, account.String("user", true));
    COFFER_ASSIGN_OR_RETURN(std::string cert_path,
                            account.String("certificate", true));
    COFFER_ASSIGN_OR_RETURN(std::string key_path, account.String("key", true));
    if (config.AccountForSubject(out.subject) != nullptr) {
      return account.Error("subject",
                           "maps a subject that an earlier account "
                           "maps already");
    }
    COFFER_ASSIGN_OR_RETURN(auto chain,
                            LoadCertificates(Resolve(base, cert_path)));
    COFFER_ASSIGN_OR_RETURN(auto key, LoadKey(Resolve(base, key_path)));
    const net::TlsIdentity identity{&key, chain};
    COFFER_ASSIGN_OR_RETURN(
        out.backend_tls,
        net::MakeClientTlsContext(backend_verification, &identity));
    config.accounts.push_back(std::move(out));
  }
  return OkStatus();
}

Status LoadMonitor(const Fields& monitor, std::string ca_path,
                   const std::string& base, MonitorConfig& out) {
  COFFER_RETURN_IF_ERROR(monitor.OnlyKeys(
      {"certificate", "key", "interval_ms", "failover_after", "max_lag_seconds",
       "auto_failover", "replication", "admins", "lease_name"}));
  out.enabled = true;
  out.ca_path = std::move(ca_path);
  COFFER_ASSIGN_OR_RETURN(std::string cert,
                          monitor.String("certificate", true));
  COFFER_ASSIGN_OR_RETURN(std::string key, monitor.String("key", true));
  out.certificate_path = Resolve(base, cert);
  out.key_path = Resolve(base, key);
  // Read now, so that a missing or bad file stops the proxy at start.
  COFFER_RETURN_IF_ERROR(LoadCertificates(out.certificate_path).status());
  COFFER_RETURN_IF_ERROR(LoadKey(out.key_path).status());
  COFFER_ASSIGN_OR_RETURN(int64_t interval,
                          monitor.Integer("interval_ms", 500, 50, 60000));
  COFFER_ASSIGN_OR_RETURN(int64_t after,
                          monitor.Integer("failover_after", 4, 1, 1000));
  COFFER_ASSIGN_OR_RETURN(int64_t lag,
                          monitor.Integer("max_lag_seconds", 10, 0, 86400));
  out.interval_ms = static_cast<int>(interval);
  out.failover_after = static_cast<int>(after);
  out.max_lag_seconds = static_cast<int>(lag);
  COFFER_ASSIGN_OR_RETURN(std::string lease,
                          monitor.String("lease_name", false));
  if (!lease.empty()) {
    const bool word =
        lease.size() <= 64 && lease.find_first_not_of(
                                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
                                  "RSTUVWXYZ0123456789_") == std::string::npos;
    if (!word) {
      return monitor.Error("lease_name",
                           "must be 1 to 64 letters, digits or '_' (the name "
                           "of the lock the proxies share)");
    }
    out.lease_name = std::move(lease);
  }
  if (const auto& object = monitor.object(); object.contains("auto_failover")) {
    if (!object["auto_failover"].is_boolean()) {
      return monitor.Error("auto_failover", "must be true or false");
    }
    out.auto_failover = object["auto_failover"].get<bool>();
  }
  if (const auto& object = monitor.object(); object.contains("admins")) {
    const Json& admins = object["admins"];
    if (!admins.is_array()) {
      return monitor.Error("admins", "must be an array of subjects");
    }
    for (const Json& subject : admins) {
      if (!subject.is_string() ||
          subject.get<std::string>().find('=') == std::string::npos) {
        return monitor.Error("admins",
                             "must hold certificate subjects in RFC 2253 "
                             "form, like \"CN=operator\"");
      }
      out.admins.push_back(subject.get<std::string>());
    }
  }
  COFFER_ASSIGN_OR_RETURN(const Json* replication_json,
                          monitor.Object("replication"));
  const Fields replication(*replication_json, monitor.source(),
                           "monitor.replication.");
  COFFER_RETURN_IF_ERROR(
      replication.OnlyKeys({"user", "ca", "certificate", "key"}));
  COFFER_ASSIGN_OR_RETURN(out.replication_user,
                          replication.String("user", true));
  COFFER_ASSIGN_OR_RETURN(out.replication_ca, replication.String("ca", true));
  COFFER_ASSIGN_OR_RETURN(out.replication_certificate,
                          replication.String("certificate", true));
  COFFER_ASSIGN_OR_RETURN(out.replication_key, replication.String("key", true));
  // They go into CHANGE MASTER TO '...': no quote may end the string.
  for (const std::string* value :
       {&out.replication_user, &out.replication_ca,
        &out.replication_certificate, &out.replication_key}) {
    if (value->find_first_of("'\\\n") != std::string::npos) {
      return replication.Error("",
                               "values may not hold quotes, backslashes "
                               "or line breaks");
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<crypto::PrivateKey> LoadKey(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, 1 << 20));
  auto key = crypto::PrivateKey::FromPem(pem);
  if (!key.ok()) return key.status().WithContext("key file " + path);
  return key;
}

StatusOr<std::vector<crypto::Certificate>> LoadCertificates(
    const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, 1 << 20));
  auto chain = crypto::ParsePemCertificates(pem);
  if (!chain.ok())
    return chain.status().WithContext("certificate file " + path);
  if (chain->empty()) {
    return InvalidArgumentError("certificate file " + path +
                                " holds no certificate");
  }
  return chain;
}

StatusOr<std::vector<Bytes>> LoadCaDer(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> cas,
                          LoadCertificates(path));
  std::vector<Bytes> der;
  der.reserve(cas.size());
  for (const crypto::Certificate& ca : cas) der.push_back(ca.ToDer());
  return der;
}

const Account* ProxyConfig::AccountForSubject(std::string_view subject) const {
  for (const Account& account : accounts) {
    if (account.subject == subject) return &account;
  }
  return nullptr;
}

StatusOr<ProxyConfig> LoadProxyConfig(std::string_view json_text,
                                      std::string_view source,
                                      const std::string& base_directory) {
  const Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return InvalidArgumentError(std::string(source) +
                                ": not a JSON object (a JSON syntax error?)");
  }
  const std::string name(source);
  const Fields fields(root, name, "");
  COFFER_RETURN_IF_ERROR(
      fields.OnlyKeys({"listen", "proxy_protocol_from", "tls", "backend",
                       "accounts", "masking_rules", "io_threads",
                       "max_connections", "monitor", "causal_reads"}));
  ProxyConfig config;
  COFFER_ASSIGN_OR_RETURN(std::string listen, fields.String("listen", true));
  auto listen_address = net::ParseHostPort(listen);
  if (!listen_address.ok()) {
    return fields.Error("listen", listen_address.status().message());
  }
  config.listen = *listen_address;
  if (const auto it = root.find("proxy_protocol_from"); it != root.end()) {
    if (!it->is_array()) {
      return fields.Error("proxy_protocol_from",
                          "must be an array of IP "
                          "addresses");
    }
    for (const Json& peer : *it) {
      if (!peer.is_string()) {
        return fields.Error("proxy_protocol_from", "must hold strings only");
      }
      config.proxy_protocol_from.push_back(peer.get<std::string>());
    }
  }
  COFFER_ASSIGN_OR_RETURN(const Json* tls_json, fields.Object("tls"));
  const Fields tls(*tls_json, name, "tls.");
  COFFER_RETURN_IF_ERROR(tls.OnlyKeys({"certificate", "key", "client_ca"}));
  auto client_tls = ClientTls(tls, base_directory);
  if (!client_tls.ok()) return client_tls.status().WithContext(name + ": tls");
  config.client_tls = *std::move(client_tls);

  COFFER_ASSIGN_OR_RETURN(const Json* backend_json, fields.Object("backend"));
  const Fields backend(*backend_json, name, "backend.");
  COFFER_RETURN_IF_ERROR(backend.OnlyKeys({"address", "ca", "server_name"}));
  COFFER_ASSIGN_OR_RETURN(std::string backend_address,
                          backend.String("address", true));
  auto backend_host = net::ParseHostPort(backend_address);
  if (!backend_host.ok()) {
    return backend.Error("address", backend_host.status().message());
  }
  config.backend = *backend_host;
  COFFER_ASSIGN_OR_RETURN(std::string ca_path, backend.String("ca", true));
  COFFER_ASSIGN_OR_RETURN(config.backend_server_name,
                          backend.String("server_name", false));
  if (config.backend_server_name.empty()) {
    config.backend_server_name = config.backend.host;
  }
  COFFER_ASSIGN_OR_RETURN(auto backend_ca,
                          LoadCaDer(Resolve(base_directory, ca_path)));
  // Coffer verifies the database server (MaxScale does not by default).
  const auto verification = net::ServerVerification::CaAndHostName(
      std::move(backend_ca), config.backend_server_name);
  COFFER_RETURN_IF_ERROR(
      LoadAccounts(root, name, base_directory, verification, config));
  if (root.contains("monitor")) {
    COFFER_ASSIGN_OR_RETURN(const Json* monitor_json, fields.Object("monitor"));
    COFFER_RETURN_IF_ERROR(LoadMonitor(Fields(*monitor_json, name, "monitor."),
                                       Resolve(base_directory, ca_path),
                                       base_directory, config.monitor));
  }
  if (const auto it = root.find("causal_reads"); it != root.end()) {
    if (!it->is_boolean())
      return fields.Error("causal_reads", "must be true or false");
    config.causal_reads = it->get<bool>();
  }

  COFFER_ASSIGN_OR_RETURN(std::string rules_path,
                          fields.String("masking_rules", false));
  if (rules_path.empty()) {
    config.rules = std::make_shared<masking::RuleSet>();
  } else {
    COFFER_ASSIGN_OR_RETURN(
        masking::RuleSet rules,
        masking::LoadRulesFile(Resolve(base_directory, rules_path)));
    config.rules = std::make_shared<masking::RuleSet>(std::move(rules));
  }
  COFFER_ASSIGN_OR_RETURN(int64_t threads,
                          fields.Integer("io_threads", 1, 1, 64));
  config.io_threads = static_cast<int>(threads);
  COFFER_ASSIGN_OR_RETURN(int64_t max_connections,
                          fields.Integer("max_connections", 1024, 1, 100000));
  config.max_connections = static_cast<size_t>(max_connections);
  return config;
}

StatusOr<ProxyConfig> LoadProxyConfigFile(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1 << 20));
  const size_t slash = path.rfind('/');
  const std::string base =
      slash == std::string::npos ? "." : path.substr(0, slash);
  return LoadProxyConfig(text, path, base);
}

}  // namespace coffer::proxy

#include "proxy/admin_client.h"

#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "net/tls.h"
#include "proxy/config.h"

namespace coffer::proxy {

StatusOr<SwitchoverReply> RequestSwitchover(
    const std::vector<net::HostPort>& proxies,
    const std::optional<net::HostPort>& to,
    const AdminCredentials& credentials) {
  if (proxies.empty()) return InvalidArgumentError("no proxy address given");
  COFFER_ASSIGN_OR_RETURN(auto ca, LoadCaDer(credentials.ca_path));
  COFFER_ASSIGN_OR_RETURN(auto chain,
                          LoadCertificates(credentials.certificate_path));
  COFFER_ASSIGN_OR_RETURN(auto key, LoadKey(credentials.key_path));
  const net::TlsIdentity identity{&key, chain};
  const std::string body =
      to ? nlohmann::json{{"to", to->host + ":" + std::to_string(to->port)}}
               .dump()
         : "";
  net::ClientOptions options;
  // The proxy answers when the switchover ended (Monitor::Switchover).
  options.request_timeout = std::chrono::minutes(3);
  Status last = OkStatus();
  for (const net::HostPort& proxy : proxies) {
    const std::string name = proxy.host + ":" + std::to_string(proxy.port);
    COFFER_ASSIGN_OR_RETURN(
        auto tls,
        net::MakeClientTlsContext(
            net::ServerVerification::CaAndHostName(ca, proxy.host), &identity));
    auto client = net::HttpClient::Connect(proxy.host, proxy.port,
                                           std::move(tls), options);
    if (!client.ok()) {
      last = client.status().WithContext("proxy " + name);
      continue;  // another proxy may hold the lease
    }
    auto response = (*client)->Request("POST", "/v1/switchover", body);
    if (!response.ok()) {
      last = response.status().WithContext("proxy " + name);
      continue;
    }
    Status answer = net::StatusFromResponse(*response);
    if (answer.ok()) {
      const nlohmann::json reply =
          nlohmann::json::parse(response->body, nullptr, false);
      auto has = [&reply](const char* field, bool number) {
        return reply.is_object() && reply.contains(field) &&
               (number ? reply[field].is_number() : reply[field].is_string());
      };
      if (!has("primary", false) || !has("previous", false) ||
          !has("seconds", true)) {
        return InternalError("proxy " + name +
                             ": the switchover's answer is not understood");
      }
      return SwitchoverReply{reply["primary"].get<std::string>(),
                             reply["previous"].get<std::string>(),
                             reply["seconds"].get<double>()};
    }
    last = answer.WithContext("proxy " + name);
    // Only a follower's refusal sends the request on.
    if (answer.message().find("does not hold the lease") == std::string::npos) {
      return last;
    }
  }
  return last;
}

}  // namespace coffer::proxy

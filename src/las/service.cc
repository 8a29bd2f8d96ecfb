#include "las/service.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/random.h"
#include "las/measurement.h"
#include "las/protocol.h"
#include "las/seal.h"
#include "las/sim_quote.h"

namespace coffer::las {
namespace {

using crypto::Sha256Digest;

// Refuses anyone but the runtime, then measures what it asks about.
StatusOr<Measurement> MeasureForRuntime(const PeerProcess& peer,
                                        const UniqueFd* program,
                                        const ServiceConfig& config) {
  const Sha256Digest& expected = config.expected_runtime;
  const std::string exe = "/proc/" + std::to_string(peer.pid()) + "/exe";
  StatusOr<UniqueFd> executable = peer.OpenExecutable();
  if (!executable.ok()) {
    return PermissionDeniedError(
        "cannot tell whether the peer is the Coffer runtime: " +
        executable.status().message());
  }
  StatusOr<Sha256Digest> identity = HashFileContents(executable->get());
  if (!identity.ok()) {
    return PermissionDeniedError(
        "cannot tell whether the peer is the Coffer runtime: " + exe + ": " +
        identity.status().message());
  }
  COFFER_RETURN_IF_ERROR(peer.CheckStillAlive());
  if (*identity != expected &&
      std::find(config.other_runtimes.begin(), config.other_runtimes.end(),
                *identity) == config.other_runtimes.end()) {
    return PermissionDeniedError(
        "peer is not the Coffer runtime: " + exe + " has hash " +
        HexEncode(*identity) + ", expected " + HexEncode(expected) +
        (config.other_runtimes.empty()
             ? std::string()
             : " or one of the " +
                   std::to_string(config.other_runtimes.size()) +
                   " builds given with --runtime"));
  }
  const int fd = program != nullptr ? program->get() : executable->get();
  StatusOr<Measurement> measurement = MeasureProgram(fd, *identity);
  if (!measurement.ok()) {
    return measurement.status().WithContext("measuring the program");
  }
  return measurement;
}

}  // namespace

StatusOr<std::unique_ptr<Service>> Service::Create(
    const Platform& platform, const ServiceConfig& config) {
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey attestation_key,
                          crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  return std::unique_ptr<Service>(
      new Service(platform, config, std::move(attestation_key)));
}

std::string Service::Handle(std::string_view request, std::vector<UniqueFd> fds,
                            const PeerProcess& peer) const {
  ++requests_;
  StatusOr<std::string> response = HandleRequest(request, std::move(fds), peer);
  if (response.ok()) return *std::move(response);
  ++errors_;
  Log(LogLevel::kWarning, "request refused",
      {{"pid", int64_t{peer.pid()}},
       {"uid", uint64_t{peer.uid()}},
       {"error", std::string(StatusCodeName(response.status().code()))},
       {"reason", response.status().message()}});
  return EncodeErrorResponse(response.status());
}

StatusOr<std::string> Service::HandleRequest(std::string_view body,
                                             std::vector<UniqueFd> fds,
                                             const PeerProcess& peer) const {
  if (fds.size() > 1) {
    return InvalidArgumentError(
        "a request may carry one file descriptor (the program), it carried " +
        std::to_string(fds.size()));
  }
  COFFER_ASSIGN_OR_RETURN(Request request, ParseRequest(body));
  if (request.op == Request::Op::kPlatformId) {
    return EncodeResponse({{"platform_id", platform_.id()}});
  }
  const UniqueFd* program = fds.empty() ? nullptr : &fds.front();
  COFFER_ASSIGN_OR_RETURN(Measurement measurement,
                          MeasureForRuntime(peer, program, config_));
  const std::string mr_enclave = measurement.Hex();

  if (request.op == Request::Op::kSealKey) {
    COFFER_ASSIGN_OR_RETURN(
        crypto::SecretBytes key,
        DeriveSealKey(platform_.sealing_secret(), measurement.value));
    Log(LogLevel::kInfo, "seal key derived",
        {{"pid", int64_t{peer.pid()}}, {"mr_enclave", mr_enclave}});
    std::string key_hex = HexEncode(key.span());
    std::string response =
        EncodeResponse({{"seal_key", key_hex}, {"mr_enclave", mr_enclave}});
    OPENSSL_cleanse(key_hex.data(), key_hex.size());
    return response;
  }

  COFFER_ASSIGN_OR_RETURN(Bytes auth_data,
                          crypto::RandomBytes(kQeAuthDataSize));
  const QuotedEnclave enclave{measurement.value, measurement.runtime_identity,
                              request.report_data};
  const QuotingIdentity identity{attestation_key_, platform_.key(),
                                 platform_.certificate_pem(),
                                 config_.las_identity};
  COFFER_ASSIGN_OR_RETURN(Bytes quote,
                          BuildSimQuote(enclave, identity, auth_data));
  Log(LogLevel::kInfo, "quote issued",
      {{"pid", int64_t{peer.pid()}}, {"mr_enclave", mr_enclave}});
  return EncodeResponse({{"quote", HexEncode(quote)},
                         {"mr_enclave", mr_enclave},
                         {"mr_signer", HexEncode(measurement.runtime_identity)},
                         {"platform_id", platform_.id()}});
}

}  // namespace coffer::las

#include "runtime/attested_configuration.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "attest/quote.h"
#include "attest/verified_quote.h"
#include "cas/evidence_check.h"
#include "common/files.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "las/client.h"
#include "net/tls.h"

namespace coffer::runtime {
namespace {

constexpr char kSystemPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

}  // namespace

StatusOr<std::string> FindProgram(const std::string& program,
                                  const std::string& search_path) {
  if (program.find('/') != std::string::npos) return program;
  const std::string directories = search_path + ":" + kSystemPath;
  for (size_t start = 0; start <= directories.size();) {
    size_t end = directories.find(':', start);
    if (end == std::string::npos) end = directories.size();
    const std::string directory = directories.substr(start, end - start);
    start = end + 1;
    if (directory.empty() || directory.front() != '/') continue;
    std::string candidate = directory;
    candidate.append("/").append(program);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return NotFoundError("program \"" + program + "\" is not on PATH (" +
                       directories + ")");
}

StatusOr<AttestedService> AttestAndFetch(const AttestOptions& options) {
  COFFER_ASSIGN_OR_RETURN(std::vector<cas::CasAddress> addresses,
                          cas::ParseCasAddresses(options.cas_address));
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  COFFER_ASSIGN_OR_RETURN(
      crypto::Certificate certificate,
      net::MakeSelfSignedIdentityCertificate(
          key, "coffer runtime", options.now - std::chrono::minutes(5),
          std::chrono::hours(1)));
  const net::TlsIdentity identity{&key, {&certificate, 1}};

  // Several members of one CAS: the first that answers.
  StatusOr<std::unique_ptr<cas::CasClient>> connected =
      UnavailableError("no CAS address");
  for (const cas::CasAddress& address : addresses) {
    connected = cas::CasClient::ConnectForAttestation(address, identity);
    if (connected.ok() || !cas::IsUnreachable(connected.status())) break;
  }
  if (!connected.ok())
    return connected.status().WithContext("cannot reach the CAS");
  cas::CasClient& cas = **connected;
  StatusOr<cas::CasEvidence> evidence = cas.Evidence();
  if (!evidence.ok()) {
    return evidence.status().WithContext("CAS " + cas.address() +
                                         " gave no evidence");
  }

  // Nothing is sent to a CAS before it proved what it is. Simulation is
  // judged once this service's own quote says which kind it is.
  cas::EvidenceOptions trust;
  trust.mrenclaves = options.cas_mrenclaves;
  trust.accept_simulation = true;
  trust.now = options.now;
  StatusOr<cas::TrustedCas> trusted =
      cas::CheckEvidence(*evidence, cas.server_certificate_der(), trust);
  if (!trusted.ok()) {
    return Status(StatusCode::kUnauthenticated,
                  "CAS " + cas.address() +
                      " is not trusted: " + trusted.status().message());
  }

  StatusOr<std::string> named = cas.ServiceProgram(options.config_id);
  if (!named.ok()) {
    return named.status().WithContext(
        "CAS " + cas.address() + " has no program for " + options.config_id);
  }
  AttestedService service;
  COFFER_ASSIGN_OR_RETURN(service.program_path,
                          FindProgram(*named, options.search_path));
  service.program =
      las::UniqueFd(open(service.program_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!service.program.valid()) {
    return NotFoundError("cannot open program " + service.program_path + ": " +
                         ErrnoText(errno));
  }

  const crypto::Sha256Digest binding = crypto::Sha256(key.PublicKeyDer());
  StatusOr<las::QuoteReply> quote =
      las::Client(options.las_socket).Quote(binding, service.program.get());
  if (!quote.ok()) {
    return quote.status().WithContext("the LAS gave no quote for " +
                                      service.program_path);
  }
  COFFER_ASSIGN_OR_RETURN(attest::Quote parsed,
                          attest::ParseQuote(quote->quote));

  // A service on hardware never trusts a CAS that runs in simulation.
  if (trusted->quote.type == attest::QuoteType::kSimulation &&
      !parsed.is_simulation()) {
    return Status(StatusCode::kUnauthenticated,
                  "CAS " + cas.address() +
                      " runs in simulation mode and this service does not: "
                      "its secrets would not be protected there");
  }

  StatusOr<cas::ServiceConfiguration> configuration =
      cas.Provision(options.config_id, quote->quote);
  if (!configuration.ok()) {
    const Status& status = configuration.status();
    return status.WithContext(status.code() == StatusCode::kPermissionDenied
                                  ? "CAS refused"
                                  : "CAS " + cas.address() +
                                        " gave no configuration");
  }
  service.configuration = *std::move(configuration);
  service.measurement = HexEncode(quote->mr_enclave);
  service.platform_id = quote->platform_id;
  return service;
}

}  // namespace coffer::runtime

#include "cas/join.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cas/cas_client.h"
#include "cas/evidence_check.h"
#include "cas/handover.h"
#include "cas/store.h"
#include "common/encoding.h"
#include "common/files.h"
#include "crypto/hash.h"
#include "las/client.h"
#include "net/tls.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

StatusOr<Bytes> HexField(const Json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string()) {
    return DataLossError(std::string("the handed-over state has no \"") + name +
                         "\"");
  }
  return HexDecode(object[name].get<std::string>());
}

StatusOr<std::string> TextField(const Json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string()) {
    return DataLossError(std::string("the handed-over state has no \"") + name +
                         "\"");
  }
  return object[name].get<std::string>();
}

}  // namespace

PendingJoin::PendingJoin(std::unique_ptr<CasClient> source_client,
                         Governance::Self source, std::string data_dir)
    : client_(std::move(source_client)),
      source_(std::move(source)),
      data_dir_(std::move(data_dir)) {}

PendingJoin::~PendingJoin() = default;

Status PendingJoin::Commit(const std::string& address) {
  const Json body = {{"address", address}};
  StatusOr<std::string> committed =
      client_->Call("POST", "/v1/cas/join/commit", body.dump());
  if (!committed.ok()) {
    return committed.status().WithContext("CAS " + client_->address() +
                                          " did not commit the handover");
  }
  return OkStatus();
}

void PendingJoin::Undo() {
  const std::string state = data_dir_ + "/" + std::string(kStateFileName);
  for (const std::string& file :
       {data_dir_ + "/audit.log", state, state + "-wal", state + "-shm"}) {
    ::unlink(file.c_str());
  }
}

StatusOr<std::unique_ptr<PendingJoin>> JoinAndAdopt(
    const JoinOptions& options, const crypto::SecretBytes& seal_key) {
  const std::string audit_path = options.data_dir + "/audit.log";
  if (access(audit_path.c_str(), F_OK) == 0) {
    return FailedPreconditionError(
        "cannot join: " + options.data_dir +
        " holds an audit log already; a member joins with an empty data "
        "directory");
  }
  COFFER_ASSIGN_OR_RETURN(CasAddress source, ParseCasAddress(options.source));
  const auto now = options.clock();
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  COFFER_ASSIGN_OR_RETURN(
      crypto::Certificate certificate,
      net::MakeSelfSignedIdentityCertificate(key, "coffer cas joining member",
                                             now - std::chrono::minutes(5),
                                             std::chrono::hours(1)));
  const net::TlsIdentity identity{&key, {&certificate, 1}};
  const las::Client las(options.las_socket);
  StatusOr<las::QuoteReply> quote =
      las.Quote(crypto::Sha256(key.PublicKeyDer()));
  if (!quote.ok()) {
    return UnavailableError("cannot get this member's quote from the LAS at " +
                            las.socket_path() + ": " +
                            quote.status().message());
  }
  net::ClientOptions client_options;
  client_options.max_response_bytes = 2 * kMaxHandoverAuditBytes + (64u << 20);
  StatusOr<std::unique_ptr<CasClient>> connected =
      CasClient::ConnectForAttestation(source, identity, client_options);
  if (!connected.ok()) {
    return connected.status().WithContext("cannot reach the member to join");
  }
  CasClient& cas = **connected;
  COFFER_ASSIGN_OR_RETURN(CasEvidence evidence, cas.Evidence());
  // Any attested CAS build may be the source (see the header); its quote
  // must verify and bind the key it serves with.
  EvidenceOptions trust;
  trust.mrenclaves = {evidence.measurement};
  trust.accept_simulation = true;
  trust.now = now;
  StatusOr<TrustedCas> trusted =
      CheckEvidence(evidence, cas.server_certificate_der(), trust);
  if (!trusted.ok()) {
    return Status(StatusCode::kUnauthenticated,
                  "the member to join at " + cas.address() +
                      " is not an attested CAS: " + trusted.status().message());
  }
  const Json request = {{"quote", HexEncode(quote->quote)}};
  StatusOr<std::string> answer =
      cas.Call("POST", "/v1/cas/join", request.dump());
  if (!answer.ok()) {
    return answer.status().WithContext("CAS " + cas.address() +
                                       " refused the join");
  }
  const Json state = Json::parse(*answer, nullptr, false);
  if (!state.is_object() || state.value("format", 0) != kHandoverFormat) {
    return DataLossError("the handed-over state is not in a known format");
  }
  StateSnapshot snapshot;
  COFFER_ASSIGN_OR_RETURN(Bytes state_key, HexField(state, "state_key"));
  snapshot.state_key = crypto::SecretBytes(state_key);
  std::fill(state_key.begin(), state_key.end(), 0);
  for (const Json& row : state.value("sessions", Json::array())) {
    StateSnapshot::Session session;
    COFFER_ASSIGN_OR_RETURN(session.name, TextField(row, "name"));
    COFFER_ASSIGN_OR_RETURN(session.hash, TextField(row, "hash"));
    COFFER_ASSIGN_OR_RETURN(session.creator, TextField(row, "creator"));
    session.revision = row.value("revision", int64_t{0});
    COFFER_ASSIGN_OR_RETURN(session.policy, HexField(row, "policy"));
    COFFER_ASSIGN_OR_RETURN(session.secrets, HexField(row, "secrets"));
    snapshot.sessions.push_back(std::move(session));
  }
  for (const Json& row : state.value("identities", Json::array())) {
    StateSnapshot::Identity entry;
    COFFER_ASSIGN_OR_RETURN(entry.name, TextField(row, "name"));
    COFFER_ASSIGN_OR_RETURN(entry.value, HexField(row, "value"));
    snapshot.identities.push_back(std::move(entry));
  }
  COFFER_ASSIGN_OR_RETURN(Bytes audit_log, HexField(state, "audit_log"));
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Store> adopted,
                          Store::Adopt(options.data_dir, seal_key, snapshot));
  adopted.reset();
  auto pending = std::make_unique<PendingJoin>(
      *std::move(connected),
      Governance::Self{evidence.measurement, evidence.platform_id,
                       options.source},
      options.data_dir);
  if (Status written = WriteFileAtomic(audit_path, audit_log, 0600);
      !written.ok()) {
    pending->Undo();
    return written;
  }
  return pending;
}

}  // namespace coffer::cas

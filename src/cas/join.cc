#include "cas/join.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

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

Status PendingJoin::Commit(const std::string& address, Store& store) {
  const Json body = {{"address", address}};
  Status last = OkStatus();
  // A lost answer is asked again: the source answers a repeated commit by
  // the same key with OK (handover.h).
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(attempt));
    StatusOr<std::string> committed =
        client_->Call("POST", "/v1/cas/join/commit", body.dump());
    if (committed.ok()) {
      return store.DeleteIdentity(kJoinPendingIdentity);
    }
    last = committed.status().WithContext("CAS " + client_->address() +
                                          " did not commit the handover");
    const StatusCode code = committed.status().code();
    if (code != StatusCode::kUnavailable &&
        code != StatusCode::kDeadlineExceeded) {
      return last;  // refused: the source serves on
    }
  }
  return last;
}

void PendingJoin::Undo() {
  const std::string state = data_dir_ + "/" + std::string(kStateFileName);
  for (const std::string& file :
       {data_dir_ + "/audit.log", state, state + "-wal", state + "-shm"}) {
    ::unlink(file.c_str());
  }
}

// Connects to the source with `key` and checks that it is an attested
// CAS: any attested build may be the source (handover.h); its quote must
// verify and bind the key it serves with.
StatusOr<std::unique_ptr<CasClient>> ConnectToSource(
    const std::string& source, const crypto::PrivateKey& key,
    std::chrono::system_clock::time_point now,
    CasEvidence* evidence_out = nullptr) {
  COFFER_ASSIGN_OR_RETURN(CasAddress address, ParseCasAddress(source));
  COFFER_ASSIGN_OR_RETURN(
      crypto::Certificate certificate,
      net::MakeSelfSignedIdentityCertificate(key, "coffer cas joining member",
                                             now - std::chrono::minutes(5),
                                             std::chrono::hours(1)));
  const net::TlsIdentity identity{&key, {&certificate, 1}};
  net::ClientOptions client_options;
  client_options.max_response_bytes = 2 * kMaxHandoverAuditBytes + (64u << 20);
  StatusOr<std::unique_ptr<CasClient>> connected =
      CasClient::ConnectForAttestation(address, identity, client_options);
  if (!connected.ok()) {
    return connected.status().WithContext("cannot reach the member to join");
  }
  CasClient& cas = **connected;
  COFFER_ASSIGN_OR_RETURN(CasEvidence evidence, cas.Evidence());
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
  if (evidence_out != nullptr) *evidence_out = std::move(evidence);
  return connected;
}

StatusOr<std::unique_ptr<PendingJoin>> ResumeJoin(const JoinOptions& options,
                                                  Store& store) {
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> marker,
                          store.GetIdentity(kJoinPendingIdentity));
  if (!marker.has_value()) return std::unique_ptr<PendingJoin>();
  const Json pending = Json::parse(AsString(marker->span()), nullptr, false);
  if (!pending.is_object()) {
    return DataLossError("the unfinished join's record is not readable");
  }
  COFFER_ASSIGN_OR_RETURN(std::string source, TextField(pending, "source"));
  COFFER_ASSIGN_OR_RETURN(std::string measurement,
                          TextField(pending, "measurement"));
  COFFER_ASSIGN_OR_RETURN(std::string platform, TextField(pending, "platform"));
  COFFER_ASSIGN_OR_RETURN(std::string key_pem, TextField(pending, "key"));
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::FromPem(key_pem));
  StatusOr<std::unique_ptr<CasClient>> connected =
      ConnectToSource(source, key, options.clock());
  if (!connected.ok()) {
    return connected.status().WithContext(
        "a join into " + options.data_dir +
        " did not finish and cannot be finished now");
  }
  return std::make_unique<PendingJoin>(
      *std::move(connected), Governance::Self{measurement, platform, source},
      options.data_dir);
}

namespace {

// What a running member answered to this member's join (steps 1 to 3).
struct JoinAnswer {
  std::unique_ptr<CasClient> client;
  CasEvidence evidence;
  crypto::PrivateKey key;  // this member's key for the join's connection
  Json state;
};

StatusOr<JoinAnswer> RequestJoin(const JoinOptions& options) {
  const auto now = options.clock();
  COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                          crypto::PrivateKey::Generate(crypto::KeyType::kP256));
  const las::Client las(options.las_socket);
  StatusOr<las::QuoteReply> quote =
      las.Quote(crypto::Sha256(key.PublicKeyDer()));
  if (!quote.ok()) {
    return UnavailableError("cannot get this member's quote from the LAS at " +
                            las.socket_path() + ": " +
                            quote.status().message());
  }
  CasEvidence evidence;
  StatusOr<std::unique_ptr<CasClient>> connected =
      ConnectToSource(options.source, key, now, &evidence);
  if (!connected.ok()) return connected.status();
  CasClient& cas = **connected;
  const Json request = {{"quote", HexEncode(quote->quote)}};
  StatusOr<std::string> answer =
      cas.Call("POST", "/v1/cas/join", request.dump());
  if (!answer.ok()) {
    return answer.status().WithContext("CAS " + cas.address() +
                                       " refused the join");
  }
  Json state = Json::parse(*answer, nullptr, false);
  if (!state.is_object() || !state.contains("format") ||
      !state["format"].is_number_integer() ||
      state["format"].get<int64_t>() != kHandoverFormat) {
    return DataLossError("the handed-over state is not in a known format");
  }
  return JoinAnswer{*std::move(connected), std::move(evidence), std::move(key),
                    std::move(state)};
}

StatusOr<crypto::SecretBytes> StateKeyOf(Json& state) {
  COFFER_ASSIGN_OR_RETURN(Bytes state_key, HexField(state, "state_key"));
  crypto::SecretBytes out(state_key);
  std::fill(state_key.begin(), state_key.end(), 0);
  // The JSON's own copy of the hex.
  std::string& hex = state["state_key"].get_ref<std::string&>();
  std::fill(hex.begin(), hex.end(), '0');
  return out;
}

}  // namespace

StatusOr<crypto::SecretBytes> TakeSharedStateKey(const JoinOptions& options) {
  COFFER_ASSIGN_OR_RETURN(JoinAnswer answer, RequestJoin(options));
  if (!answer.state.value("shared", false)) {
    return FailedPreconditionError(
        "the member at " + options.source +
        " does not keep its state on a shared store: join it without --store "
        "(its state is handed over into this member's data directory)");
  }
  return StateKeyOf(answer.state);
}

StatusOr<std::unique_ptr<PendingJoin>> JoinAndAdopt(
    const JoinOptions& options, const crypto::SecretBytes& seal_key) {
  const std::string audit_path = options.data_dir + "/audit.log";
  if (access(audit_path.c_str(), F_OK) == 0) {
    return FailedPreconditionError(
        "cannot join: " + options.data_dir +
        " holds an audit log already; a member joins with an empty data "
        "directory (a join into it that did not finish is finished by "
        "starting it without --join)");
  }
  COFFER_ASSIGN_OR_RETURN(JoinAnswer answer, RequestJoin(options));
  Json& state = answer.state;
  if (state.value("shared", false)) {
    return FailedPreconditionError(
        "the member at " + options.source +
        " keeps its state on a shared store (etcd): start this member with "
        "the same --store");
  }
  const CasEvidence& evidence = answer.evidence;
  const crypto::PrivateKey& key = answer.key;
  std::unique_ptr<CasClient>& connected = answer.client;
  StateSnapshot snapshot;
  COFFER_ASSIGN_OR_RETURN(snapshot.state_key, StateKeyOf(state));
  if (!state.contains("sessions") || !state["sessions"].is_array() ||
      !state.contains("identities") || !state["identities"].is_array()) {
    return DataLossError("the handed-over state has no rows");
  }
  for (const Json& row : state["sessions"]) {
    if (!row.is_object()) return DataLossError("a handed-over row is bad");
    StateSnapshot::Session session;
    COFFER_ASSIGN_OR_RETURN(session.name, TextField(row, "name"));
    COFFER_ASSIGN_OR_RETURN(session.hash, TextField(row, "hash"));
    COFFER_ASSIGN_OR_RETURN(session.creator, TextField(row, "creator"));
    if (!row.contains("revision") || !row["revision"].is_number_integer()) {
      return DataLossError(
          "the handed-over state has a session without a revision");
    }
    session.revision = row["revision"].get<int64_t>();
    COFFER_ASSIGN_OR_RETURN(session.policy, HexField(row, "policy"));
    COFFER_ASSIGN_OR_RETURN(session.secrets, HexField(row, "secrets"));
    snapshot.sessions.push_back(std::move(session));
  }
  for (const Json& row : state["identities"]) {
    if (!row.is_object()) return DataLossError("a handed-over row is bad");
    StateSnapshot::Identity entry;
    COFFER_ASSIGN_OR_RETURN(entry.name, TextField(row, "name"));
    COFFER_ASSIGN_OR_RETURN(entry.value, HexField(row, "value"));
    snapshot.identities.push_back(std::move(entry));
  }
  COFFER_ASSIGN_OR_RETURN(Bytes audit_log, HexField(state, "audit_log"));
  // The join's key stays in the adopted state until the commit, so that a
  // restart after a crash can finish it (ResumeJoin): this state does not
  // serve before its source retired.
  const crypto::SecretBytes key_pem = key.ToPem();
  const Json marker = {{"source", options.source},
                       {"measurement", evidence.measurement},
                       {"platform", evidence.platform_id},
                       {"key", std::string(AsString(key_pem.span()))}};
  auto pending = std::make_unique<PendingJoin>(
      std::move(connected),
      Governance::Self{evidence.measurement, evidence.platform_id,
                       options.source},
      options.data_dir);
  {
    COFFER_ASSIGN_OR_RETURN(
        std::unique_ptr<Store> adopted,
        SqliteStore::Adopt(options.data_dir, seal_key, snapshot));
    if (Status marked = adopted->PutIdentity(
            kJoinPendingIdentity, crypto::SecretBytes(AsBytes(marker.dump())));
        !marked.ok()) {
      adopted.reset();
      pending->Undo();
      return marked;
    }
  }
  if (Status written = WriteFileAtomic(audit_path, audit_log, 0600);
      !written.ok()) {
    pending->Undo();
    return written;
  }
  return pending;
}

}  // namespace coffer::cas

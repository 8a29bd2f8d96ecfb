#include "cas/service.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "attest/collateral.h"
#include "attest/intel_root.h"
#include "attest/quote_verifier.h"
#include "cas/api.h"
#include "cas/audit_log.h"
#include "cas/etcd_store.h"
#include "cas/governance.h"
#include "cas/handover.h"
#include "cas/join.h"
#include "cas/provisioning.h"
#include "cas/recovery.h"
#include "cas/store.h"
#include "common/files.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "las/client.h"
#include "net/address.h"
#include "net/http_server.h"
#include "net/metrics.h"
#include "net/tls.h"

namespace coffer::cas {

// Declared in the order they depend on each other, so that they are
// destroyed in the reverse: the server first, the store last.
struct CasService::Parts {
  std::unique_ptr<Store> store;
  std::optional<CasIdentity> identity;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<Governance> governance;
  std::unique_ptr<attest::QuoteVerifier> verifier;
  std::optional<attest::Collateral> collateral;
  net::MetricsRegistry metrics;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<Provisioner> provisioner;
  std::unique_ptr<Handover> handover;
  std::unique_ptr<net::HttpServer> server;
};

namespace {

Status Starting(const Status& status) {
  return status.WithContext("cannot start the CAS");
}

}  // namespace

StatusOr<std::unique_ptr<CasService>> CasService::Start(CasOptions options) {
  StatusOr<net::HostPort> listen = net::ParseHostPort(options.listen);
  if (!listen.ok()) return Starting(listen.status());
  auto parts = std::make_unique<Parts>();

  const las::Client las(options.las_socket);
  StatusOr<las::SealKeyReply> seal = las.SealKey();
  if (!seal.ok()) {
    return Starting(
        UnavailableError("cannot get the CAS's seal key from the "
                         "LAS at " +
                         las.socket_path() + ": " + seal.status().message()));
  }
  // Recovery officers are checked before anything is written.
  std::vector<crypto::PublicKey> officers;
  for (const std::string& file : options.recovery_officers) {
    StatusOr<std::string> pem = ReadFile(file);
    if (!pem.ok()) return Starting(pem.status());
    StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromPem(*pem);
    if (!key.ok() || key->type() != crypto::KeyType::kP256) {
      return Starting(InvalidArgumentError(
          "--recovery-officer " + file +
          ": not a P-256 public key in PEM (openssl pkey -pubout makes one)"));
    }
    officers.push_back(*std::move(key));
  }
  if (!officers.empty() &&
      (options.recovery_threshold < 1 ||
       options.recovery_threshold > static_cast<int>(officers.size()))) {
    return Starting(InvalidArgumentError(
        "--recovery-threshold must be from 1 to the number of "
        "--recovery-officer keys (" +
        std::to_string(officers.size()) + ")"));
  }
  std::unique_ptr<PendingJoin> join;
  if (!options.join.empty() && !options.owners.empty()) {
    return Starting(InvalidArgumentError(
        "--owner goes with a new state; a joining member takes the owners of "
        "the state it joins"));
  }
  const JoinOptions join_options{.source = options.join,
                                 .data_dir = options.data_dir,
                                 .las_socket = options.las_socket,
                                 .clock = options.clock};
  if (!options.store.empty()) {
    // The shared store: a joining member takes the state key only.
    if (!officers.empty() && !options.join.empty()) {
      return Starting(InvalidArgumentError(
          "recovery officers are named when a state is made, not at a join"));
    }
    StatusOr<std::vector<net::HostPort>> endpoints =
        ParseEtcdEndpoints(options.store);
    if (!endpoints.ok()) return Starting(endpoints.status());
    StatusOr<std::unique_ptr<EtcdClient>> etcd =
        EtcdClient::Connect(EtcdOptions{.endpoints = *std::move(endpoints),
                                        .ca_file = options.etcd_ca,
                                        .cert_file = options.etcd_cert,
                                        .key_file = options.etcd_key});
    if (!etcd.ok()) return Starting(etcd.status());
    StatusOr<std::unique_ptr<Store>> store =
        [&]() -> StatusOr<std::unique_ptr<Store>> {
      if (options.join.empty()) {
        return EtcdStore::Open(*std::move(etcd), options.data_dir, seal->key);
      }
      COFFER_ASSIGN_OR_RETURN(crypto::SecretBytes state_key,
                              TakeSharedStateKey(join_options));
      return EtcdStore::Join(*std::move(etcd), options.data_dir, seal->key,
                             state_key);
    }();
    if (!store.ok()) return Starting(store.status());
    parts->store = *std::move(store);
  } else if (!options.join.empty()) {
    StatusOr<std::unique_ptr<PendingJoin>> joined =
        JoinAndAdopt(join_options, seal->key);
    if (!joined.ok()) return Starting(joined.status());
    join = *std::move(joined);
  }
  // Until the handover is committed, a failure removes the adopted state.
  // (Only a fresh join: a resumed one keeps its state until its source
  // has refused the commit.)
  const bool fresh_join = join != nullptr;
  auto failed = [&join, fresh_join](const Status& status) {
    if (fresh_join) join->Undo();
    return Starting(status);
  };
  if (parts->store == nullptr) {
    StatusOr<std::unique_ptr<Store>> store =
        SqliteStore::Open(options.data_dir, seal->key);
    if (!store.ok()) return failed(store.status());
    parts->store = *std::move(store);
  }
  if (!fresh_join && !parts->store->shared()) {
    // A join into this directory that a crash interrupted: finish it
    // before this state serves (its source may have retired, or may serve
    // again).
    StatusOr<std::unique_ptr<PendingJoin>> resumed =
        ResumeJoin(join_options, *parts->store);
    if (!resumed.ok()) return Starting(resumed.status());
    join = *std::move(resumed);
  }

  StatusOr<CasIdentity> identity =
      LoadIdentity(*parts->store, las, options.clock);
  if (!identity.ok()) return failed(identity.status());
  parts->identity = *std::move(identity);

  // Members of a shared state write one chain in the store; a single
  // member its file.
  std::unique_ptr<SharedAuditChain> chain = parts->store->AuditChain();
  StatusOr<std::unique_ptr<AuditLog>> audit =
      chain != nullptr
          ? AuditLog::OpenShared(std::move(chain), parts->identity->key,
                                 options.clock)
          : AuditLog::Open(options.data_dir + "/audit.log",
                           parts->identity->key, options.clock);
  if (!audit.ok()) return failed(audit.status());
  parts->audit = *std::move(audit);
  StatusOr<std::unique_ptr<Governance>> governance = Governance::Load(
      *parts->store, *parts->audit, options.clock,
      Governance::Self{parts->identity->measurement,
                       parts->identity->platform_id, options.listen},
      options.owners);
  if (!governance.ok()) return failed(governance.status());
  parts->governance = *std::move(governance);
  if (fresh_join) {
    if (Status joined = parts->governance->Joined(join->source());
        !joined.ok()) {
      return failed(joined);
    }
  }
  if (!options.recovered_by.empty()) {
    if (Status noted = parts->governance->Recovered(options.recovered_by);
        !noted.ok()) {
      return failed(noted);
    }
  }
  if (!officers.empty()) {
    if (!parts->store->created()) {
      return failed(FailedPreconditionError(
          "recovery officers are named when a state is made; this state "
          "exists"));
    }
    StatusOr<StateSnapshot> snapshot = parts->store->Snapshot();
    if (!snapshot.ok()) return failed(snapshot.status());
    if (Status written =
            WriteRecoveryShares(options.data_dir, snapshot->state_key, officers,
                                options.recovery_threshold);
        !written.ok()) {
      return failed(written);
    }
    if (Status audited = parts->audit->Append(
            "cas.recovery.keys",
            {{"threshold", std::to_string(options.recovery_threshold)},
             {"officers", std::to_string(officers.size())}});
        !audited.ok()) {
      return failed(audited);
    }
  }

  StatusOr<crypto::Certificate> root = attest::IntelSgxRootCa();
  if (!root.ok()) return failed(root.status());
  parts->verifier = std::make_unique<attest::QuoteVerifier>(*std::move(root));
  if (options.collateral_file.has_value()) {
    StatusOr<std::string> text = ReadFile(*options.collateral_file);
    if (!text.ok()) return failed(text.status());
    StatusOr<attest::Collateral> collateral = attest::ParseCollateral(*text);
    if (!collateral.ok()) {
      return failed(collateral.status().WithContext(*options.collateral_file));
    }
    parts->collateral = *std::move(collateral);
  }

  parts->sessions =
      std::make_unique<Sessions>(*parts->store, *parts->audit, options.clock);
  parts->provisioner = std::make_unique<Provisioner>(
      *parts->sessions, *parts->verifier,
      parts->collateral.has_value() ? &*parts->collateral : nullptr,
      *parts->audit, options.clock, &parts->metrics);
  parts->handover = std::make_unique<Handover>(
      *parts->store, *parts->audit, *parts->governance, *parts->verifier,
      parts->collateral.has_value() ? &*parts->collateral : nullptr,
      *parts->identity, options.clock);
  if (join != nullptr) parts->handover->StartJoining();
  StatusOr<net::Router> router =
      MakeApiRouter(*parts->sessions, *parts->provisioner, *parts->identity,
                    parts->metrics, *parts->governance, *parts->handover);
  if (!router.ok()) return failed(router.status());

  const net::TlsIdentity tls_identity{
      .key = &parts->identity->key,
      .chain = std::span(&parts->identity->certificate, 1)};
  StatusOr<std::shared_ptr<const net::TlsContext>> tls =
      net::MakeServerTlsContext(tls_identity);
  if (!tls.ok()) return failed(tls.status());
  net::ServerConfig config;
  config.host = listen->host;
  config.port = listen->port;
  config.io_threads = options.io_threads;
  config.handler_threads = options.handler_threads;
  config.metrics = &parts->metrics;
  StatusOr<std::unique_ptr<net::HttpServer>> server =
      net::HttpServer::Start(config, *std::move(tls), *std::move(router));
  if (!server.ok()) return failed(server.status());
  parts->server = *std::move(server);
  const std::string address = parts->server->address();
  if (join != nullptr) {
    if (Status committed = join->Commit(address, *parts->store);
        !committed.ok()) {
      parts->server->Stop();
      if (committed.code() == StatusCode::kUnavailable) {
        // Did the source retire? Unknown: keep the state, whose marker
        // makes the next start ask again.
        return Starting(committed.WithContext(
            "the handover's outcome is unknown; start this member again "
            "(without --join) to finish it"));
      }
      join->Undo();  // the source serves on: drop the copy
      return Starting(committed);
    }
    parts->handover->Joined();
  }
  if (Status recorded = parts->governance->ServingAt(address); !recorded.ok()) {
    // Only the record's address is stale; the member serves.
    Log(LogLevel::kWarning, "CAS could not record its address",
        {{"error", recorded.message()}});
  }
  return std::unique_ptr<CasService>(new CasService(std::move(parts)));
}

StatusOr<std::vector<std::string>> CasService::Recover(
    const CasOptions& options,
    const std::function<void(const std::string&)>& listening,
    const std::function<bool()>& stop) {
  auto fail = [](const Status& status) {
    return status.WithContext("cannot recover the CAS");
  };
  StatusOr<net::HostPort> listen = net::ParseHostPort(options.listen);
  if (!listen.ok()) return fail(listen.status());
  if (!options.store.empty()) {
    return fail(FailedPreconditionError(
        "--recover works on a SQLite state; a state on etcd is recovered by "
        "a new member that joins a running one (if none runs, see "
        "docs/operations.md)"));
  }
  const las::Client las(options.las_socket);
  StatusOr<las::SealKeyReply> seal = las.SealKey();
  if (!seal.ok()) return fail(seal.status());
  {
    StatusOr<std::unique_ptr<Store>> ours =
        SqliteStore::Open(options.data_dir, seal->key);
    if (ours.ok()) {
      return fail(FailedPreconditionError(
          "the state in " + options.data_dir +
          " opens with this CAS's seal key: there is nothing to recover; "
          "start without --recover"));
    }
    if (ours.status().code() != StatusCode::kFailedPrecondition) {
      return fail(ours.status());
    }
  }
  StatusOr<RecoveryFile> file =
      ReadRecoveryFile(options.data_dir + "/" + kRecoveryFileName);
  if (!file.ok()) return fail(file.status());

  // A key for this recovery only; the state's own TLS key is inside it.
  StatusOr<crypto::PrivateKey> key =
      crypto::PrivateKey::Generate(crypto::KeyType::kP256);
  if (!key.ok()) return fail(key.status());
  const auto now = options.clock();
  StatusOr<crypto::Certificate> certificate =
      net::MakeSelfSignedIdentityCertificate(
          *key, "Coffer CAS (recovering)", now - std::chrono::minutes(5),
          std::chrono::hours(24), {"localhost"}, {"127.0.0.1"});
  if (!certificate.ok()) return fail(certificate.status());
  StatusOr<las::QuoteReply> quote =
      las.Quote(crypto::Sha256(key->PublicKeyDer()));
  if (!quote.ok()) return fail(quote.status());
  StatusOr<crypto::PrivateKey> own_key =
      crypto::PrivateKey::FromDer(key->ToDer().span());
  if (!own_key.ok()) return fail(own_key.status());
  const CasIdentity identity{.key = *std::move(key),
                             .certificate = std::move(*certificate),
                             .quote = std::move(quote->quote),
                             .platform_id = quote->platform_id,
                             .measurement = HexEncode(quote->mr_enclave)};
  RecoveryServer recovery(*std::move(file), *std::move(own_key));
  const std::string data_dir = options.data_dir;
  const crypto::SecretBytes& seal_key = seal->key;

  net::Router router;
  COFFER_RETURN_IF_ERROR(
      router.Add("GET", "/v1/evidence",
                 [&identity](const net::Request&) -> StatusOr<net::Response> {
                   return net::JsonResponse(identity.EvidenceJson());
                 }));
  COFFER_RETURN_IF_ERROR(
      router.Add("GET", "/v1/cas/recovery",
                 [&recovery](const net::Request&) -> StatusOr<net::Response> {
                   return net::JsonResponse(recovery.StatusJson());
                 }));
  auto add_share = [&](const net::Request& request) -> StatusOr<net::Response> {
    const nlohmann::json body =
        nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("officer") ||
        !body["officer"].is_string() || !body.contains("share") ||
        !body["share"].is_string()) {
      return InvalidArgumentError(
          "request body must be {\"officer\": HEX, \"share\": HEX}");
    }
    StatusOr<Bytes> box = HexDecode(body["share"].get<std::string>());
    if (!box.ok()) return InvalidArgumentError("\"share\" must be hex");
    COFFER_RETURN_IF_ERROR(
        recovery.AddShare(body["officer"].get<std::string>(), *box));
    Status recovered =
        recovery.TryRecover([&](const crypto::SecretBytes& state_key) {
          return SqliteStore::Recover(data_dir, seal_key, state_key).status();
        });
    if (!recovered.ok() &&
        recovered.code() != StatusCode::kFailedPrecondition) {
      return recovered;
    }
    return net::JsonResponse(recovery.StatusJson());
  };
  COFFER_RETURN_IF_ERROR(router.Add("POST", "/v1/cas/recovery/share", add_share,
                                    net::RouteOptions{.require_json = true}));
  const net::TlsIdentity tls_identity{
      .key = &identity.key, .chain = std::span(&identity.certificate, 1)};
  StatusOr<std::shared_ptr<const net::TlsContext>> tls =
      net::MakeServerTlsContext(tls_identity);
  if (!tls.ok()) return fail(tls.status());
  net::ServerConfig config;
  config.host = listen->host;
  config.port = listen->port;
  config.handler_threads = 1;
  StatusOr<std::unique_ptr<net::HttpServer>> server =
      net::HttpServer::Start(config, *std::move(tls), std::move(router));
  if (!server.ok()) return fail(server.status());
  Log(LogLevel::kWarning, "CAS in recovery mode: waiting for officers' shares",
      {{"address", (*server)->address()},
       {"measurement", identity.measurement}});
  listening((*server)->address());
  const bool recovered = recovery.WaitRecovered(stop);
  (*server)->Stop();
  if (!recovered) {
    return UnavailableError("stopped before enough shares had arrived");
  }
  Log(LogLevel::kWarning, "CAS state recovered from officers' shares",
      {{"data_dir", data_dir}});
  return recovery.contributors();
}

CasService::CasService(std::unique_ptr<Parts> parts)
    : parts_(std::move(parts)) {}

CasService::~CasService() {
  if (parts_->server != nullptr) parts_->server->Stop();
}

std::string CasService::address() const { return parts_->server->address(); }

const CasIdentity& CasService::identity() const { return *parts_->identity; }

bool CasService::created_state() const { return parts_->store->created(); }

void CasService::RequestStop() { parts_->server->RequestStop(); }

void CasService::Wait() { parts_->server->Wait(); }

}  // namespace coffer::cas

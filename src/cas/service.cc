#include "cas/service.h"

#include <utility>

#include "attest/collateral.h"
#include "attest/intel_root.h"
#include "attest/quote_verifier.h"
#include "cas/api.h"
#include "cas/audit_log.h"
#include "cas/provisioning.h"
#include "cas/store.h"
#include "common/files.h"
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
  std::unique_ptr<attest::QuoteVerifier> verifier;
  std::optional<attest::Collateral> collateral;
  net::MetricsRegistry metrics;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<Provisioner> provisioner;
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
  StatusOr<std::unique_ptr<Store>> store =
      Store::Open(options.data_dir, seal->key);
  if (!store.ok()) return Starting(store.status());
  parts->store = *std::move(store);

  StatusOr<CasIdentity> identity =
      LoadIdentity(*parts->store, las, options.clock);
  if (!identity.ok()) return Starting(identity.status());
  parts->identity = *std::move(identity);

  StatusOr<std::unique_ptr<AuditLog>> audit = AuditLog::Open(
      options.data_dir + "/audit.log", parts->identity->key, options.clock);
  if (!audit.ok()) return Starting(audit.status());
  parts->audit = *std::move(audit);

  StatusOr<crypto::Certificate> root = attest::IntelSgxRootCa();
  if (!root.ok()) return Starting(root.status());
  parts->verifier = std::make_unique<attest::QuoteVerifier>(*std::move(root));
  if (options.collateral_file.has_value()) {
    StatusOr<std::string> text = ReadFile(*options.collateral_file);
    if (!text.ok()) return Starting(text.status());
    StatusOr<attest::Collateral> collateral = attest::ParseCollateral(*text);
    if (!collateral.ok()) {
      return Starting(
          collateral.status().WithContext(*options.collateral_file));
    }
    parts->collateral = *std::move(collateral);
  }

  parts->sessions =
      std::make_unique<Sessions>(*parts->store, *parts->audit, options.clock);
  parts->provisioner = std::make_unique<Provisioner>(
      *parts->sessions, *parts->verifier,
      parts->collateral.has_value() ? &*parts->collateral : nullptr,
      *parts->audit, options.clock, &parts->metrics);
  StatusOr<net::Router> router = MakeApiRouter(
      *parts->sessions, *parts->provisioner, *parts->identity, parts->metrics);
  if (!router.ok()) return Starting(router.status());

  const net::TlsIdentity tls_identity{
      .key = &parts->identity->key,
      .chain = std::span(&parts->identity->certificate, 1)};
  StatusOr<std::shared_ptr<const net::TlsContext>> tls =
      net::MakeServerTlsContext(tls_identity);
  if (!tls.ok()) return Starting(tls.status());
  net::ServerConfig config;
  config.host = listen->host;
  config.port = listen->port;
  config.io_threads = options.io_threads;
  config.handler_threads = options.handler_threads;
  config.metrics = &parts->metrics;
  StatusOr<std::unique_ptr<net::HttpServer>> server =
      net::HttpServer::Start(config, *std::move(tls), *std::move(router));
  if (!server.ok()) return Starting(server.status());
  parts->server = *std::move(server);
  return std::unique_ptr<CasService>(new CasService(std::move(parts)));
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

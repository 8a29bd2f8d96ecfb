// CasService: `coffer cas serve`, the parts of the CAS wired together.
//
// Start:
//  1. asks the LAS for the seal key of this executable's measurement and
//     opens the sealed state (Store) with it: a CAS of another build or on
//     another platform cannot open the state and says so;
//  2. loads or makes its TLS identity and gets its evidence (identity.h);
//  3. opens the audit log DIR/audit.log, signed with the CAS's key, and
//     the governance record (owners, approved builds and platforms,
//     members: governance.h);
//  4. serves the API (api.h) over mutual TLS.
// With `join`, step 1 first takes the state (and the audit log) from a
// running member, which hands it over (handover.h); the handover is
// committed once this member serves, and undone if anything fails before.
// With a shared store (etcd) a joining member takes only the state key
// and both serve on.
// Failure: the first step's error, with its context ("cannot start the
// CAS: ..."), and nothing is changed on disk that was there before.
// Thread safety: RequestStop may be called from any thread (a signal
// handler thread, say); the rest from the owning thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cas/identity.h"
#include "cas/sessions.h"
#include "common/status.h"

namespace coffer::cas {

struct CasOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:8081";  // HOST:PORT; port 0 picks one
  std::string las_socket;
  // DCAP collateral (collateral.h) for hardware quotes; none by default.
  std::optional<std::string> collateral_file;
  int io_threads = 1;
  // Handlers mostly wait: for the audit log's fdatasync (shared by all
  // waiting records, audit_log.h) and for SQLite. More waiting handlers
  // make bigger group commits; the CPU work is bounded by the cores anyway.
  int handler_threads = 8;
  // Owners (identities, `coffer cas whoami`) of a new state; for an
  // existing one, empty or the same (governance.h).
  std::vector<std::string> owners;
  // HOST:PORT of a running member to take the state from (handover.h);
  // data_dir must hold no state then.
  std::string join;
  // Where the state lives: empty for SQLite in data_dir (store.h), or
  // "etcd://HOST:PORT,..." for the store shared by several members
  // (etcd_store.h); data_dir then holds this member's sealed state key
  // and its audit log. etcd is reached over TLS: etcd_ca (required),
  // etcd_cert and etcd_key (a client certificate, optional).
  std::string store;
  std::string etcd_ca, etcd_cert, etcd_key;
  // Recovery officers' P-256 public keys (PEM files) and the threshold, for
  // a new state (recovery.h).
  std::vector<std::string> recovery_officers;
  int recovery_threshold = 0;
  // Officers whose shares recovered this state (set after Recover).
  std::vector<std::string> recovered_by;
  Clock clock = [] { return std::chrono::system_clock::now(); };
};

class CasService {
 public:
  static StatusOr<std::unique_ptr<CasService>> Start(CasOptions options);

  // Recovery mode (recovery.h) for a state whose key this CAS cannot
  // unseal: serves its evidence and the recovery routes on options.listen
  // (`listening` gets the address) until enough officers' shares opened
  // the state, which is then sealed for this CAS; returns those officers.
  // Or until `stop` returns true: kUnavailable. Failure:
  // kFailedPrecondition when the state opens already (nothing to recover);
  // kNotFound without recovery.json.
  static StatusOr<std::vector<std::string>> Recover(
      const CasOptions& options,
      const std::function<void(const std::string&)>& listening,
      const std::function<bool()>& stop);
  ~CasService();
  CasService(const CasService&) = delete;
  CasService& operator=(const CasService&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"
  const CasIdentity& identity() const;
  bool created_state() const;  // this start made a new state

  void RequestStop();
  void Wait();

 private:
  struct Parts;
  explicit CasService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace coffer::cas

// EtcdClient: the few etcd v3 calls the CAS's shared store needs, over
// etcd's JSON gateway (POST /v3/kv/range, /v3/kv/put, /v3/kv/txn,
// /v3/kv/deleterange) with HTTPS.
//
//   COFFER_ASSIGN_OR_RETURN(auto etcd, EtcdClient::Connect(options));
//   COFFER_ASSIGN_OR_RETURN(std::optional<EtcdClient::KeyValue> kv,
//                           etcd->Get("coffer/state"));
//
// TLS only: the server's certificate must verify up to `ca_file` and name
// the endpoint's host; with `cert_file` and `key_file` the client presents
// that certificate (etcd's --client-cert-auth). Endpoints are tried in
// turn: a call that cannot reach one member (connection refused, timed
// out, no leader) goes to the next, so the store works while any member of
// a quorum answers.
//
// A transaction whose answer was lost may have been applied: callers make
// their compares such that a repeat fails and then read to find out
// (etcd_store.cc).
//
// Errors: kUnavailable "etcd: no endpoint answered (127.0.0.1:2379:
// cannot connect ...; ...)"; kUnauthenticated for TLS failures;
// kInternal "etcd 127.0.0.1:2379: ..." for a malformed answer or an error
// etcd reports.
//
// Thread safety: every method may be called from any thread; each call
// takes a connection from a small pool.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/status.h"
#include "net/address.h"
#include "net/http_client.h"

namespace coffer::cas {

struct EtcdOptions {
  std::vector<net::HostPort> endpoints;
  std::string ca_file;    // PEM: the CAs etcd's server certificates chain to
  std::string cert_file;  // PEM client certificate (optional)
  std::string key_file;   // its key (with cert_file)
};

// "etcd://HOST:PORT,HOST:PORT" (or without "etcd://"). kInvalidArgument
// naming the bad part.
StatusOr<std::vector<net::HostPort>> ParseEtcdEndpoints(std::string_view url);

class EtcdClient {
 public:
  struct KeyValue {
    std::string key;
    Bytes value;
    int64_t create_revision = 0;
    int64_t mod_revision = 0;
  };
  // An equality that a transaction requires. mod_revision 0 with
  // kCreateRevision means "the key does not exist".
  struct Compare {
    enum class Target { kModRevision, kCreateRevision };
    std::string key;
    Target target = Target::kModRevision;
    int64_t revision = 0;
  };
  struct Put {
    std::string key;
    Bytes value;
  };

  // Reads the files and checks that one endpoint answers.
  static StatusOr<std::unique_ptr<EtcdClient>> Connect(EtcdOptions options);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  StatusOr<std::optional<KeyValue>> Get(std::string_view key);
  // Every key that starts with `prefix`, sorted by key.
  StatusOr<std::vector<KeyValue>> GetPrefix(std::string_view prefix);
  Status PutValue(std::string_view key, std::span<const uint8_t> value);
  Status Delete(std::string_view key);
  // Applies `puts` if every compare holds; returns whether it did.
  StatusOr<bool> Txn(const std::vector<Compare>& compares,
                     const std::vector<Put>& puts);

  std::string endpoints() const;  // "h:p,h:p" for messages

  // The key-values of a /v3/kv/range answer (`where` names the endpoints in
  // messages). Failure: kInternal for an answer that is not such JSON, or a
  // key-value without a base64 key or with a revision that is not positive.
  static StatusOr<std::vector<KeyValue>> ParseRangeAnswer(
      std::string_view answer, const std::string& where);

 private:
  struct Pool;
  explicit EtcdClient(std::unique_ptr<Pool> pool);
  // POSTs `body` to `path`, trying each endpoint in turn; the parsed JSON
  // answer's text.
  StatusOr<std::string> Call(std::string_view path, const std::string& body);

  std::unique_ptr<Pool> pool_;
};

}  // namespace coffer::cas

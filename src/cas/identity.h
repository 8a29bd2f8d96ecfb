// The CAS's own identity: its TLS key and certificate, and the evidence
// that binds them to an attested CAS.
//
// On first start the CAS makes a P-256 key and a self-signed certificate
// (valid 10 years: owners pin it, so it must not change on every restart)
// and keeps both in its sealed state. On every start it asks the local LAS
// for a quote of its own executable whose report data is the SHA-256 of
// the key's SubjectPublicKeyInfo followed by zeros; owners fetch that
// evidence (GET /v1/evidence) and check it with `coffer cas attest`
// before they trust the certificate.
// Thread safety: plain values after LoadIdentity.
#pragma once

#include <string>

#include "cas/sessions.h"
#include "cas/store.h"
#include "common/encoding.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "las/client.h"

namespace coffer::cas {

struct CasIdentity {
  crypto::PrivateKey key;
  crypto::Certificate certificate;
  // The evidence: a quote of this CAS binding `key`.
  Bytes quote;
  std::string platform_id;
  std::string measurement;  // hex

  // {"certificate", "quote", "platform_id", "measurement", "type"}.
  std::string EvidenceJson() const;
};

// Failure: the store's errors; kUnavailable when the LAS cannot be reached
// ("cannot get the CAS's evidence from the LAS at PATH: ...").
StatusOr<CasIdentity> LoadIdentity(Store& store, const las::Client& las,
                                   const Clock& clock);

}  // namespace coffer::cas

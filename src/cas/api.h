// The CAS's HTTPS API: the routes of docs/architecture.md ("The CAS API")
// onto Sessions, Provisioner and the identity.
//
// Every handler reads the caller's identity from the TLS connection
// (net::Request::peer), parses and checks its JSON body (kInvalidArgument
// naming the field otherwise) and answers JSON. A session file with
// problems gets 400 with "problems": one "FILE:L:C: error: ..." per entry.
// Thread safety: the handlers are called concurrently by the server.
#pragma once

#include "cas/governance.h"
#include "cas/handover.h"
#include "cas/identity.h"
#include "cas/provisioning.h"
#include "cas/sessions.h"
#include "common/status.h"
#include "net/metrics.h"
#include "net/router.h"

namespace coffer::cas {

// Everything borrowed must outlive the router's use. Every route but
// /healthz, /metrics, /v1/evidence and the join's two goes through
// handover.Gated.
StatusOr<net::Router> MakeApiRouter(Sessions& sessions,
                                    Provisioner& provisioner,
                                    const CasIdentity& identity,
                                    const net::MetricsRegistry& metrics,
                                    Governance& governance, Handover& handover);

}  // namespace coffer::cas

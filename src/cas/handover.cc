#include "cas/handover.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attest/quote.h"
#include "cas/provisioning.h"
#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;
// How long a handing-over member waits for the commit before it serves
// again.
constexpr auto kCommitWithin = std::chrono::seconds(60);

std::string PlatformOf(const attest::VerifiedQuote& quote) {
  if (!quote.platform_id.empty()) return quote.platform_id;
  return quote.fmspc ? "fmspc:" + HexEncode(*quote.fmspc) : "";
}

}  // namespace

Handover::Handover(Store& store, AuditLog& audit, Governance& governance,
                   attest::QuoteVerifier& verifier,
                   const attest::Collateral* collateral,
                   const CasIdentity& self, Clock clock)
    : store_(store),
      audit_(audit),
      governance_(governance),
      verifier_(verifier),
      collateral_(collateral),
      self_(self),
      clock_(std::move(clock)) {}

void Handover::ExpireLocked() {
  if (state_ == State::kHandingOver && clock_() > deadline_) {
    Log(LogLevel::kWarning,
        "CAS handover not committed in time; this member serves again",
        {{"to_measurement", next_.measurement}});
    state_ = State::kServing;
    peer_.clear();
  }
}

void Handover::StartJoining() {
  std::lock_guard lock(mu_);
  state_ = State::kJoining;
}

void Handover::Joined() {
  std::lock_guard lock(mu_);
  state_ = State::kServing;
}

net::Handler Handover::Gated(net::Handler handler) {
  return [this, handler = std::move(handler)](
             const net::Request& request) -> StatusOr<net::Response> {
    std::shared_lock gate(gate_);
    {
      std::lock_guard lock(mu_);
      ExpireLocked();
      if (state_ == State::kRetired) {
        return UnavailableError(
            "this CAS member handed its state over to the member at " +
            next_.address + " and is retired; use that member");
      }
      if (state_ == State::kJoining) {
        return UnavailableError(
            "this CAS member is joining; retry in a moment");
      }
      if (state_ == State::kHandingOver || state_ == State::kCommitting) {
        return UnavailableError(
            "this CAS member is handing its state over to a new member; "
            "retry in a moment");
      }
    }
    return handler(request);
  };
}

StatusOr<std::string> Handover::Export(const std::string& peer_identity,
                                       const Bytes& quote) {
  auto refuse = [&](const std::string& why) -> Status {
    Log(LogLevel::kWarning, "CAS join refused", {{"reason", why}});
    (void)audit_.Append("cas.join.refused", {{"reason", why}});
    return PermissionDeniedError(why);
  };
  StatusOr<attest::VerifiedQuote> verified =
      verifier_.Verify(quote, collateral_, clock_());
  if (!verified.ok()) {
    return refuse("quote does not verify: " + verified.status().message());
  }
  if (!QuoteBindsKey(*verified, peer_identity)) {
    return refuse(
        "the quote does not bind the key of this connection: a quote is "
        "accepted only on a connection made with the key it names");
  }
  StatusOr<attest::Quote> own = attest::ParseQuote(self_.quote);
  const bool self_simulation = own.ok() && own->is_simulation();
  if (verified->type == attest::QuoteType::kSimulation && !self_simulation) {
    return refuse(
        "a simulation member cannot join a CAS that runs on hardware");
  }
  if (verified->type != attest::QuoteType::kSimulation && verified->debug) {
    return refuse("a debug enclave cannot join the CAS");
  }
  const Governance::Self next{HexEncode(verified->mrenclave),
                              PlatformOf(*verified), ""};
  if (governance_.IsSelf(next.measurement, next.platform)) {
    return refuse(
        "a member of this build on this platform holds the state already; "
        "an upgrade joins with another build, a move with another platform");
  }
  if (Status approved =
          governance_.CheckApproved(next.measurement, next.platform);
      !approved.ok()) {
    return refuse(approved.message());
  }

  if (store_.shared()) {
    // Every member serves from the same store: the newcomer needs the
    // state key only, and this member serves on.
    COFFER_RETURN_IF_ERROR(
        audit_.Append("cas.join.share", {{"to_measurement", next.measurement},
                                         {"to_platform", next.platform}}));
    const crypto::SecretBytes state_key = store_.StateKeyCopy();
    Log(LogLevel::kWarning, "CAS shared its state key with a joining member",
        {{"to_measurement", next.measurement}, {"to_platform", next.platform}});
    return Json{{"format", kHandoverFormat},
                {"shared", true},
                {"state_key", HexEncode(state_key.span())}}
        .dump();
  }
  // No request may be half done in the copy: wait for those under way,
  // and refuse new ones until the commit (or the deadline).
  std::unique_lock gate(gate_);
  {
    std::lock_guard lock(mu_);
    ExpireLocked();
    if (state_ != State::kServing) {
      return FailedPreconditionError(
          state_ == State::kJoining
              ? "this member is still joining; join another one"
              : "this member is handing over or has retired already");
    }
  }
  COFFER_ASSIGN_OR_RETURN(StateSnapshot snapshot, store_.Snapshot());
  // The log travels whole: refuse before anything is recorded if it
  // cannot.
  COFFER_RETURN_IF_ERROR(ReadFile(audit_.path(), kMaxHandoverAuditBytes)
                             .status()
                             .WithContext("cannot hand the audit log over"));
  COFFER_RETURN_IF_ERROR(audit_.Append(
      "cas.join.export",
      {{"to_measurement", next.measurement}, {"to_platform", next.platform}}));
  COFFER_ASSIGN_OR_RETURN(std::string audit_log,
                          ReadFile(audit_.path(), kMaxHandoverAuditBytes));
  Json sessions = Json::array();
  for (const StateSnapshot::Session& session : snapshot.sessions) {
    sessions.push_back({{"name", session.name},
                        {"hash", session.hash},
                        {"creator", session.creator},
                        {"revision", session.revision},
                        {"policy", HexEncode(session.policy)},
                        {"secrets", HexEncode(session.secrets)}});
  }
  Json identities = Json::array();
  for (const StateSnapshot::Identity& identity : snapshot.identities) {
    identities.push_back(
        {{"name", identity.name}, {"value", HexEncode(identity.value)}});
  }
  const Json reply = {{"format", kHandoverFormat},
                      {"state_key", HexEncode(snapshot.state_key.span())},
                      {"sessions", std::move(sessions)},
                      {"identities", std::move(identities)},
                      {"audit_log", HexEncode(AsBytes(audit_log))}};
  {
    std::lock_guard lock(mu_);
    state_ = State::kHandingOver;
    peer_ = peer_identity;
    next_ = next;
    deadline_ = clock_() + kCommitWithin;
  }
  Log(LogLevel::kWarning, "CAS handing its state over to a joining member",
      {{"to_measurement", next.measurement}, {"to_platform", next.platform}});
  return reply.dump();
}

Status Handover::Commit(const std::string& peer_identity,
                        const std::string& address) {
  Governance::Self next;
  {
    std::lock_guard lock(mu_);
    ExpireLocked();
    if (state_ == State::kRetired && peer_ == peer_identity) {
      return OkStatus();  // a repeated commit: the first answer was lost
    }
    if (state_ != State::kHandingOver || peer_ != peer_identity) {
      return FailedPreconditionError(
          "no handover to this connection's key is in progress (it may have "
          "timed out after 60 s): join again");
    }
    // From here no request is served and the deadline no longer applies.
    state_ = State::kCommitting;
    next_.address = address;
    next = next_;
  }
  if (Status recorded = governance_.HandedOver(next); !recorded.ok()) {
    std::lock_guard lock(mu_);
    state_ = State::kHandingOver;  // the deadline may still pass
    return recorded;
  }
  std::lock_guard lock(mu_);
  state_ = State::kRetired;
  Log(LogLevel::kWarning,
      "CAS handed its state over and retired; stop this process",
      {{"to_address", next.address}});
  return OkStatus();
}

}  // namespace coffer::cas

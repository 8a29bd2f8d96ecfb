#include "cas/governance.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/log.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;
constexpr char kGovernanceIdentity[] = "governance";

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string TimeText(int64_t unix_seconds) {
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string Join(const std::vector<std::string>& list, std::string_view glue) {
  std::string out;
  for (const std::string& item : list) {
    if (!out.empty()) out += glue;
    out += item;
  }
  return out;
}

std::string Short(std::string_view hex) {
  return std::string(hex.substr(0, 16));
}

}  // namespace

StatusOr<Governance::Record> Governance::Parse(std::string_view json) {
  const Json root = Json::parse(json, nullptr, false);
  auto bad = [] {
    return DataLossError("the CAS's governance record is not readable");
  };
  if (!root.is_object()) return bad();
  Record record;
  for (const auto& [key, list] : {std::pair{"owners", &record.owners},
                                  std::pair{"mrenclaves", &record.mrenclaves},
                                  std::pair{"platforms", &record.platforms}}) {
    if (!root.contains(key) || !root[key].is_array()) return bad();
    for (const Json& value : root[key]) {
      if (!value.is_string()) return bad();
      list->push_back(value.get<std::string>());
    }
  }
  if (!root.contains("members") || !root["members"].is_array()) return bad();
  for (const Json& entry : root["members"]) {
    if (!entry.is_object()) return bad();
    MemberRecord member;
    member.measurement = entry.value("measurement", "");
    member.platform = entry.value("platform", "");
    member.address = entry.value("address", "");
    member.state = entry.value("state", "");
    member.since = entry.value("since", int64_t{0});
    member.last_seen = entry.value("last_seen", int64_t{0});
    record.members.push_back(std::move(member));
  }
  return record;
}

std::string Governance::Serialize(const Record& record) {
  Json members = Json::array();
  for (const MemberRecord& member : record.members) {
    members.push_back({{"measurement", member.measurement},
                       {"platform", member.platform},
                       {"address", member.address},
                       {"state", member.state},
                       {"since", member.since},
                       {"last_seen", member.last_seen}});
  }
  return Json{{"owners", record.owners},
              {"mrenclaves", record.mrenclaves},
              {"platforms", record.platforms},
              {"members", members}}
      .dump();
}

Status Governance::SaveChanged(const std::function<void(Record&)>& change) {
  // The change applies to the stored record, which another member may
  // have changed since this one read it (a shared store); the store runs
  // this again if it changes in between.
  Record changed;
  Status saved = store_.ChangeIdentity(
      kGovernanceIdentity,
      [&](const std::optional<crypto::SecretBytes>& current)
          -> StatusOr<crypto::SecretBytes> {
        changed = record_;
        if (current.has_value()) {
          COFFER_ASSIGN_OR_RETURN(changed, Parse(AsString(current->span())));
        }
        change(changed);
        return crypto::SecretBytes(AsBytes(Serialize(changed)));
      });
  if (saved.ok()) record_ = std::move(changed);  // memory as stored
  return saved;
}

StatusOr<Governance::Record> Governance::Latest() const {
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> stored,
                          store_.GetIdentity(kGovernanceIdentity));
  std::lock_guard<std::mutex> lock(mu_);
  if (stored.has_value()) {
    COFFER_ASSIGN_OR_RETURN(record_, Parse(AsString(stored->span())));
  }
  return record_;
}

int64_t Governance::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             clock_().time_since_epoch())
      .count();
}

MemberRecord& Governance::Entry(Record& record, const Self& member) const {
  for (MemberRecord& entry : record.members) {
    if (entry.measurement == member.measurement &&
        entry.platform == member.platform) {
      return entry;
    }
  }
  record.members.push_back(MemberRecord{member.measurement, member.platform,
                                        member.address, "serving", Now(),
                                        Now()});
  return record.members.back();
}

StatusOr<std::unique_ptr<Governance>> Governance::Load(
    Store& store, AuditLog& audit, Clock clock, const Self& self,
    std::vector<std::string> owners) {
  for (std::string& owner : owners) {
    if (!IsHex(owner, 64)) {
      return InvalidArgumentError(
          "--owner \"" + owner +
          "\" is not an identity: it must be 64 hex digits, what `coffer cas "
          "whoami` prints");
    }
    owner = Lower(owner);
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  COFFER_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> stored,
                          store.GetIdentity(kGovernanceIdentity));
  Record record;
  bool fresh = !stored.has_value();
  if (stored.has_value()) {
    COFFER_ASSIGN_OR_RETURN(record, Parse(AsString(stored->span())));
    if (!owners.empty() && owners != record.owners) {
      return FailedPreconditionError(
          "the CAS's owners are fixed when its state is made (this state's "
          "owners: " +
          (record.owners.empty() ? std::string("none")
                                 : Join(record.owners, ", ")) +
          "); start it without --owner");
    }
  } else {
    // A new state gets the owners given now. A state without the record
    // that is not new was made before owners existed (or lost the row: a
    // partial rollback): it gets none, so that whoever starts the process
    // cannot make themselves owners by deleting the row.
    if (!store.created() && !owners.empty()) {
      return FailedPreconditionError(
          "the CAS's owners are fixed when its state is made, and this state "
          "has none; start it without --owner");
    }
    record.owners = store.created() ? owners : std::vector<std::string>{};
    record.mrenclaves = {self.measurement};
    record.platforms = {self.platform};
  }
  std::unique_ptr<Governance> governance(
      new Governance(store, audit, std::move(clock), self, std::move(record)));
  std::lock_guard<std::mutex> lock(governance->mu_);
  if (governance->Entry(governance->record_, self).state == "retired") {
    return FailedPreconditionError(
        "this CAS state was handed over to another member (see `coffer cas "
        "members` there): it is retired. Start the new member instead; keep "
        "this directory only as a backup");
  }
  COFFER_RETURN_IF_ERROR(governance->SaveChanged([&](Record& latest) {
    MemberRecord& me = governance->Entry(latest, self);
    me.state = "serving";
    me.address = self.address;
    me.last_seen = governance->Now();
  }));
  if (fresh) {
    COFFER_RETURN_IF_ERROR(audit.Append(
        "cas.governance", {{"owners", Join(governance->record_.owners, ",")},
                           {"approved_mrenclave", self.measurement},
                           {"approved_platform", self.platform}}));
    if (governance->record_.owners.empty()) {
      Log(LogLevel::kWarning,
          "CAS has no owners: nobody can approve a new build, so it cannot "
          "be upgraded without new sessions (start a new state with "
          "--owner)");
    }
  }
  return governance;
}

bool Governance::IsOwner(std::string_view identity) const {
  std::lock_guard<std::mutex> lock(mu_);
  return Contains(record_.owners, Lower(identity));
}

Status Governance::Approve(std::string_view caller, std::string_view kind,
                           std::string_view value) {
  return Change(caller, kind, value, true);
}

Status Governance::Revoke(std::string_view caller, std::string_view kind,
                          std::string_view value) {
  return Change(caller, kind, value, false);
}

Status Governance::Change(std::string_view caller, std::string_view kind,
                          std::string_view value, bool approve) {
  const std::string verb = approve ? "approve" : "revoke";
  if (!IsOwner(caller)) {
    return PermissionDeniedError("only the CAS's owners may " + verb +
                                 " builds and platforms; you are " +
                                 std::string(caller));
  }
  if (kind != "mrenclave" && kind != "platform") {
    return InvalidArgumentError("\"" + std::string(kind) +
                                "\" is neither mrenclave nor platform");
  }
  const bool width_ok = kind == "mrenclave"
                            ? IsHex(value, 64) || IsHex(value, 96)
                            : IsHex(value, 64);
  if (!width_ok) {
    return InvalidArgumentError(
        "the " + std::string(kind) + " must be " +
        (kind == "mrenclave" ? "64 (or 96 for TDX)" : "64") +
        " hex digits, as `coffer measure --self` and `coffer las platform-id` "
        "print");
  }
  const std::string normalized = Lower(value);
  {
    std::lock_guard<std::mutex> lock(mu_);
    COFFER_RETURN_IF_ERROR(SaveChanged([&](Record& record) {
      std::vector<std::string>& list =
          kind == "mrenclave" ? record.mrenclaves : record.platforms;
      const bool present = Contains(list, normalized);
      if (approve && !present) list.push_back(normalized);
      if (!approve && present) std::erase(list, normalized);
    }));
  }
  return audit_.Append("cas." + verb, {{"kind", std::string(kind)},
                                       {"value", normalized},
                                       {"caller", std::string(caller)}});
}

StatusOr<std::string> Governance::Describe(std::string_view caller) const {
  if (!IsOwner(caller)) {
    return PermissionDeniedError(
        "only the CAS's owners may list its members and approvals; you are " +
        std::string(caller));
  }
  COFFER_ASSIGN_OR_RETURN(const Record record, Latest());
  Json members = Json::array();
  for (const MemberRecord& member : record.members) {
    const bool me = member.measurement == self_.measurement &&
                    member.platform == self_.platform;
    members.push_back({{"measurement", member.measurement},
                       {"platform", member.platform},
                       {"address", member.address},
                       {"state", member.state},
                       {"since", TimeText(member.since)},
                       {"last_seen", TimeText(me ? Now() : member.last_seen)},
                       {"this_member", me}});
  }
  return Json{
      {"owners", record.owners},
      {"approved",
       {{"mrenclaves", record.mrenclaves}, {"platforms", record.platforms}}},
      {"members", members}}
      .dump();
}

StatusOr<std::string> Governance::ExportAudit(std::string_view caller) const {
  if (!IsOwner(caller)) {
    return PermissionDeniedError(
        "only the CAS's owners may read its audit log over the API; you are " +
        std::string(caller));
  }
  return audit_.Export();
}

Status Governance::CheckApproved(std::string_view measurement,
                                 std::string_view platform) const {
  // Another member may have approved or revoked since: the stored record
  // decides, and a store that cannot be read approves nothing.
  COFFER_ASSIGN_OR_RETURN(const Record record, Latest());
  if (!Contains(record.mrenclaves, Lower(measurement))) {
    return PermissionDeniedError(
        "measurement " + Short(measurement) +
        "... is not an approved CAS build (an owner approves it with `coffer "
        "cas approve --mrenclave`)");
  }
  if (!Contains(record.platforms, Lower(platform))) {
    return PermissionDeniedError(
        "platform " + Short(platform) +
        "... is not an approved platform (an owner approves it with `coffer "
        "cas approve --platform`)");
  }
  return OkStatus();
}

Status Governance::HandedOver(const Self& next) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    COFFER_RETURN_IF_ERROR(SaveChanged([&](Record& record) {
      Entry(record, self_).state = "retired";
      Entry(record, self_).last_seen = Now();
      MemberRecord& successor = Entry(record, next);
      successor.state = "serving";
      successor.address = next.address;
      successor.last_seen = Now();
    }));
  }
  return audit_.Append("cas.handover", {{"to_measurement", next.measurement},
                                        {"to_platform", next.platform},
                                        {"to_address", next.address}});
}

Status Governance::Joined(const Self& source) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    COFFER_RETURN_IF_ERROR(SaveChanged([&](Record& record) {
      MemberRecord& previous = Entry(record, source);
      previous.state = "retired";
      previous.last_seen = Now();
    }));
  }
  return audit_.Append("cas.join", {{"from_measurement", source.measurement},
                                    {"from_platform", source.platform},
                                    {"from_address", source.address}});
}

Status Governance::ServingAt(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  return SaveChanged([&](Record& record) {
    MemberRecord& me = Entry(record, self_);
    me.address = address;
    me.last_seen = Now();
  });
}

bool Governance::IsSelf(std::string_view measurement,
                        std::string_view platform) const {
  return Lower(measurement) == self_.measurement &&
         Lower(platform) == self_.platform;
}

Status Governance::Recovered(const std::vector<std::string>& officers) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    COFFER_RETURN_IF_ERROR(SaveChanged([&](Record& record) {
      for (MemberRecord& member : record.members) {
        const bool me = member.measurement == self_.measurement &&
                        member.platform == self_.platform;
        if (!me && member.state == "serving") member.state = "lost";
      }
    }));
  }
  return audit_.Append("cas.recovered", {{"officers", Join(officers, ",")}});
}

}  // namespace coffer::cas

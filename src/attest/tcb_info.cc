#include "attest/tcb_info.h"

#include <string>

#include "attest/json_fields.h"

namespace coffer::attest {
namespace {

using internal::JsonFields;

constexpr int64_t kU8Max = 0xFF;
constexpr int64_t kU16Max = 0xFFFF;
constexpr int64_t kU32Max = 0xFFFFFFFF;

StatusOr<TcbStatus> LevelStatus(const JsonFields& level, bool identity) {
  COFFER_ASSIGN_OR_RETURN(std::string text, level.String("tcbStatus"));
  std::optional<TcbStatus> status =
      identity ? ParseIdentityLevelStatus(text) : ParseTcbLevelStatus(text);
  if (!status) {
    return level.Error("tcbStatus", "unknown status \"" + text + "\"");
  }
  return *status;
}

// "sgxtcbcomponents"/"tdxtcbcomponents": 16 objects with an "svn".
Status ReadComponents(const JsonFields& tcb, std::string_view key,
                      SvnArray& out) {
  COFFER_ASSIGN_OR_RETURN(std::vector<JsonFields> components, tcb.Objects(key));
  if (components.size() != out.size()) {
    return tcb.Error(key, "must list 16 components, not " +
                              std::to_string(components.size()));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    COFFER_ASSIGN_OR_RETURN(int64_t svn,
                            components[i].Integer("svn", 0, kU8Max));
    out[i] = static_cast<uint8_t>(svn);
  }
  return OkStatus();
}

// Version 2: "sgxtcbcomp01svn" .. "sgxtcbcomp16svn".
Status ReadVersion2Components(const JsonFields& tcb, SvnArray& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t number = i + 1;
    const std::string key = "sgxtcbcomp" + std::to_string(number / 10) +
                            std::to_string(number % 10) + "svn";
    COFFER_ASSIGN_OR_RETURN(int64_t svn, tcb.Integer(key, 0, kU8Max));
    out[i] = static_cast<uint8_t>(svn);
  }
  return OkStatus();
}

StatusOr<TcbLevel> ReadTcbLevel(const JsonFields& json, int version, bool tdx) {
  TcbLevel level;
  COFFER_ASSIGN_OR_RETURN(JsonFields tcb, json.Object("tcb"));
  if (version == 2) {
    COFFER_RETURN_IF_ERROR(ReadVersion2Components(tcb, level.sgx_components));
  } else {
    COFFER_RETURN_IF_ERROR(
        ReadComponents(tcb, "sgxtcbcomponents", level.sgx_components));
  }
  COFFER_ASSIGN_OR_RETURN(int64_t pce_svn, tcb.Integer("pcesvn", 0, kU16Max));
  level.pce_svn = static_cast<uint16_t>(pce_svn);
  if (tdx) {
    COFFER_RETURN_IF_ERROR(ReadComponents(tcb, "tdxtcbcomponents",
                                          level.tdx_components.emplace()));
  }
  COFFER_ASSIGN_OR_RETURN(level.tcb_date, json.String("tcbDate"));
  COFFER_ASSIGN_OR_RETURN(level.status, LevelStatus(json, false));
  COFFER_ASSIGN_OR_RETURN(level.advisory_ids,
                          json.OptionalStrings("advisoryIDs"));
  return level;
}

StatusOr<std::vector<IdentityTcbLevel>> ReadIdentityLevels(
    const JsonFields& json) {
  COFFER_ASSIGN_OR_RETURN(std::vector<JsonFields> entries,
                          json.Objects("tcbLevels"));
  std::vector<IdentityTcbLevel> levels;
  for (const JsonFields& entry : entries) {
    IdentityTcbLevel level;
    COFFER_ASSIGN_OR_RETURN(JsonFields tcb, entry.Object("tcb"));
    COFFER_ASSIGN_OR_RETURN(int64_t isv_svn, tcb.Integer("isvsvn", 0, kU16Max));
    level.isv_svn = static_cast<uint16_t>(isv_svn);
    COFFER_ASSIGN_OR_RETURN(level.tcb_date, entry.String("tcbDate"));
    COFFER_ASSIGN_OR_RETURN(level.status, LevelStatus(entry, true));
    COFFER_ASSIGN_OR_RETURN(level.advisory_ids,
                            entry.OptionalStrings("advisoryIDs"));
    levels.push_back(std::move(level));
  }
  return levels;
}

Status ReadTdxModule(const JsonFields& json, TdxModule& module) {
  COFFER_RETURN_IF_ERROR(json.HexArray("mrsigner", module.mr_signer));
  COFFER_RETURN_IF_ERROR(json.HexArray("attributes", module.attributes));
  return json.HexArray("attributesMask", module.attributes_mask);
}

Status ReadTdxParts(const JsonFields& json, TcbInfo& info) {
  if (json.Has("tdxModule")) {
    COFFER_ASSIGN_OR_RETURN(JsonFields module, json.Object("tdxModule"));
    COFFER_RETURN_IF_ERROR(ReadTdxModule(module, info.tdx_module.emplace()));
  }
  if (!json.Has("tdxModuleIdentities")) return OkStatus();
  COFFER_ASSIGN_OR_RETURN(std::vector<JsonFields> identities,
                          json.Objects("tdxModuleIdentities"));
  for (const JsonFields& entry : identities) {
    TdxModuleIdentity identity;
    COFFER_ASSIGN_OR_RETURN(identity.id, entry.String("id"));
    COFFER_RETURN_IF_ERROR(ReadTdxModule(entry, identity.module));
    COFFER_ASSIGN_OR_RETURN(identity.tcb_levels, ReadIdentityLevels(entry));
    info.tdx_module_identities.push_back(std::move(identity));
  }
  return OkStatus();
}

// issueDate, nextUpdate and tcbEvaluationDataNumber, common to both.
template <typename T>
Status ReadValidity(const JsonFields& json, T& out) {
  COFFER_ASSIGN_OR_RETURN(out.issue_date, json.Time("issueDate"));
  COFFER_ASSIGN_OR_RETURN(out.next_update, json.Time("nextUpdate"));
  COFFER_ASSIGN_OR_RETURN(int64_t number,
                          json.Integer("tcbEvaluationDataNumber", 0, kU32Max));
  out.tcb_evaluation_data_number = static_cast<uint32_t>(number);
  return OkStatus();
}

}  // namespace

StatusOr<TcbInfo> ParseTcbInfo(std::string_view text) {
  COFFER_ASSIGN_OR_RETURN(internal::Json json,
                          internal::ParseJsonObject(text, "tcb_info"));
  const JsonFields fields(json, "tcb_info");
  TcbInfo info;
  COFFER_ASSIGN_OR_RETURN(int64_t version, fields.Integer("version", 2, 3));
  info.version = static_cast<int>(version);
  if (info.version == 2) {
    info.id = "SGX";
  } else {
    COFFER_ASSIGN_OR_RETURN(info.id, fields.String("id"));
    if (info.id != "SGX" && info.id != "TDX") {
      return fields.Error(
          "id", "must be \"SGX\" or \"TDX\", not \"" + info.id + "\"");
    }
  }
  COFFER_RETURN_IF_ERROR(ReadValidity(fields, info));
  COFFER_RETURN_IF_ERROR(fields.HexArray("fmspc", info.fmspc));
  COFFER_RETURN_IF_ERROR(fields.HexArray("pceId", info.pce_id));
  // Type 0 is the only component order Intel has defined; a level could
  // not be compared with the PCK certificate's SVNs under another.
  COFFER_RETURN_IF_ERROR(fields.Integer("tcbType", 0, 0).status());
  const bool tdx = info.id == "TDX";
  if (tdx) COFFER_RETURN_IF_ERROR(ReadTdxParts(fields, info));
  COFFER_ASSIGN_OR_RETURN(std::vector<JsonFields> levels,
                          fields.Objects("tcbLevels"));
  for (const JsonFields& level : levels) {
    COFFER_ASSIGN_OR_RETURN(TcbLevel parsed,
                            ReadTcbLevel(level, info.version, tdx));
    info.tcb_levels.push_back(std::move(parsed));
  }
  return info;
}

StatusOr<QeIdentity> ParseQeIdentity(std::string_view text) {
  COFFER_ASSIGN_OR_RETURN(internal::Json json,
                          internal::ParseJsonObject(text, "qe_identity"));
  const JsonFields fields(json, "qe_identity");
  QeIdentity identity;
  COFFER_ASSIGN_OR_RETURN(int64_t version, fields.Integer("version", 2, 2));
  identity.version = static_cast<int>(version);
  COFFER_ASSIGN_OR_RETURN(identity.id, fields.String("id"));
  COFFER_RETURN_IF_ERROR(ReadValidity(fields, identity));
  COFFER_RETURN_IF_ERROR(fields.HexArray("miscselect", identity.miscselect));
  COFFER_RETURN_IF_ERROR(
      fields.HexArray("miscselectMask", identity.miscselect_mask));
  COFFER_RETURN_IF_ERROR(fields.HexArray("attributes", identity.attributes));
  COFFER_RETURN_IF_ERROR(
      fields.HexArray("attributesMask", identity.attributes_mask));
  COFFER_RETURN_IF_ERROR(fields.HexArray("mrsigner", identity.mr_signer));
  COFFER_ASSIGN_OR_RETURN(int64_t prod_id,
                          fields.Integer("isvprodid", 0, kU16Max));
  identity.isv_prod_id = static_cast<uint16_t>(prod_id);
  COFFER_ASSIGN_OR_RETURN(identity.tcb_levels, ReadIdentityLevels(fields));
  return identity;
}

}  // namespace coffer::attest

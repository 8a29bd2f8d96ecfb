#include "attest/verified_quote.h"

#include <nlohmann/json.hpp>

namespace coffer::attest {

std::string_view QuoteTypeName(QuoteType type) {
  switch (type) {
    case QuoteType::kSgx: return "sgx";
    case QuoteType::kTdx: return "tdx";
    case QuoteType::kSimulation: return "simulation";
  }
  return "unknown";
}

std::string VerifiedQuote::ToJson() const {
  nlohmann::ordered_json json;
  json["type"] = QuoteTypeName(type);
  json["tcb_status"] = TcbStatusName(tcb_status);
  json["advisory_ids"] = advisory_ids;
  json["debug"] = debug;
  json["mrenclave"] = HexEncode(mrenclave);
  json["mrsigner"] = HexEncode(mrsigner);
  json["isv_prod_id"] = isv_prod_id;
  json["isv_svn"] = isv_svn;
  json["report_data"] = HexEncode(report_data);
  if (type == QuoteType::kSimulation) json["platform_id"] = platform_id;
  if (fmspc.has_value()) json["fmspc"] = HexEncode(*fmspc);
  if (td_report.has_value()) {
    const TdReport& td = *td_report;
    json["mrtd"] = HexEncode(td.mr_td);
    json["mrsignerseam"] = HexEncode(td.mr_signer_seam);
    json["mrseam"] = HexEncode(td.mr_seam);
    json["mrowner"] = HexEncode(td.mr_owner);
    json["mrownerconfig"] = HexEncode(td.mr_owner_config);
    json["mrconfigid"] = HexEncode(td.mr_config_id);
    for (size_t i = 0; i < td.rtmr.size(); ++i) {
      json["rtmr" + std::to_string(i)] = HexEncode(td.rtmr[i]);
    }
    json["tee_tcb_svn"] = HexEncode(td.tee_tcb_svn);
    json["td_attributes"] = HexEncode(td.td_attributes);
    json["xfam"] = HexEncode(td.xfam);
  }
  // Replace, not throw, should a string ever hold invalid UTF-8.
  return json.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace coffer::attest

// TCB info and QE identity: Intel's signed JSON collateral, as structs.
//
// TCB info lists, for one FMSPC (a platform model), the TCB levels Intel
// knows: the SVNs of the 16 CPU components and of the PCE, for TDX also the
// 16 TDX components, each level with a status and advisories. Version 2
// spells components as "sgxtcbcomp01svn".."sgxtcbcomp16svn"; version 3
// as "sgxtcbcomponents": [{"svn": N}, ...] and adds "id" ("SGX"/"TDX"),
// "tdxtcbcomponents", "tdxModule" and "tdxModuleIdentities".
// QE identity describes Intel's quoting enclave (id "QE" for SGX, "TD_QE"
// for TDX): MRSIGNER, product ID, masks, and levels by ISV SVN.
//
// These parsers read the JSON text whose exact bytes Intel signed (the
// signature is checked by VerifyQuote, over the same text). They take
// untrusted text and never throw: malformed JSON, a missing or mistyped
// field, an unknown status is kInvalidArgument naming the path, e.g.
//   tcb_info: tcbLevels[2].tcb.pcesvn: must be an integer from 0 to 65535
// Hex fields are decoded (either case) and checked for their length.
//
// Thread safety: plain values; the parsers are pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/tcb_status.h"
#include "attest/timestamp.h"
#include "common/encoding.h"
#include "common/status.h"

namespace coffer::attest {

using SvnArray = std::array<uint8_t, 16>;

struct TcbLevel {
  SvnArray sgx_components{};
  uint16_t pce_svn = 0;
  std::optional<SvnArray> tdx_components;  // TDX TCB info only
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUnknown;
  std::vector<std::string> advisory_ids;
};

// A level of a QE identity or a TDX module identity.
struct IdentityTcbLevel {
  uint16_t isv_svn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUnknown;  // UpToDate, OutOfDate or Revoked
  std::vector<std::string> advisory_ids;
};

struct TdxModule {
  std::array<uint8_t, 48> mr_signer{};
  std::array<uint8_t, 8> attributes{};
  std::array<uint8_t, 8> attributes_mask{};
};

struct TdxModuleIdentity {
  std::string id;  // "TDX_01": the module's major version in hex
  TdxModule module;
  std::vector<IdentityTcbLevel> tcb_levels;
};

struct TcbInfo {
  std::string id;   // "SGX" or "TDX"; "SGX" for version 2
  int version = 0;  // 2 or 3
  TimePoint issue_date;
  TimePoint next_update;
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 2> pce_id{};
  uint32_t tcb_evaluation_data_number = 0;
  std::optional<TdxModule> tdx_module;
  std::vector<TdxModuleIdentity> tdx_module_identities;
  // In Intel's order: highest TCB first.
  std::vector<TcbLevel> tcb_levels;
};

struct QeIdentity {
  std::string id;  // "QE", "TD_QE" (or "QVE")
  int version = 0;
  TimePoint issue_date;
  TimePoint next_update;
  uint32_t tcb_evaluation_data_number = 0;
  std::array<uint8_t, 4> miscselect{};
  std::array<uint8_t, 4> miscselect_mask{};
  std::array<uint8_t, 16> attributes{};
  std::array<uint8_t, 16> attributes_mask{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  // Highest ISV SVN first.
  std::vector<IdentityTcbLevel> tcb_levels;
};

// The "tcbInfo" object (not the {"tcbInfo":..., "signature":...} wrapper).
StatusOr<TcbInfo> ParseTcbInfo(std::string_view json);
// The "enclaveIdentity" object, version 2.
StatusOr<QeIdentity> ParseQeIdentity(std::string_view json);

}  // namespace coffer::attest

// VerifiedQuote: what a successfully verified quote says, for policies.
//
// Produced only by VerifyQuote (dcap_verify.h): every field comes from a
// quote whose signatures and certificate chain have been checked. What it
// says about the platform's TCB depends on the collateral: without it,
// tcb_status is kUnknown.
//
// Field mapping by type:
//                 sgx / simulation           tdx
//   mrenclave     MRENCLAVE (32 bytes)       MRTD (48 bytes)
//   mrsigner      MRSIGNER (32 bytes)        MRSIGNERSEAM (48 bytes): the
//                                            TDX module's signer
//   isv_prod_id   ISVPRODID                  0 (TDX has none)
//   isv_svn       ISVSVN                     0
//   debug         attributes flag DEBUG      TD attributes TUD.DEBUG (bit 0)
//   report_data   REPORTDATA (64 bytes)      REPORTDATA
// A TDX quote also carries its whole TD report (td_report) for RTMRs,
// MROWNER and the like.
//
// Thread safety: a plain value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/quote.h"
#include "attest/tcb_status.h"
#include "common/encoding.h"

namespace coffer::attest {

enum class QuoteType { kSgx, kTdx, kSimulation };
// "sgx", "tdx", "simulation".
std::string_view QuoteTypeName(QuoteType type);

struct VerifiedQuote {
  QuoteType type = QuoteType::kSgx;
  TcbStatus tcb_status = TcbStatus::kUnknown;
  std::vector<std::string> advisory_ids;
  bool debug = false;
  Bytes mrenclave;
  Bytes mrsigner;
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  std::array<uint8_t, 64> report_data{};
  // Simulation: lower-case hex SHA-256 of the platform key's
  // SubjectPublicKeyInfo DER. Empty for hardware.
  std::string platform_id;
  // Hardware: the PCK certificate's FMSPC (platform model).
  std::optional<std::array<uint8_t, 6>> fmspc;
  // TDX: the whole TD report.
  std::optional<TdReport> td_report;

  // One JSON object with the keys "type", "tcb_status", "advisory_ids",
  // "debug", "mrenclave", "mrsigner", "isv_prod_id", "isv_svn",
  // "report_data" (byte strings as lower-case hex), "platform_id" for
  // simulation quotes, "fmspc" for hardware ones, and for TDX "mrtd",
  // "mrsignerseam", "mrseam", "mrowner", "mrownerconfig", "mrconfigid",
  // "rtmr0".."rtmr3", "tee_tcb_svn", "td_attributes" and "xfam".
  std::string ToJson() const;
};

}  // namespace coffer::attest

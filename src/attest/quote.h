// Intel DCAP quotes: the binary layout, parsed with bounds checks.
//
// Two layouts are read, both little-endian, as Intel's "SGX ECDSA Quote
// Library API" and "TDX DCAP Quoting Library API" describe them:
//   version 3, SGX:  header (48) || enclave report (384) || u32 length ||
//                    signature data
//   version 4, TDX:  header (48) || TD report 1.0 (584) || u32 length ||
//                    signature data
// The signature data holds the quote signature and the attestation key,
// then the QE report, its signature, the QE authentication data and the
// certification data. In version 4 those four sit inside a certification
// data block of type 6 ("QE report certification data"), whose own nested
// certification data carries the PCK chain. Coffer's simulation quotes use
// the version 3 layout (see docs/architecture.md, "Simulation quotes"), so one
// parser reads them all.
//
// ParseQuote checks structure only: every length field against what is
// left, the signature data length against its contents. It does not check
// any signature; that is VerifyQuote's job (dcap_verify.h). Bytes after the
// signature data are ignored (real TDX quotes carry zero padding there).
//
// Failure: kInvalidArgument naming the field and its offset, e.g.
//   quote truncated: QE report signature needs 64 bytes at offset 1012,
//   40 left
// Thread safety: plain values; the parser is a pure function.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/encoding.h"
#include "common/status.h"

namespace coffer::attest {

inline constexpr size_t kQuoteHeaderSize = 48;
inline constexpr size_t kEnclaveReportSize = 384;
inline constexpr size_t kTdReportSize = 584;  // TD report 1.0 (TDX 1.0)

inline constexpr uint16_t kQuoteVersionSgx = 3;
inline constexpr uint16_t kQuoteVersionTdx = 4;
inline constexpr uint16_t kAttestationKeyEcdsaP256 = 2;
inline constexpr uint32_t kTeeTypeSgx = 0x00000000;
inline constexpr uint32_t kTeeTypeTdx = 0x00000081;

// Certification data types.
inline constexpr uint16_t kCertificationPpidCleartext = 1;
inline constexpr uint16_t kCertificationPckChain = 5;
inline constexpr uint16_t kCertificationQeReport = 6;

using QeVendorId = std::array<uint8_t, 16>;
// Intel's quoting enclave: 939A7233-F79C-4CA9-940A-0DB3957F0607.
inline constexpr QeVendorId kIntelQeVendorId = {
    0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
    0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};
// Coffer's LAS (simulation): the ASCII bytes "COFFER-SIMULATE!".
inline constexpr QeVendorId kSimulationQeVendorId = {
    'C', 'O', 'F', 'F', 'E', 'R', '-', 'S',
    'I', 'M', 'U', 'L', 'A', 'T', 'E', '!'};

struct QuoteHeader {
  uint16_t version = 0;
  uint16_t attestation_key_type = 0;
  uint32_t tee_type = 0;
  uint16_t qe_svn = 0;   // version 3; reserved in version 4
  uint16_t pce_svn = 0;  // version 3; reserved in version 4
  QeVendorId qe_vendor_id{};
  std::array<uint8_t, 20> user_data{};
};

// sgx_report_body_t: an SGX enclave's report (the ISV enclave's in a
// version 3 quote, and the quoting enclave's in every quote).
struct EnclaveReport {
  static constexpr uint64_t kFlagDebug = 0x02;

  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 4> misc_select{};  // raw, as QE identity masks it
  std::array<uint8_t, 16> isv_ext_prod_id{};
  std::array<uint8_t, 16> attributes{};  // flags (u64) || xfrm (u64)
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  std::array<uint8_t, 64> config_id{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  uint16_t config_svn = 0;
  std::array<uint8_t, 16> isv_family_id{};
  std::array<uint8_t, 64> report_data{};

  uint64_t flags() const;
  bool debug() const { return (flags() & kFlagDebug) != 0; }
};

// TD report body 1.0 (TDX 1.0 and 1.5 modules, quote version 4).
struct TdReport {
  // TUD.DEBUG: bit 0 of TDATTRIBUTES.
  static constexpr uint64_t kTdAttributeDebug = 0x01;

  std::array<uint8_t, 16> tee_tcb_svn{};
  std::array<uint8_t, 48> mr_seam{};
  std::array<uint8_t, 48> mr_signer_seam{};
  std::array<uint8_t, 8> seam_attributes{};
  std::array<uint8_t, 8> td_attributes{};
  std::array<uint8_t, 8> xfam{};
  std::array<uint8_t, 48> mr_td{};
  std::array<uint8_t, 48> mr_config_id{};
  std::array<uint8_t, 48> mr_owner{};
  std::array<uint8_t, 48> mr_owner_config{};
  std::array<std::array<uint8_t, 48>, 4> rtmr{};
  std::array<uint8_t, 64> report_data{};

  bool debug() const;
};

// A parsed quote. It owns copies of the parts it needs, so it outlives the
// buffer it was parsed from.
struct Quote {
  QuoteHeader header;
  // Exactly one is set: enclave_report for version 3 (SGX), td_report for
  // version 4 (TDX).
  std::optional<EnclaveReport> enclave_report;
  std::optional<TdReport> td_report;
  // header || body: the bytes the quote signature covers.
  Bytes signed_data;

  std::array<uint8_t, 64> signature{};        // r || s
  std::array<uint8_t, 64> attestation_key{};  // X || Y (P-256)
  // The quoting enclave's report as signed (384 bytes) and parsed.
  Bytes qe_report_raw;
  EnclaveReport qe_report;
  std::array<uint8_t, 64> qe_report_signature{};  // r || s, by the PCK key
  Bytes qe_auth_data;
  // The innermost certification data: for version 4, the one nested in the
  // type 6 block. Type 5 is a PEM PCK chain, leaf first.
  uint16_t certification_data_type = 0;
  Bytes certification_data;

  // Offset just past the signature data; bytes after it are ignored.
  size_t size = 0;

  bool is_tdx() const { return td_report.has_value(); }
  bool is_simulation() const {
    return header.qe_vendor_id == kSimulationQeVendorId;
  }
};

// Parses a version 3 (SGX) or version 4 (TDX) quote with ECDSA P-256
// attestation keys. Other versions, TEE types and key types are
// kInvalidArgument naming the value.
StatusOr<Quote> ParseQuote(std::span<const uint8_t> data);

// Parses the 384-byte enclave report at `data` (exactly 384 bytes).
StatusOr<EnclaveReport> ParseEnclaveReport(std::span<const uint8_t> data);

}  // namespace coffer::attest

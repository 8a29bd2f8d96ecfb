// DCAP collateral: what a verifier needs besides the quote to judge the
// platform's TCB, in one JSON file.
//
// The file is one JSON object with these string fields (the layout of
// testdata/dcap/*_collateral.json, as Phala's dcap-qvl and PCCS clients
// write it):
//   pck_crl_issuer_chain      PEM: the PCK CRL's issuer, up to the root
//   root_ca_crl               hex DER: the Intel SGX Root CA's CRL
//   pck_crl                   hex DER: the PCK (Processor/Platform) CA's CRL
//   tcb_info_issuer_chain     PEM: the TCB signing certificate and the root
//   tcb_info                  the TCB info JSON, exactly as Intel signed it
//   tcb_info_signature        hex r || s (ECDSA P-256) over tcb_info's bytes
//   qe_identity_issuer_chain  PEM
//   qe_identity               the QE identity JSON, exactly as signed
//   qe_identity_signature     hex r || s over qe_identity's bytes
// Unknown fields are ignored.
//
// ParseCollateral checks the form only: hex, sizes, and that tcb_info and
// qe_identity parse. Nothing in it is trusted until VerifyQuote has
// checked the signatures and chains up to the pinned root and the dates
// against "now".
//
// Failure: kInvalidArgument naming the field, e.g.
//   collateral: tcb_info_signature: must be 64 bytes (128 hex digits), not 63
// Thread safety: plain values; the parser is a pure function.
#pragma once

#include <string>
#include <string_view>

#include "attest/tcb_info.h"
#include "common/encoding.h"
#include "common/status.h"

namespace coffer::attest {

struct Collateral {
  std::string pck_crl_issuer_chain;
  Bytes root_ca_crl;
  Bytes pck_crl;
  std::string tcb_info_issuer_chain;
  std::string tcb_info_json;  // the signed bytes
  Bytes tcb_info_signature;   // r || s
  std::string qe_identity_issuer_chain;
  std::string qe_identity_json;  // the signed bytes
  Bytes qe_identity_signature;   // r || s

  // Parsed from tcb_info_json and qe_identity_json.
  TcbInfo tcb_info;
  QeIdentity qe_identity;
};

StatusOr<Collateral> ParseCollateral(std::string_view json);

}  // namespace coffer::attest

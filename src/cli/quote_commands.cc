// `coffer quote verify`: checks an SGX/TDX DCAP quote or a Coffer
// simulation quote offline, as the CAS will (attest/dcap_verify.h).
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "attest/collateral.h"
#include "attest/dcap_verify.h"
#include "attest/intel_root.h"
#include "attest/timestamp.h"
#include "cli/commands.h"
#include "common/encoding.h"
#include "common/files.h"

namespace coffer::cli {
namespace {

constexpr size_t kMaxInputBytes = 1u
                                  << 20;  // quotes are ~5 KiB, collateral ~20

struct VerifyFlags {
  std::string quote;
  std::string collateral;
  std::string now;
  std::string root;
  bool json = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "coffer: quote verify: " << message << "\n";
  return code;
}

StatusOr<crypto::Certificate> LoadRoot(const std::string& path) {
  if (path.empty()) return attest::IntelSgxRootCa();
  COFFER_ASSIGN_OR_RETURN(std::string der, ReadFile(path, kMaxInputBytes));
  return crypto::Certificate::FromDer(AsBytes(der));
}

void PrintResult(const attest::VerifiedQuote& quote) {
  std::cout << "authentic " << attest::QuoteTypeName(quote.type) << " quote\n"
            << "tcb_status: " << attest::TcbStatusName(quote.tcb_status) << "\n"
            << "advisory_ids:";
  for (size_t i = 0; i < quote.advisory_ids.size(); ++i) {
    std::cout << (i == 0 ? " " : ", ") << quote.advisory_ids[i];
  }
  std::cout << "\n"
            << "debug: " << (quote.debug ? "true" : "false") << "\n"
            << "mrenclave: " << HexEncode(quote.mrenclave) << "\n"
            << "mrsigner: " << HexEncode(quote.mrsigner) << "\n"
            << "isv_prod_id: " << quote.isv_prod_id << "\n"
            << "isv_svn: " << quote.isv_svn << "\n"
            << "report_data: " << HexEncode(quote.report_data) << "\n";
  if (quote.type == attest::QuoteType::kSimulation) {
    std::cout << "platform_id: " << quote.platform_id << "\n";
  }
  if (quote.fmspc.has_value()) {
    std::cout << "fmspc: " << HexEncode(*quote.fmspc) << "\n";
  }
}

int RunVerify(const VerifyFlags& flags) {
  StatusOr<std::string> quote = ReadFile(flags.quote, kMaxInputBytes);
  if (!quote.ok()) {
    return Fail(kExitBadInput,
                "cannot read " + flags.quote + ": " + quote.status().message());
  }
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  if (!flags.now.empty()) {
    StatusOr<attest::TimePoint> parsed = attest::ParseRfc3339(flags.now);
    if (!parsed.ok()) {
      return Fail(kExitBadInput, "--now: " + parsed.status().message());
    }
    now = *parsed;
  }
  StatusOr<crypto::Certificate> root = LoadRoot(flags.root);
  if (!root.ok()) {
    return Fail(kExitBadInput,
                "--root " + flags.root + ": " + root.status().message());
  }
  std::optional<attest::Collateral> collateral;
  if (!flags.collateral.empty()) {
    StatusOr<std::string> text = ReadFile(flags.collateral, kMaxInputBytes);
    if (!text.ok()) {
      return Fail(kExitBadInput, "cannot read " + flags.collateral + ": " +
                                     text.status().message());
    }
    StatusOr<attest::Collateral> parsed = attest::ParseCollateral(*text);
    if (!parsed.ok()) {
      return Fail(kExitBadInput,
                  flags.collateral + ": " + parsed.status().message());
    }
    collateral = std::move(parsed).value();
  }

  StatusOr<attest::VerifiedQuote> verified = attest::VerifyQuote(
      AsBytes(*quote), collateral ? &*collateral : nullptr, now, *root);
  if (!verified.ok()) {
    return Fail(kExitRefused, flags.quote + ": " + verified.status().message());
  }
  if (!collateral && verified->type != attest::QuoteType::kSimulation) {
    std::cerr << "coffer: quote verify: no --collateral: the TCB status is "
                 "unknown; only the signatures and the certificate chain "
                 "were checked\n";
  }
  if (flags.json) {
    std::cout << verified->ToJson() << "\n";
  } else {
    PrintResult(*verified);
  }
  return kExitOk;
}

}  // namespace

void AddQuoteCommands(CLI::App& app, ExitCode& exit_code) {
  CLI::App* quote = app.add_subcommand(
      "quote", "Verify SGX/TDX DCAP quotes and Coffer simulation quotes");
  quote->require_subcommand(1);

  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* verify = quote->add_subcommand(
      "verify",
      "Verify a quote offline: signatures, the PCK chain up to the Intel SGX "
      "Root CA and, with --collateral, the TCB status. Exit 0 if authentic, "
      "1 if not (the failed check on stderr), 2 for unreadable or malformed "
      "input files and options");
  verify->add_option("QUOTE", flags->quote, "The quote (binary)")->required();
  verify->add_option("--collateral", flags->collateral,
                     "Collateral JSON (pck_crl, tcb_info, qe_identity, ... as "
                     "in testdata/dcap/*_collateral.json); without it the "
                     "TCB status is Unknown");
  verify->add_option("--now", flags->now,
                     "The time to verify at, RFC 3339 (2025-07-01T00:00:00Z); "
                     "default: the current time");
  verify->add_option("--root", flags->root,
                     "Trusted root certificate (DER); default: the "
                     "production Intel SGX Root CA built into coffer");
  verify->add_flag("--json", flags->json,
                   "Print the result as one JSON object");
  verify->callback(
      [flags, &exit_code] { exit_code.value = RunVerify(*flags); });
}

}  // namespace coffer::cli

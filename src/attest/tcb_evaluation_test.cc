// The TCB status rules (tcb_evaluation.h) on the real sgx_quote and
// tdx_quote with their collateral, edited in memory: the signatures are not
// involved here, only the matching and convergence.
#include "attest/tcb_evaluation.h"

#include <gtest/gtest.h>

#include "attest/pck_extension.h"
#include "attest/test_util.h"
#include "crypto/certificate.h"

namespace coffer::attest::internal {
namespace {

using testing::LoadCollateral;
using testing::ReadTestData;
using testing::ValueOrDie;

PckExtension PckOf(const Quote& quote) {
  const std::vector<crypto::Certificate> chain = ValueOrDie(
      crypto::ParsePemCertificates(AsString(quote.certification_data)));
  return ValueOrDie(ParsePckExtension(chain.front()));
}

class TcbEvaluationTest : public ::testing::Test {
 protected:
  Quote sgx_ = ValueOrDie(ParseQuote(ReadTestData("sgx_quote")));
  PckExtension sgx_pck_ = PckOf(sgx_);
  Collateral sgx_collateral_ = LoadCollateral("sgx_quote_collateral.json");
  Quote tdx_ = ValueOrDie(ParseQuote(ReadTestData("tdx_quote")));
  PckExtension tdx_pck_ = PckOf(tdx_);
  Collateral tdx_collateral_ = LoadCollateral("tdx_quote_collateral.json");
};

std::vector<std::string> Ids(std::initializer_list<const char*> ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
}

TEST_F(TcbEvaluationTest, PckExtensionOfTheRealQuotes) {
  EXPECT_EQ(HexEncode(sgx_pck_.fmspc), "00a067110000");
  EXPECT_EQ(HexEncode(sgx_pck_.pce_id), "0000");
  EXPECT_EQ(HexEncode(sgx_pck_.cpu_svn_components),
            "0b0b0202ff0100000000000000000000");
  EXPECT_EQ(sgx_pck_.pce_svn, 13);
  EXPECT_EQ(sgx_pck_.sgx_type, 0u);
  EXPECT_FALSE(sgx_pck_.smt_enabled.has_value());  // Processor CA
  EXPECT_EQ(HexEncode(tdx_pck_.fmspc), "b0c06f000000");
  EXPECT_EQ(HexEncode(tdx_pck_.cpu_svn_components),
            "03030202040100050000000000000000");
  EXPECT_EQ(tdx_pck_.pce_svn, 11);
}

TEST_F(TcbEvaluationTest, SgxPlatformLevel) {
  const TcbEvaluation result =
      ValueOrDie(EvaluateTcb(sgx_, sgx_pck_, sgx_collateral_));
  EXPECT_EQ(result.status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(result.advisory_ids, Ids({"INTEL-SA-00289", "INTEL-SA-00615"}));
}

TEST_F(TcbEvaluationTest, OutOfDateQeConvergesAndAddsItsAdvisories) {
  // Without its UpToDate level, the QE (ISV SVN 10) matches ISV SVN 6:
  // OutOfDate with INTEL-SA-00615.
  auto& qe_levels = sgx_collateral_.qe_identity.tcb_levels;
  qe_levels.erase(qe_levels.begin());
  TcbEvaluation result =
      ValueOrDie(EvaluateTcb(sgx_, sgx_pck_, sgx_collateral_));
  EXPECT_EQ(result.status, TcbStatus::kOutOfDateConfigurationNeeded);
  EXPECT_EQ(result.advisory_ids, Ids({"INTEL-SA-00289", "INTEL-SA-00615"}));

  sgx_collateral_.tcb_info.tcb_levels[1].status = TcbStatus::kSwHardeningNeeded;
  sgx_collateral_.tcb_info.tcb_levels[1].advisory_ids = {"INTEL-SA-00001"};
  result = ValueOrDie(EvaluateTcb(sgx_, sgx_pck_, sgx_collateral_));
  EXPECT_EQ(result.status, TcbStatus::kOutOfDate);
  EXPECT_EQ(result.advisory_ids, Ids({"INTEL-SA-00001", "INTEL-SA-00615"}));
}

TEST_F(TcbEvaluationTest, RevokedQeOrPlatformIsRevoked) {
  sgx_collateral_.qe_identity.tcb_levels[0].status = TcbStatus::kRevoked;
  EXPECT_EQ(ValueOrDie(EvaluateTcb(sgx_, sgx_pck_, sgx_collateral_)).status,
            TcbStatus::kRevoked);
  sgx_collateral_.qe_identity.tcb_levels[0].status = TcbStatus::kUpToDate;
  sgx_collateral_.tcb_info.tcb_levels[1].status = TcbStatus::kRevoked;
  EXPECT_EQ(ValueOrDie(EvaluateTcb(sgx_, sgx_pck_, sgx_collateral_)).status,
            TcbStatus::kRevoked);
}

TEST_F(TcbEvaluationTest, NoMatchingLevelIsTcbNotSupported) {
  for (TcbLevel& level : sgx_collateral_.tcb_info.tcb_levels) {
    level.pce_svn = 14;
  }
  EXPECT_EQ(EvaluateTcb(sgx_, sgx_pck_, sgx_collateral_).status(),
            FailedPreconditionError(
                "TCB not supported: no level of the tcb_info matches the PCK "
                "certificate's TCB (CPU SVN components "
                "0b0b0202ff0100000000000000000000, PCE SVN 13)"));
}

TEST_F(TcbEvaluationTest, CollateralForAnotherPlatform) {
  Collateral collateral = sgx_collateral_;
  collateral.tcb_info.fmspc[5] = 1;
  EXPECT_EQ(EvaluateTcb(sgx_, sgx_pck_, collateral).status(),
            FailedPreconditionError(
                "collateral's tcb_info is for FMSPC 00a067110001, but the PCK "
                "certificate's FMSPC is 00a067110000"));
  collateral = sgx_collateral_;
  collateral.tcb_info.pce_id[0] = 1;
  EXPECT_EQ(EvaluateTcb(sgx_, sgx_pck_, collateral).status(),
            FailedPreconditionError(
                "collateral's tcb_info is for PCE ID 0100, but the PCK "
                "certificate's PCE ID is 0000"));
  EXPECT_EQ(EvaluateTcb(sgx_, sgx_pck_, tdx_collateral_).status(),
            FailedPreconditionError(
                "collateral's tcb_info is for TDX, but the quote is SGX"));
  collateral = tdx_collateral_;
  collateral.qe_identity = sgx_collateral_.qe_identity;
  EXPECT_EQ(EvaluateTcb(tdx_, tdx_pck_, collateral).status(),
            FailedPreconditionError("collateral's qe_identity is for \"QE\", "
                                    "but the quote needs \"TD_QE\""));
}

TEST_F(TcbEvaluationTest, QuotingEnclaveMustMatchItsIdentity) {
  auto evaluate = [&](const QeIdentity& identity) {
    Collateral collateral = sgx_collateral_;
    collateral.qe_identity = identity;
    return EvaluateTcb(sgx_, sgx_pck_, collateral).status();
  };
  const QeIdentity& original = sgx_collateral_.qe_identity;
  QeIdentity identity = original;
  identity.mr_signer[0] ^= 1;
  EXPECT_EQ(evaluate(identity),
            UnauthenticatedError(
                "QE report does not match the qe_identity: MRSIGNER "
                "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57b"
                "ff is not "
                "8d4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57b"
                "ff"));
  identity = original;
  identity.isv_prod_id = 2;
  EXPECT_EQ(evaluate(identity),
            UnauthenticatedError("QE report does not match the qe_identity: "
                                 "ISV product ID 1 is not 2"));
  identity = original;
  identity.miscselect[0] = 1;
  EXPECT_EQ(evaluate(identity),
            UnauthenticatedError("QE report does not match the qe_identity: "
                                 "MISCSELECT 00000000"));
  identity = original;
  identity.attributes[0] = 0x13;  // the QE's flags are 0x15, mask 0xFB
  EXPECT_EQ(
      evaluate(identity),
      UnauthenticatedError("QE report does not match the qe_identity: "
                           "attributes 1500000000000000e700000000000000"));
  identity = original;
  for (IdentityTcbLevel& level : identity.tcb_levels) level.isv_svn += 20;
  EXPECT_EQ(evaluate(identity),
            FailedPreconditionError("TCB not supported: the QE's ISV SVN 10 "
                                    "is below every level of the "
                                    "qe_identity"));
}

TEST_F(TcbEvaluationTest, TdxUpToDate) {
  const TcbEvaluation result =
      ValueOrDie(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_));
  EXPECT_EQ(result.status, TcbStatus::kUpToDate);
  EXPECT_TRUE(result.advisory_ids.empty());
}

TdxModuleIdentity& ModuleIdentity(Collateral& collateral,
                                  const std::string& id) {
  for (TdxModuleIdentity& identity :
       collateral.tcb_info.tdx_module_identities) {
    if (identity.id == id) return identity;
  }
  ADD_FAILURE() << "no " << id;
  std::abort();
}

TEST_F(TcbEvaluationTest, OutOfDateTdxModule) {
  // The quote's module: major version 1, ISV SVN 6.
  TdxModuleIdentity& module = ModuleIdentity(tdx_collateral_, "TDX_01");
  module.tcb_levels[0].isv_svn = 7;
  module.tcb_levels[1].advisory_ids = {"INTEL-SA-00002"};
  const TcbEvaluation result =
      ValueOrDie(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_));
  EXPECT_EQ(result.status, TcbStatus::kOutOfDate);
  EXPECT_EQ(result.advisory_ids, Ids({"INTEL-SA-00002"}));
}

TEST_F(TcbEvaluationTest, TdxModuleMustMatch) {
  TdxModuleIdentity& module = ModuleIdentity(tdx_collateral_, "TDX_01");
  module.id = "tdx_01";  // Intel compares without case
  EXPECT_TRUE(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_).ok());
  module.module.mr_signer[47] = 1;
  EXPECT_EQ(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_).status(),
            UnauthenticatedError(
                "TD report's MRSIGNERSEAM " + std::string(96, '0') +
                " is not the TDX module's " + std::string(94, '0') + "01"));
  module.id = "TDX_02";
  EXPECT_EQ(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_).status(),
            FailedPreconditionError("collateral's tcb_info has no TDX module "
                                    "identity TDX_01 for the quote's TDX "
                                    "module"));
}

TEST_F(TcbEvaluationTest, TdxComponentsSelectTheLevel) {
  // TEE_TCB_SVN 06 01 03 ...: from the third byte on when the module's
  // major version (second byte) is not 0.
  tdx_collateral_.tcb_info.tcb_levels[0].tdx_components->at(0) = 200;
  EXPECT_EQ(ValueOrDie(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_)).status,
            TcbStatus::kUpToDate);
  for (TcbLevel& level : tdx_collateral_.tcb_info.tcb_levels) {
    level.tdx_components->at(2) = 4;
  }
  EXPECT_EQ(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_).status(),
            FailedPreconditionError("TCB not supported: no TDX level of the "
                                    "tcb_info matches the TEE TCB SVN "
                                    "06010300000000000000000000000000"));
}

TEST_F(TcbEvaluationTest, TdxModuleVersionZeroUsesTdxModule) {
  tdx_.td_report->tee_tcb_svn[1] = 0;
  EXPECT_EQ(ValueOrDie(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_)).status,
            TcbStatus::kUpToDate);
  // All 16 bytes count now: level 0 wants 5 for the first.
  tdx_.td_report->tee_tcb_svn[0] = 4;
  EXPECT_EQ(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_).status().code(),
            StatusCode::kFailedPrecondition);
  tdx_.td_report->tee_tcb_svn[0] = 6;
  tdx_collateral_.tcb_info.tdx_module->mr_signer[0] = 1;
  EXPECT_EQ(EvaluateTcb(tdx_, tdx_pck_, tdx_collateral_).status().code(),
            StatusCode::kUnauthenticated);
}

TEST(TcbStatusTest, ConvergenceFollowsIntelsRules) {
  using enum TcbStatus;
  EXPECT_EQ(ConvergeTcbStatus(kUpToDate, kUpToDate), kUpToDate);
  EXPECT_EQ(ConvergeTcbStatus(kSwHardeningNeeded, kUpToDate),
            kSwHardeningNeeded);
  EXPECT_EQ(ConvergeTcbStatus(kUpToDate, kOutOfDate), kOutOfDate);
  EXPECT_EQ(ConvergeTcbStatus(kSwHardeningNeeded, kOutOfDate), kOutOfDate);
  EXPECT_EQ(ConvergeTcbStatus(kConfigurationNeeded, kOutOfDate),
            kOutOfDateConfigurationNeeded);
  EXPECT_EQ(ConvergeTcbStatus(kConfigurationAndSwHardeningNeeded, kOutOfDate),
            kOutOfDateConfigurationNeeded);
  EXPECT_EQ(ConvergeTcbStatus(kOutOfDateConfigurationNeeded, kOutOfDate),
            kOutOfDateConfigurationNeeded);
  EXPECT_EQ(ConvergeTcbStatus(kRevoked, kOutOfDate), kRevoked);
  EXPECT_EQ(ConvergeTcbStatus(kUpToDate, kRevoked), kRevoked);
  EXPECT_EQ(TcbStatusName(kConfigurationAndSwHardeningNeeded),
            "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(ParseTcbLevelStatus("SWHardeningNeeded"), kSwHardeningNeeded);
  EXPECT_EQ(ParseTcbLevelStatus("Unknown"), std::nullopt);
  EXPECT_EQ(ParseIdentityLevelStatus("SWHardeningNeeded"), std::nullopt);
  EXPECT_EQ(ParseIdentityLevelStatus("Revoked"), kRevoked);
}

}  // namespace
}  // namespace coffer::attest::internal

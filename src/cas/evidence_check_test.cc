// CheckEvidence with real simulation quotes from a real LAS running in this
// process (it quotes this test binary, whose measurement is therefore
// las::MeasureSelf()), and each check broken once.
#include "cas/evidence_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cas/cas_client.h"
#include "cas/client_config.h"
#include "crypto/hash.h"
#include "las/client.h"
#include "las/measurement.h"
#include "las/running_las.h"
#include "las/test_util.h"
#include "net/test_support.h"

namespace coffer::cas {
namespace {

using crypto::testing::ValueOrDie;
using net::testing::ClientIdentity;
using net::testing::ServerIdentity;

// The LAS's platform certificate is made at kCreated; quotes are checked a
// month later.
const auto kCreated = std::chrono::system_clock::from_time_t(1748736000);
const auto kNow = kCreated + std::chrono::hours(24 * 30);

// One LAS for the whole suite, its platform made at kCreated.
class RunningLas {
 public:
  RunningLas() : las_(dir_.path(), kCreated) {
    EXPECT_TRUE(las_.ok()) << las_.status().ToString();
  }

  const std::string& platform_id() const { return las_.platform().id(); }

  las::QuoteReply Quote(std::span<const uint8_t> report_data) const {
    return ValueOrDie(las_.client().Quote(report_data));
  }

 private:
  las::testing::TempDir dir_;
  las::testing::RunningLas las_;
};

// SHA-256 of the certificate's SubjectPublicKeyInfo: what a CAS quotes.
crypto::Sha256Digest KeyHash(const crypto::Certificate& certificate) {
  return crypto::Sha256(certificate.PublicKeyDer());
}

class EvidenceCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    las_ = new RunningLas();
    const crypto::Sha256Digest bound = KeyHash(ServerIdentity().certificate);
    reply_ = new las::QuoteReply(las_->Quote(bound));
  }
  static void TearDownTestSuite() {
    delete reply_;
    delete las_;
  }

  // What a genuine CAS presenting ServerIdentity() answers.
  static CasEvidence Genuine() {
    return CasEvidence{ServerIdentity().certificate.ToPem(), reply_->quote,
                       reply_->platform_id, HexEncode(reply_->mr_enclave),
                       "simulation"};
  }
  static Bytes Presented() { return ServerIdentity().certificate.ToDer(); }
  static EvidenceOptions Accepting() {
    EvidenceOptions options;
    options.accept_simulation = true;
    options.now = kNow;
    return options;
  }

  static RunningLas* las_;
  static las::QuoteReply* reply_;
};

RunningLas* EvidenceCheckTest::las_ = nullptr;
las::QuoteReply* EvidenceCheckTest::reply_ = nullptr;

TEST_F(EvidenceCheckTest, TrustsGenuineEvidence) {
  // Default measurement: this executable's own (`coffer measure --self`).
  TrustedCas trusted =
      ValueOrDie(CheckEvidence(Genuine(), Presented(), Accepting()));
  EXPECT_EQ(trusted.certificate.ToDer(), Presented());
  EXPECT_EQ(trusted.identity, net::IdentityOf(ServerIdentity().certificate));
  EXPECT_EQ(trusted.quote.type, attest::QuoteType::kSimulation);
  EXPECT_EQ(trusted.quote.platform_id, las_->platform_id());
  EXPECT_EQ(HexEncode(trusted.quote.mrenclave),
            ValueOrDie(las::MeasureSelf()).Hex());

  EvidenceOptions explicit_lists = Accepting();
  explicit_lists.mrenclaves = {std::string(64, 'a'),
                               HexEncode(reply_->mr_enclave)};
  // Upper-case hex is the same ID.
  std::string upper = las_->platform_id();
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  explicit_lists.platforms = {upper};
  EXPECT_TRUE(CheckEvidence(Genuine(), Presented(), explicit_lists).ok());
}

TEST_F(EvidenceCheckTest, RefusesSimulationWithoutTheFlag) {
  EvidenceOptions options = Accepting();
  options.accept_simulation = false;
  EXPECT_EQ(CheckEvidence(Genuine(), Presented(), options).status(),
            PermissionDeniedError("the CAS runs in simulation mode; pass "
                                  "--accept-simulation to trust it anyway"));
}

TEST_F(EvidenceCheckTest, RefusesAnotherPresentedCertificate) {
  EXPECT_EQ(CheckEvidence(Genuine(), ClientIdentity().certificate.ToDer(),
                          Accepting())
                .status(),
            UnauthenticatedError("the CAS presented another TLS certificate "
                                 "than the one its evidence names"));
  // Evidence that names the presented certificate, with a quote for another
  // key: the binding check catches it.
  CasEvidence relabelled = Genuine();
  relabelled.certificate_pem = ClientIdentity().certificate.ToPem();
  Status status =
      CheckEvidence(relabelled, ClientIdentity().certificate.ToDer(),
                    Accepting())
          .status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(),
            "the CAS's quote does not bind its TLS key: its report data "
            "begins with " +
                HexEncode(KeyHash(ServerIdentity().certificate)) +
                ", not the SHA-256 of the certificate's public key " +
                HexEncode(KeyHash(ClientIdentity().certificate)));
}

TEST_F(EvidenceCheckTest, RefusesAQuoteForAnotherKey) {
  const las::QuoteReply other =
      las_->Quote(KeyHash(ClientIdentity().certificate));
  CasEvidence evidence = Genuine();
  evidence.quote = other.quote;
  Status status = CheckEvidence(evidence, Presented(), Accepting()).status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(
      status.message().starts_with("the CAS's quote does not bind its TLS key"))
      << status.message();
}

TEST_F(EvidenceCheckTest, RefusesExtraReportData) {
  Bytes report_data(64, 0x01);
  const crypto::Sha256Digest bound = KeyHash(ServerIdentity().certificate);
  std::copy(bound.begin(), bound.end(), report_data.begin());
  CasEvidence evidence = Genuine();
  evidence.quote = las_->Quote(report_data).quote;
  EXPECT_EQ(CheckEvidence(evidence, Presented(), Accepting()).status(),
            UnauthenticatedError(
                "the CAS's quote has unexpected report data after its key "
                "hash: " +
                HexEncode(Bytes(32, 1))));
}

TEST_F(EvidenceCheckTest, RefusesATamperedQuote) {
  CasEvidence evidence = Genuine();
  evidence.quote[100] ^= 0x01;  // inside the report body
  Status status = CheckEvidence(evidence, Presented(), Accepting()).status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(status.message().starts_with("the CAS's quote: "))
      << status.message();
}

TEST_F(EvidenceCheckTest, RefusesAnotherMeasurement) {
  EvidenceOptions options = Accepting();
  options.mrenclaves = {std::string(64, 'a')};
  EXPECT_EQ(CheckEvidence(Genuine(), Presented(), options).status(),
            PermissionDeniedError(
                "the CAS's measurement " + HexEncode(reply_->mr_enclave) +
                " is not an accepted one (" + std::string(64, 'a') + ")"));
  options.mrenclaves = {"not hex"};
  EXPECT_EQ(CheckEvidence(Genuine(), Presented(), options).status(),
            InvalidArgumentError("--mrenclave \"not hex\" is not 64 hex "
                                 "digits (96 for TDX)"));
}

TEST_F(EvidenceCheckTest, RefusesAnotherPlatform) {
  EvidenceOptions options = Accepting();
  options.platforms = {std::string(64, 'b'), std::string(64, 'c')};
  EXPECT_EQ(CheckEvidence(Genuine(), Presented(), options).status(),
            PermissionDeniedError(
                "the CAS runs on platform " + las_->platform_id() +
                ", which is not an accepted one (" + std::string(64, 'b') +
                ", " + std::string(64, 'c') + ")"));
}

TEST_F(EvidenceCheckTest, RefusesClaimsTheQuoteDoesNotMake) {
  CasEvidence evidence = Genuine();
  evidence.measurement = std::string(64, 'e');
  EXPECT_EQ(
      CheckEvidence(evidence, Presented(), Accepting()).status(),
      UnauthenticatedError("the CAS's evidence says measurement \"" +
                           std::string(64, 'e') + "\" but its quote says \"" +
                           HexEncode(reply_->mr_enclave) + "\""));
  evidence = Genuine();
  evidence.type = "sgx";
  EXPECT_EQ(CheckEvidence(evidence, Presented(), Accepting()).status().code(),
            StatusCode::kUnauthenticated);
  evidence = Genuine();
  evidence.platform_id = std::string(64, 'f');
  EXPECT_EQ(CheckEvidence(evidence, Presented(), Accepting()).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(EvidenceCheckTest, ParsesTheEvidenceBody) {
  const CasEvidence genuine = Genuine();
  nlohmann::json body = {{"certificate", genuine.certificate_pem},
                         {"quote", HexEncode(genuine.quote)},
                         {"platform_id", genuine.platform_id},
                         {"measurement", genuine.measurement},
                         {"type", "simulation"}};
  CasEvidence parsed = ValueOrDie(ParseEvidence(body.dump()));
  EXPECT_EQ(parsed.quote, genuine.quote);
  EXPECT_EQ(parsed.certificate_pem, genuine.certificate_pem);
  EXPECT_TRUE(CheckEvidence(parsed, Presented(), Accepting()).ok());

  EXPECT_EQ(ParseEvidence("[1]").status(),
            InvalidArgumentError("CAS evidence: not a JSON object"));
  body.erase("type");
  EXPECT_EQ(ParseEvidence(body.dump()).status(),
            InvalidArgumentError(
                "CAS evidence: \"type\" is missing or not a string"));
  body["type"] = "sgx";
  body["quote"] = "xyz";
  EXPECT_EQ(ParseEvidence(body.dump()).status().code(),
            StatusCode::kInvalidArgument);
  body["quote"] = "";
  EXPECT_EQ(ParseEvidence(body.dump()).status(),
            InvalidArgumentError("CAS evidence: \"quote\" is not hex (empty)"));
  CasEvidence bad_pem = Genuine();
  bad_pem.certificate_pem = "nope";
  EXPECT_EQ(CheckEvidence(bad_pem, Presented(), Accepting()).status().code(),
            StatusCode::kInvalidArgument);
}

// `coffer cas attest` end to end against a fake CAS: connect accepting any
// certificate, fetch the evidence, check it against what was presented.
TEST_F(EvidenceCheckTest, AttestsAServerOverTls) {
  const CasEvidence genuine = Genuine();
  const std::string body = nlohmann::json{
      {"certificate", genuine.certificate_pem},
      {"quote", HexEncode(genuine.quote)},
      {"platform_id", genuine.platform_id},
      {"measurement", genuine.measurement},
      {"type", genuine.type}}.dump();
  net::Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/v1/evidence",
                       [body](const net::Request&) -> StatusOr<net::Response> {
                         return net::JsonResponse(body);
                       })
                  .ok());
  auto server = net::testing::StartServer(std::move(router));
  const CasAddress address{"127.0.0.1", server->port()};
  auto cas = ValueOrDie(
      CasClient::ConnectForAttestation(address, ClientIdentity().tls()));
  const CasEvidence evidence = ValueOrDie(cas->Evidence());
  TrustedCas trusted = ValueOrDie(
      CheckEvidence(evidence, cas->server_certificate_der(), Accepting()));
  EXPECT_EQ(trusted.certificate.ToDer(), Presented());

  // The same evidence relayed by a server with another certificate fails.
  const net::testing::Identity relay =
      net::testing::MakeIdentity(*ServerIdentity().key, "relay");
  net::Router relay_router;
  ASSERT_TRUE(relay_router
                  .Add("GET", "/v1/evidence",
                       [body](const net::Request&) -> StatusOr<net::Response> {
                         return net::JsonResponse(body);
                       })
                  .ok());
  auto relay_server = ValueOrDie(net::HttpServer::Start(
      net::testing::TestConfig(), net::testing::ServerContext(relay),
      std::move(relay_router)));
  auto relayed = ValueOrDie(CasClient::ConnectForAttestation(
      {"127.0.0.1", relay_server->port()}, ClientIdentity().tls()));
  EXPECT_EQ(CheckEvidence(ValueOrDie(relayed->Evidence()),
                          relayed->server_certificate_der(), Accepting())
                .status()
                .code(),
            StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace coffer::cas

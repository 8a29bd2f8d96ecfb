#include "las/sim_quote.h"

#include <gtest/gtest.h>

#include <chrono>

#include "crypto/ecdsa_raw.h"
#include "crypto/random.h"
#include "las/platform_certificate.h"

namespace coffer::las {
namespace {

// Offsets from the contract (Intel's sgx_quote_t v3), written out here
// rather than shared with the builder so that the test checks it.
constexpr size_t kHeader = 0;
constexpr size_t kBody = 48;
constexpr size_t kSignatureLength = 432;
constexpr size_t kSignatureData = 436;
constexpr size_t kQuoteSignature = kSignatureData;       // 64
constexpr size_t kAttestationKey = kSignatureData + 64;  // 64
constexpr size_t kQeReport = kSignatureData + 128;       // 384
constexpr size_t kQeSignature = kQeReport + 384;         // 64
constexpr size_t kAuthSize = kQeSignature + 64;          // u16
constexpr size_t kAuthData = kAuthSize + 2;              // 32
constexpr size_t kCertType = kAuthData + 32;             // u16
constexpr size_t kCertSize = kCertType + 2;              // u32
constexpr size_t kCertData = kCertSize + 4;
// Within a report body.
constexpr size_t kFlags = 48;
constexpr size_t kXfrm = 56;
constexpr size_t kMrEnclave = 64;
constexpr size_t kMrSigner = 128;
constexpr size_t kReportData = 320;

uint64_t Le(const Bytes& b, size_t at, int size) {
  uint64_t v = 0;
  for (int i = size - 1; i >= 0; --i) v = (v << 8) | b[at + i];
  return v;
}

std::span<const uint8_t> Slice(const Bytes& b, size_t at, size_t size) {
  return std::span(b).subspan(at, size);
}

Bytes ToBytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

// Everything in a report body other than the named fields is zero.
void ExpectOnlyFieldsSet(const Bytes& quote, size_t body, const char* which) {
  for (size_t i = 0; i < 384; ++i) {
    const bool field = (i >= kFlags && i < kFlags + 16) ||
                       (i >= kMrEnclave && i < kMrEnclave + 32) ||
                       (i >= kMrSigner && i < kMrSigner + 32) ||
                       i >= kReportData;
    if (!field) {
      ASSERT_EQ(quote[body + i], 0) << which << " byte " << i;
    }
  }
}

class SimQuoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto attestation = crypto::PrivateKey::Generate(crypto::KeyType::kP256);
    auto platform = crypto::PrivateKey::Generate(crypto::KeyType::kP256);
    ASSERT_TRUE(attestation.ok() && platform.ok());
    attestation_key_.emplace(std::move(attestation).value());
    platform_key_.emplace(std::move(platform).value());
    auto certificate = MakePlatformCertificate(
        *platform_key_, std::chrono::system_clock::from_time_t(1748736000));
    ASSERT_TRUE(certificate.ok()) << certificate.status().ToString();
    pem_ = certificate->ToPem();
    mr_enclave_.fill(0xe1);
    mr_signer_.fill(0x51);
    las_identity_.fill(0x1a);
    auth_data_ = Bytes(32, 0xad);
  }

  StatusOr<Bytes> Build(std::span<const uint8_t> report_data) {
    const QuotedEnclave enclave{mr_enclave_, mr_signer_, report_data};
    const QuotingIdentity identity{*attestation_key_, *platform_key_, pem_,
                                   las_identity_};
    return BuildSimQuote(enclave, identity, auth_data_);
  }

  std::optional<crypto::PrivateKey> attestation_key_;
  std::optional<crypto::PrivateKey> platform_key_;
  std::string pem_;
  crypto::Sha256Digest mr_enclave_{};
  crypto::Sha256Digest mr_signer_{};
  crypto::Sha256Digest las_identity_{};
  Bytes auth_data_;
};

TEST_F(SimQuoteTest, HeaderAndReportBody) {
  const Bytes report_data = {1, 2, 3, 4, 5};
  StatusOr<Bytes> built = Build(report_data);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const Bytes& q = *built;
  EXPECT_EQ(Le(q, kHeader + 0, 2), 3u) << "version";
  EXPECT_EQ(Le(q, kHeader + 2, 2), 2u) << "attestation key type";
  EXPECT_EQ(Le(q, kHeader + 4, 4), 0u) << "tee type SGX";
  EXPECT_EQ(Le(q, kHeader + 8, 4), 0u) << "qe_svn, pce_svn";
  EXPECT_EQ(AsString(Slice(q, kHeader + 12, 16)), "COFFER-SIMULATE!");
  EXPECT_EQ(ToBytes(Slice(q, kHeader + 28, 20)), Bytes(20, 0)) << "user data";

  EXPECT_EQ(Le(q, kBody + kFlags, 8), 0x05u) << "INIT|MODE64BIT, no DEBUG";
  EXPECT_EQ(Le(q, kBody + kXfrm, 8), 0x03u);
  EXPECT_EQ(ToBytes(Slice(q, kBody + kMrEnclave, 32)), ToBytes(mr_enclave_));
  EXPECT_EQ(ToBytes(Slice(q, kBody + kMrSigner, 32)), ToBytes(mr_signer_));
  Bytes padded = report_data;
  padded.resize(64, 0);
  EXPECT_EQ(ToBytes(Slice(q, kBody + kReportData, 64)), padded);
  ExpectOnlyFieldsSet(q, kBody, "ISV report");
}

TEST_F(SimQuoteTest, SignatureDataAndSignatures) {
  const Bytes report_data(64, 0x77);
  StatusOr<Bytes> built = Build(report_data);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const Bytes& q = *built;

  const size_t signature_length = Le(q, kSignatureLength, 4);
  EXPECT_EQ(q.size(), kSignatureData + signature_length);
  EXPECT_EQ(signature_length,
            64 + 64 + 384 + 64 + 2 + 32 + 2 + 4 + pem_.size());

  // The attestation key signs header || body.
  const Bytes attestation_key = ToBytes(Slice(q, kAttestationKey, 64));
  EXPECT_EQ(attestation_key,
            *crypto::P256PublicKeyToRaw(attestation_key_->public_key()));
  EXPECT_TRUE(crypto::VerifyEcdsaP256Raw(attestation_key, Slice(q, 0, 432),
                                         Slice(q, kQuoteSignature, 64))
                  .ok());

  // The QE report binds the attestation key and is signed by the platform.
  EXPECT_EQ(ToBytes(Slice(q, kQeReport + kMrEnclave, 32)),
            ToBytes(las_identity_));
  EXPECT_EQ(Le(q, kQeReport + kFlags, 8), 0x05u);
  crypto::Sha256Hasher binding;
  binding.Update(attestation_key);
  binding.Update(auth_data_);
  const crypto::Sha256Digest bound = binding.Finish();
  EXPECT_EQ(ToBytes(Slice(q, kQeReport + kReportData, 32)), ToBytes(bound));
  EXPECT_EQ(ToBytes(Slice(q, kQeReport + kReportData + 32, 32)), Bytes(32, 0));
  ExpectOnlyFieldsSet(q, kQeReport, "QE report");
  EXPECT_EQ(ToBytes(Slice(q, kQeReport + kMrSigner, 32)), Bytes(32, 0));
  EXPECT_EQ(Le(q, kQeReport + kXfrm, 8), 0u);
  const Bytes platform_key =
      *crypto::P256PublicKeyToRaw(platform_key_->public_key());
  EXPECT_TRUE(crypto::VerifyEcdsaP256Raw(platform_key, Slice(q, kQeReport, 384),
                                         Slice(q, kQeSignature, 64))
                  .ok());

  EXPECT_EQ(Le(q, kAuthSize, 2), 32u);
  EXPECT_EQ(ToBytes(Slice(q, kAuthData, 32)), auth_data_);
  EXPECT_EQ(Le(q, kCertType, 2), 5u);
  EXPECT_EQ(Le(q, kCertSize, 4), pem_.size());
  EXPECT_EQ(AsString(Slice(q, kCertData, pem_.size())), pem_);
}

TEST_F(SimQuoteTest, TamperingBreaksTheSignatures) {
  StatusOr<Bytes> built = Build(Bytes{9});
  ASSERT_TRUE(built.ok());
  Bytes q = *built;
  q[kBody + kMrEnclave] ^= 1;
  const Bytes attestation_key = ToBytes(Slice(q, kAttestationKey, 64));
  EXPECT_EQ(crypto::VerifyEcdsaP256Raw(attestation_key, Slice(q, 0, 432),
                                       Slice(q, kQuoteSignature, 64))
                .code(),
            StatusCode::kUnauthenticated);
}

TEST_F(SimQuoteTest, BadInputsAreRefused) {
  EXPECT_EQ(Build(Bytes()).status(),
            InvalidArgumentError("report data must be 1 to 64 bytes, it is 0"));
  EXPECT_EQ(
      Build(Bytes(65, 1)).status(),
      InvalidArgumentError("report data must be 1 to 64 bytes, it is 65"));
  auth_data_.resize(31);
  EXPECT_EQ(Build(Bytes{1}).status(),
            InvalidArgumentError("QE auth data must be 32 bytes"));
}

}  // namespace
}  // namespace coffer::las

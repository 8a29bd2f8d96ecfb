#include "las/sim_quote.h"

#include "crypto/ecdsa_raw.h"

namespace coffer::las {
namespace {

constexpr uint16_t kQuoteVersion = 3;
constexpr uint16_t kAttestationKeyTypeEcdsaP256 = 2;
constexpr uint32_t kTeeTypeSgx = 0;
constexpr uint64_t kAttributeFlags = 0x05;  // INIT | MODE64BIT, never DEBUG
constexpr uint64_t kAttributeXfrm = 0x03;
constexpr uint16_t kCertificationDataPlatformCertificate = 5;

// Appends little-endian integers and raw bytes.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void Raw(std::span<const uint8_t> bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
  void Zeros(size_t n) { out_.insert(out_.end(), n, 0); }

 private:
  void Le(uint64_t v, int size) {
    for (int i = 0; i < size; ++i)
      out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

// sgx_report_body_t with everything Coffer does not use set to zero. The
// contract gives the ISV report xfrm 0x03 and the QE report xfrm zero.
Bytes ReportBody(const crypto::Sha256Digest& mr_enclave,
                 const crypto::Sha256Digest& mr_signer, uint64_t xfrm,
                 std::span<const uint8_t> report_data) {
  Bytes body;
  Writer w(body);
  w.Zeros(16);  // cpu_svn
  w.U32(0);     // misc_select
  w.Zeros(28);  // reserved
  w.U64(kAttributeFlags);
  w.U64(xfrm);
  w.Raw(mr_enclave);
  w.Zeros(32);  // reserved
  w.Raw(mr_signer);
  w.Zeros(32);  // reserved
  w.Zeros(64);  // config_id
  w.U16(0);     // isv_prod_id
  w.U16(0);     // isv_svn
  w.U16(0);     // config_svn
  w.Zeros(42);  // reserved
  w.Zeros(16);  // isv_family_id
  w.Raw(report_data);
  w.Zeros(kReportDataSize - report_data.size());
  return body;
}

}  // namespace

StatusOr<Bytes> BuildSimQuote(const QuotedEnclave& enclave,
                              const QuotingIdentity& identity,
                              std::span<const uint8_t> qe_auth_data) {
  if (enclave.report_data.empty() ||
      enclave.report_data.size() > kReportDataSize) {
    return InvalidArgumentError("report data must be 1 to 64 bytes, it is " +
                                std::to_string(enclave.report_data.size()));
  }
  if (qe_auth_data.size() != kQeAuthDataSize) {
    return InvalidArgumentError("QE auth data must be 32 bytes");
  }
  Bytes quote;
  Writer w(quote);
  w.U16(kQuoteVersion);
  w.U16(kAttestationKeyTypeEcdsaP256);
  w.U32(kTeeTypeSgx);
  w.U16(0);  // qe_svn
  w.U16(0);  // pce_svn
  w.Raw(AsBytes(kSimulationVendorId));
  w.Zeros(20);  // user_data
  w.Raw(ReportBody(enclave.mr_enclave, enclave.mr_signer, kAttributeXfrm,
                   enclave.report_data));

  COFFER_ASSIGN_OR_RETURN(
      Bytes quote_signature,
      crypto::SignEcdsaP256Raw(identity.attestation_key, quote));
  COFFER_ASSIGN_OR_RETURN(
      Bytes attestation_key,
      crypto::P256PublicKeyToRaw(identity.attestation_key.public_key()));

  crypto::Sha256Hasher binding;
  binding.Update(attestation_key);
  binding.Update(qe_auth_data);
  const crypto::Sha256Digest qe_report_data = binding.Finish();
  const Bytes qe_report =
      ReportBody(identity.las_identity, crypto::Sha256Digest{}, 0,
                 std::span(qe_report_data.data(), qe_report_data.size()));
  COFFER_ASSIGN_OR_RETURN(
      Bytes qe_report_signature,
      crypto::SignEcdsaP256Raw(identity.platform_key, qe_report));

  const auto certificate = AsBytes(identity.platform_certificate_pem);
  Bytes signature_data;
  Writer s(signature_data);
  s.Raw(quote_signature);
  s.Raw(attestation_key);
  s.Raw(qe_report);
  s.Raw(qe_report_signature);
  s.U16(static_cast<uint16_t>(qe_auth_data.size()));
  s.Raw(qe_auth_data);
  s.U16(kCertificationDataPlatformCertificate);
  s.U32(static_cast<uint32_t>(certificate.size()));
  s.Raw(certificate);

  w.U32(static_cast<uint32_t>(signature_data.size()));
  w.Raw(signature_data);
  return quote;
}

}  // namespace coffer::las

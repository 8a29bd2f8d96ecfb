#include "attest/quote.h"

#include <string>

#include "attest/byte_reader.h"

namespace coffer::attest {
namespace {

std::string Hex16(uint32_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) {
    text += kDigits[(value >> shift) & 0xF];
  }
  return text;
}

Status ParseHeader(ByteReader& reader, QuoteHeader& header) {
  COFFER_ASSIGN_OR_RETURN(header.version, reader.ReadU16("version"));
  COFFER_ASSIGN_OR_RETURN(header.attestation_key_type,
                          reader.ReadU16("attestation key type"));
  COFFER_ASSIGN_OR_RETURN(header.tee_type, reader.ReadU32("TEE type"));
  COFFER_ASSIGN_OR_RETURN(header.qe_svn, reader.ReadU16("QE SVN"));
  COFFER_ASSIGN_OR_RETURN(header.pce_svn, reader.ReadU16("PCE SVN"));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("QE vendor ID", header.qe_vendor_id));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("user data", header.user_data));

  if (header.version == kQuoteVersionSgx && header.tee_type != kTeeTypeSgx) {
    return InvalidArgumentError(
        "quote version 3 must have TEE type 0 (SGX), "
        "not " +
        Hex16(header.tee_type));
  }
  if (header.version == kQuoteVersionTdx && header.tee_type != kTeeTypeTdx) {
    return InvalidArgumentError(
        "quote version 4 is supported for TEE type 0x00000081 (TDX) only, "
        "not " +
        Hex16(header.tee_type));
  }
  if (header.version != kQuoteVersionSgx &&
      header.version != kQuoteVersionTdx) {
    return InvalidArgumentError("unsupported quote version " +
                                std::to_string(header.version) +
                                " (supported: 3 for SGX, 4 for TDX)");
  }
  if (header.attestation_key_type != kAttestationKeyEcdsaP256) {
    return InvalidArgumentError("unsupported attestation key type " +
                                std::to_string(header.attestation_key_type) +
                                " (supported: 2, ECDSA-256-with-P-256)");
  }
  return OkStatus();
}

Status ParseEnclaveReportFields(ByteReader& reader, EnclaveReport& report) {
  COFFER_RETURN_IF_ERROR(reader.ReadArray("CPU SVN", report.cpu_svn));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MISCSELECT", report.misc_select));
  COFFER_RETURN_IF_ERROR(reader.Take(12, "reserved").status());
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("ISV extended product ID", report.isv_ext_prod_id));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("attributes", report.attributes));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MRENCLAVE", report.mr_enclave));
  COFFER_RETURN_IF_ERROR(reader.Take(32, "reserved").status());
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MRSIGNER", report.mr_signer));
  COFFER_RETURN_IF_ERROR(reader.Take(32, "reserved").status());
  COFFER_RETURN_IF_ERROR(reader.ReadArray("config ID", report.config_id));
  COFFER_ASSIGN_OR_RETURN(report.isv_prod_id, reader.ReadU16("ISV product ID"));
  COFFER_ASSIGN_OR_RETURN(report.isv_svn, reader.ReadU16("ISV SVN"));
  COFFER_ASSIGN_OR_RETURN(report.config_svn, reader.ReadU16("config SVN"));
  COFFER_RETURN_IF_ERROR(reader.Take(42, "reserved").status());
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("ISV family ID", report.isv_family_id));
  return reader.ReadArray("report data", report.report_data);
}

Status ParseTdReportFields(ByteReader& reader, TdReport& report) {
  COFFER_RETURN_IF_ERROR(reader.ReadArray("TEE TCB SVN", report.tee_tcb_svn));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MRSEAM", report.mr_seam));
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("MRSIGNERSEAM", report.mr_signer_seam));
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("SEAM attributes", report.seam_attributes));
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("TD attributes", report.td_attributes));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("XFAM", report.xfam));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MRTD", report.mr_td));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MRCONFIGID", report.mr_config_id));
  COFFER_RETURN_IF_ERROR(reader.ReadArray("MROWNER", report.mr_owner));
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("MROWNERCONFIG", report.mr_owner_config));
  for (auto& rtmr : report.rtmr) {
    COFFER_RETURN_IF_ERROR(reader.ReadArray("RTMR", rtmr));
  }
  return reader.ReadArray("report data", report.report_data);
}

// A certification data block: u16 type, u32 size, data.
struct CertificationData {
  uint16_t type = 0;
  std::span<const uint8_t> data;
  size_t data_offset = 0;
};

StatusOr<CertificationData> ReadCertificationData(ByteReader& reader,
                                                  std::string_view what) {
  CertificationData block;
  COFFER_ASSIGN_OR_RETURN(block.type,
                          reader.ReadU16(std::string(what) + " type"));
  COFFER_ASSIGN_OR_RETURN(uint32_t size,
                          reader.ReadU32(std::string(what) + " size"));
  block.data_offset = reader.offset();
  COFFER_ASSIGN_OR_RETURN(block.data, reader.Take(size, what));
  return block;
}

Status ExpectConsumed(const ByteReader& reader, std::string_view what) {
  if (reader.remaining() == 0) return OkStatus();
  return InvalidArgumentError(
      "malformed quote: " + std::to_string(reader.remaining()) +
      " unexpected bytes at offset " + std::to_string(reader.offset()) +
      " at the end of the " + std::string(what));
}

// QE report, its signature, the QE authentication data and the
// certification data: the tail of version 3 signature data, and the
// contents of a version 4 type 6 block.
Status ParseQeReportCertificationData(ByteReader& reader, Quote& quote) {
  COFFER_ASSIGN_OR_RETURN(std::span<const uint8_t> qe_report,
                          reader.Take(kEnclaveReportSize, "QE report"));
  quote.qe_report_raw.assign(qe_report.begin(), qe_report.end());
  ByteReader qe_reader(qe_report, "QE report",
                       reader.offset() - kEnclaveReportSize);
  COFFER_RETURN_IF_ERROR(ParseEnclaveReportFields(qe_reader, quote.qe_report));
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("QE report signature", quote.qe_report_signature));
  COFFER_ASSIGN_OR_RETURN(uint16_t auth_size,
                          reader.ReadU16("QE authentication data size"));
  COFFER_ASSIGN_OR_RETURN(std::span<const uint8_t> auth,
                          reader.Take(auth_size, "QE authentication data"));
  quote.qe_auth_data.assign(auth.begin(), auth.end());
  COFFER_ASSIGN_OR_RETURN(CertificationData certification,
                          ReadCertificationData(reader, "certification data"));
  if (certification.type == kCertificationQeReport) {
    return InvalidArgumentError(
        "malformed quote: certification data at offset " +
        std::to_string(certification.data_offset - 6) +
        " nests another QE report (type 6)");
  }
  quote.certification_data_type = certification.type;
  quote.certification_data.assign(certification.data.begin(),
                                  certification.data.end());
  return OkStatus();
}

Status ParseSignatureData(ByteReader& reader, Quote& quote) {
  COFFER_RETURN_IF_ERROR(reader.ReadArray("quote signature", quote.signature));
  COFFER_RETURN_IF_ERROR(
      reader.ReadArray("attestation key", quote.attestation_key));
  if (quote.header.version == kQuoteVersionSgx) {
    return ParseQeReportCertificationData(reader, quote);
  }
  COFFER_ASSIGN_OR_RETURN(
      CertificationData outer,
      ReadCertificationData(reader, "QE report certification data"));
  if (outer.type != kCertificationQeReport) {
    return InvalidArgumentError(
        "unsupported certification data type " + std::to_string(outer.type) +
        " in a version 4 quote at offset " +
        std::to_string(outer.data_offset - 6) +
        " (supported: 6, QE report certification data)");
  }
  ByteReader nested(outer.data, "QE report certification data",
                    outer.data_offset);
  COFFER_RETURN_IF_ERROR(ParseQeReportCertificationData(nested, quote));
  return ExpectConsumed(nested, "QE report certification data");
}

}  // namespace

uint64_t EnclaveReport::flags() const {
  return LoadLittleEndian<uint64_t>(std::span(attributes).first<8>());
}

bool TdReport::debug() const {
  return (LoadLittleEndian<uint64_t>(std::span(td_attributes)) &
          kTdAttributeDebug) != 0;
}

StatusOr<EnclaveReport> ParseEnclaveReport(std::span<const uint8_t> data) {
  if (data.size() != kEnclaveReportSize) {
    return InvalidArgumentError("an enclave report is 384 bytes, not " +
                                std::to_string(data.size()));
  }
  ByteReader reader(data, "enclave report");
  EnclaveReport report;
  COFFER_RETURN_IF_ERROR(ParseEnclaveReportFields(reader, report));
  return report;
}

StatusOr<Quote> ParseQuote(std::span<const uint8_t> data) {
  ByteReader reader(data, "quote");
  Quote quote;
  COFFER_RETURN_IF_ERROR(ParseHeader(reader, quote.header));
  if (quote.header.version == kQuoteVersionSgx) {
    COFFER_RETURN_IF_ERROR(
        ParseEnclaveReportFields(reader, quote.enclave_report.emplace()));
  } else {
    COFFER_RETURN_IF_ERROR(
        ParseTdReportFields(reader, quote.td_report.emplace()));
  }
  const std::span<const uint8_t> signed_data = data.first(reader.offset());
  quote.signed_data.assign(signed_data.begin(), signed_data.end());

  COFFER_ASSIGN_OR_RETURN(uint32_t signature_size,
                          reader.ReadU32("signature data length"));
  // Parse within the declared length, or within what the buffer holds if
  // that is less, so that an error names the field that is cut off.
  const size_t signature_offset = reader.offset();
  const bool cut_by_buffer = signature_size > reader.remaining();
  ByteReader signature_reader(
      data.subspan(signature_offset,
                   cut_by_buffer ? reader.remaining() : signature_size),
      cut_by_buffer ? "quote" : "signature data", signature_offset);
  COFFER_RETURN_IF_ERROR(ParseSignatureData(signature_reader, quote));
  if (!cut_by_buffer) {
    COFFER_RETURN_IF_ERROR(ExpectConsumed(signature_reader, "signature data"));
  }
  COFFER_RETURN_IF_ERROR(
      reader.Take(signature_size, "signature data").status());
  quote.size = reader.offset();
  return quote;
}

}  // namespace coffer::attest

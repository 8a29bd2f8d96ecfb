// ParseQuote on real SGX and TDX quotes, and on every way to cut or bend
// their length fields.
#include "attest/quote.h"

#include <gtest/gtest.h>

#include <string>

#include "attest/test_util.h"

namespace coffer::attest {
namespace {

using testing::ReadTestData;
using testing::ValueOrDie;

// Offsets in sgx_quote (version 3).
constexpr size_t kSgxSignatureData = 436;
constexpr size_t kSgxQeReportSignature = kSgxSignatureData + 128 + 384;

void PutLe32(Bytes& bytes, size_t offset, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) {
    bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

std::string Text(std::span<const uint8_t> bytes) {
  return std::string(AsString(bytes));
}

TEST(QuoteTest, ParsesTheRealSgxQuote) {
  const Bytes bytes = ReadTestData("sgx_quote");
  const Quote quote = ValueOrDie(ParseQuote(bytes));
  EXPECT_EQ(quote.header.version, 3);
  EXPECT_EQ(quote.header.attestation_key_type, 2);
  EXPECT_EQ(quote.header.tee_type, kTeeTypeSgx);
  EXPECT_EQ(quote.header.qe_vendor_id, kIntelQeVendorId);
  EXPECT_FALSE(quote.is_simulation());
  EXPECT_FALSE(quote.is_tdx());
  ASSERT_TRUE(quote.enclave_report.has_value());
  EXPECT_EQ(Text(quote.enclave_report->report_data).substr(0, 13),
            "Hello, world!");
  EXPECT_FALSE(quote.enclave_report->debug());
  EXPECT_EQ(quote.enclave_report->flags(), 0x05u);
  EXPECT_EQ(quote.signed_data, Bytes(bytes.begin(), bytes.begin() + 432));
  EXPECT_EQ(quote.qe_report_raw.size(), 384u);
  EXPECT_EQ(quote.qe_report.isv_prod_id, 1);
  EXPECT_EQ(quote.qe_report.isv_svn, 10);
  EXPECT_EQ(HexEncode(quote.qe_report.mr_signer),
            "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff");
  EXPECT_EQ(quote.qe_auth_data.size(), 32u);
  EXPECT_EQ(quote.certification_data_type, kCertificationPckChain);
  EXPECT_EQ(Text(quote.certification_data).substr(0, 27),
            "-----BEGIN CERTIFICATE-----");
  EXPECT_EQ(quote.size, bytes.size());
}

TEST(QuoteTest, ParsesTheRealTdxQuoteAndIgnoresItsPadding) {
  const Bytes bytes = ReadTestData("tdx_quote");
  const Quote quote = ValueOrDie(ParseQuote(bytes));
  EXPECT_EQ(quote.header.version, 4);
  EXPECT_EQ(quote.header.tee_type, kTeeTypeTdx);
  ASSERT_TRUE(quote.td_report.has_value());
  EXPECT_FALSE(quote.enclave_report.has_value());
  EXPECT_EQ(HexEncode(quote.td_report->tee_tcb_svn),
            "06010300000000000000000000000000");
  EXPECT_EQ(HexEncode(quote.td_report->mr_td),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407"
            "de03ae6dc5f87f27428b2538873118b7");
  EXPECT_FALSE(quote.td_report->debug());
  EXPECT_EQ(quote.signed_data.size(), 48u + 584u);
  EXPECT_EQ(quote.qe_report.isv_prod_id, 2);
  EXPECT_EQ(quote.certification_data_type, kCertificationPckChain);
  EXPECT_EQ(quote.size, 4936u);
  EXPECT_EQ(bytes.size(), 5006u);
}

TEST(QuoteTest, ReadsTheDebugFlag) {
  const Quote quote =
      ValueOrDie(ParseQuote(ReadTestData("more/oe_debug_quote")));
  EXPECT_EQ(quote.enclave_report->flags(), 0x07u);
  EXPECT_TRUE(quote.enclave_report->debug());
}

TEST(QuoteTest, ReadsOtherCertificationDataTypes) {
  const Quote quote =
      ValueOrDie(ParseQuote(ReadTestData("more/intel-test-root/quote.dat")));
  EXPECT_EQ(quote.certification_data_type, kCertificationPpidCleartext);
  EXPECT_EQ(quote.certification_data.size(), 34u);
  EXPECT_TRUE(quote.qe_auth_data.empty());
}

TEST(QuoteTest, TruncationAtEveryLengthFailsCleanly) {
  for (const char* name : {"sgx_quote", "tdx_quote", "more/automata_quote",
                           "more/intel-test-root/quote.dat"}) {
    const Bytes bytes = ReadTestData(name);
    const size_t end = ValueOrDie(ParseQuote(bytes)).size;
    for (size_t length = 0; length < end; ++length) {
      StatusOr<Quote> quote = ParseQuote(std::span(bytes).first(length));
      ASSERT_FALSE(quote.ok()) << name << " cut at " << length;
      EXPECT_EQ(quote.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(quote.status().message().rfind("quote truncated: ", 0), 0u)
          << name << " cut at " << length << ": " << quote.status().message();
    }
  }
}

TEST(QuoteTest, TruncationErrorsNameTheFieldAndOffset) {
  const Bytes bytes = ReadTestData("sgx_quote");
  auto cut = [&](size_t length) {
    return ParseQuote(std::span(bytes).first(length)).status().message();
  };
  EXPECT_EQ(cut(0),
            "quote truncated: version needs 2 bytes at offset 0, 0 left");
  EXPECT_EQ(cut(47),
            "quote truncated: user data needs 20 bytes at offset 28, "
            "19 left");
  EXPECT_EQ(cut(300),
            "quote truncated: config ID needs 64 bytes at offset "
            "240, 60 left");
  EXPECT_EQ(cut(434),
            "quote truncated: signature data length needs 4 bytes "
            "at offset 432, 2 left");
  EXPECT_EQ(cut(kSgxQeReportSignature + 40),
            "quote truncated: QE report signature needs 64 bytes at offset "
            "948, 40 left");
  EXPECT_EQ(cut(1100),
            "quote truncated: certification data needs 3548 bytes "
            "at offset 1052, 48 left");
}

TEST(QuoteTest, SignatureDataLengthMustMatchItsContents) {
  Bytes bytes = ReadTestData("sgx_quote");
  PutLe32(bytes, 432, 4163);
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("signature data truncated: certification "
                                 "data needs 3548 bytes at offset 1052, 3547 "
                                 "left"));
  PutLe32(bytes, 432, 4165);
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("quote truncated: signature data needs 4165 "
                                 "bytes at offset 436, 4164 left"));
  bytes.push_back(0);
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("malformed quote: 1 unexpected bytes at "
                                 "offset 4600 at the end of the signature "
                                 "data"));
}

TEST(QuoteTest, TrailingBytesAfterTheSignatureDataAreIgnored) {
  Bytes bytes = ReadTestData("sgx_quote");
  bytes.insert(bytes.end(), 100, 0xAB);
  EXPECT_EQ(ValueOrDie(ParseQuote(bytes)).size, 4600u);
}

TEST(QuoteTest, RefusesUnsupportedVersionsTeesAndKeys) {
  const Bytes original = ReadTestData("sgx_quote");
  Bytes bytes = original;
  bytes[0] = 5;
  EXPECT_EQ(
      ParseQuote(bytes).status(),
      InvalidArgumentError(
          "unsupported quote version 5 (supported: 3 for SGX, 4 for TDX)"));
  bytes = original;
  bytes[2] = 3;
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("unsupported attestation key type 3 "
                                 "(supported: 2, ECDSA-256-with-P-256)"));
  bytes = original;
  bytes[4] = 0x81;
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError(
                "quote version 3 must have TEE type 0 (SGX), not 0x00000081"));
  bytes = original;
  bytes[0] = 4;
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("quote version 4 is supported for TEE type "
                                 "0x00000081 (TDX) only, not 0x00000000"));
}

TEST(QuoteTest, RefusesANestedQeReportInAVersion3Quote) {
  Bytes bytes = ReadTestData("sgx_quote");
  bytes[1046] = 6;  // certification data type, after 32 bytes of auth data
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("malformed quote: certification data at "
                                 "offset 1046 nests another QE report (type "
                                 "6)"));
}

TEST(QuoteTest, Version4NeedsQeReportCertificationData) {
  Bytes bytes = ReadTestData("tdx_quote");
  const size_t outer_type = 48 + 584 + 4 + 128;
  bytes[outer_type] = 5;
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("unsupported certification data type 5 in a "
                                 "version 4 quote at offset 764 (supported: "
                                 "6, QE report certification data)"));
}

TEST(QuoteTest, Version4NestedBlockMustBeConsumedExactly) {
  Bytes bytes = ReadTestData("tdx_quote");
  const size_t outer_size = 48 + 584 + 4 + 128 + 2;
  const size_t signature_size = 48 + 584;
  // One more byte in the outer block and in the signature data: the byte
  // after the nested chain (padding) is now inside the block.
  PutLe32(bytes, outer_size, 4166 + 1);
  PutLe32(bytes, signature_size, 4300 + 1);
  EXPECT_EQ(ParseQuote(bytes).status(),
            InvalidArgumentError("malformed quote: 1 unexpected bytes at "
                                 "offset 4936 at the end of the QE report "
                                 "certification data"));
}

TEST(QuoteTest, ParsesAnEnclaveReportAlone) {
  const Quote quote = ValueOrDie(ParseQuote(ReadTestData("sgx_quote")));
  const EnclaveReport report =
      ValueOrDie(ParseEnclaveReport(quote.qe_report_raw));
  EXPECT_EQ(report.mr_signer, quote.qe_report.mr_signer);
  EXPECT_EQ(
      ParseEnclaveReport(std::span(quote.qe_report_raw).first(383)).status(),
      InvalidArgumentError("an enclave report is 384 bytes, not 383"));
}

}  // namespace
}  // namespace coffer::attest

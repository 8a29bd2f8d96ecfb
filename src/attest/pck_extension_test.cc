// The SGX extension of real PCK certificates, and malformed ones.
#include "attest/pck_extension.h"

#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "attest/quote.h"
#include "attest/test_util.h"

namespace coffer::attest {
namespace {

using testing::ReadTestData;
using testing::ValueOrDie;

crypto::Certificate PckOf(const std::string& quote_file) {
  const Quote quote = ValueOrDie(ParseQuote(ReadTestData(quote_file)));
  std::vector<crypto::Certificate> chain = ValueOrDie(
      crypto::ParsePemCertificates(AsString(quote.certification_data)));
  return std::move(chain.front());
}

// The extension's value, found with OpenSSL's own lookup.
Bytes ExtensionValue(const crypto::Certificate& pck) {
  ASN1_OBJECT* oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
  const int index = X509_get_ext_by_OBJ(pck.native(), oid, -1);
  ASN1_OBJECT_free(oid);
  EXPECT_GE(index, 0);
  const ASN1_OCTET_STRING* data =
      X509_EXTENSION_get_data(X509_get_ext(pck.native(), index));
  const uint8_t* bytes = ASN1_STRING_get0_data(data);
  return Bytes(bytes, bytes + ASN1_STRING_length(data));
}

Status ParseHex(std::string_view hex) {
  return ParseSgxExtensionValue(ValueOrDie(HexDecode(hex))).status();
}

TEST(PckExtensionTest, ProcessorCaCertificate) {
  const PckExtension extension =
      ValueOrDie(ParsePckExtension(PckOf("sgx_quote")));
  EXPECT_EQ(HexEncode(extension.fmspc), "00a067110000");
  EXPECT_EQ(HexEncode(extension.pce_id), "0000");
  EXPECT_EQ(HexEncode(extension.cpu_svn_components),
            "0b0b0202ff0100000000000000000000");
  EXPECT_EQ(extension.cpu_svn, extension.cpu_svn_components);
  EXPECT_EQ(extension.pce_svn, 13);
  EXPECT_FALSE(extension.smt_enabled.has_value());
}

TEST(PckExtensionTest, PlatformCaCertificateHasAConfiguration) {
  const PckExtension extension =
      ValueOrDie(ParsePckExtension(PckOf("more/automata_quote")));
  EXPECT_EQ(HexEncode(extension.fmspc), "00606a000000");
  EXPECT_EQ(extension.sgx_type, 1u);  // Scalable
  EXPECT_EQ(extension.dynamic_platform, true);
  EXPECT_EQ(extension.cached_keys, false);
  EXPECT_EQ(extension.smt_enabled, false);  // hyperthreading off
}

TEST(PckExtensionTest, CertificateWithoutTheExtension) {
  const crypto::Certificate root = testing::IntelRoot();
  EXPECT_EQ(
      ParsePckExtension(root).status(),
      InvalidArgumentError("PCK certificate SGX extension: missing from \"" +
                           root.subject() + "\": not a PCK certificate"));
}

TEST(PckExtensionTest, MalformedValues) {
  EXPECT_EQ(ParseHex(""),
            InvalidArgumentError("PCK certificate SGX extension: malformed DER "
                                 "at offset 0: truncated element header"));
  EXPECT_EQ(ParseHex("3080"),
            InvalidArgumentError("PCK certificate SGX extension: malformed DER "
                                 "at offset 0: indefinite length"));
  EXPECT_EQ(ParseHex("3085ffffffffff"),
            InvalidArgumentError("PCK certificate SGX extension: malformed DER "
                                 "at offset 0: length longer than 4 bytes"));
  EXPECT_EQ(ParseHex("3084ffffffff"),
            InvalidArgumentError("PCK certificate SGX extension: malformed DER "
                                 "at offset 0: element of 4294967295 bytes, "
                                 "only 0 left"));
  EXPECT_EQ(ParseHex("3000"),
            InvalidArgumentError("PCK certificate SGX extension: no "
                                 "1.2.840.113741.1.13.1.2 entry"));
  EXPECT_EQ(ParseHex("30000000"),
            InvalidArgumentError("PCK certificate SGX extension: malformed "
                                 "DER: bytes after the SEQUENCE"));
  // Two FMSPC entries.
  const std::string fmspc = "3014060a2a864886f84d010d0104040600a067110000";
  EXPECT_EQ(ParseHex("302c" + fmspc + fmspc),
            InvalidArgumentError("PCK certificate SGX extension: "
                                 "1.2.840.113741.1.13.1.4 appears twice"));
  EXPECT_EQ(ParseHex("3012"
                     "3010060a2a864886f84d010d010404020000"),
            InvalidArgumentError("PCK certificate SGX extension: "
                                 "1.2.840.113741.1.13.1.4 must be an OCTET "
                                 "STRING of 6 bytes"));
  EXPECT_EQ(ParseHex("3003020101"),
            InvalidArgumentError("PCK certificate SGX extension: malformed DER "
                                 "at offset 2: an entry has tag 0x02"));
}

TEST(PckExtensionTest, EveryTruncationFails) {
  const Bytes value = ExtensionValue(PckOf("sgx_quote"));
  ASSERT_TRUE(ParseSgxExtensionValue(value).ok());
  for (size_t length = 0; length < value.size(); ++length) {
    const Status status =
        ParseSgxExtensionValue(std::span(value).first(length)).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << length;
    EXPECT_EQ(status.message().rfind("PCK certificate SGX extension: ", 0), 0u)
        << status.message();
  }
}

TEST(PckExtensionTest, FlippedBytesNeverCrash) {
  const Bytes value = ExtensionValue(PckOf("more/automata_quote"));
  for (size_t i = 0; i < value.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      Bytes altered = value;
      altered[i] ^= mask;
      (void)ParseSgxExtensionValue(altered);
    }
  }
}

}  // namespace
}  // namespace coffer::attest

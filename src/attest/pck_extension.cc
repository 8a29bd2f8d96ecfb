#include "attest/pck_extension.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <bitset>
#include <string>

#include "attest/der_reader.h"

namespace coffer::attest {
namespace {

using internal::DerElement;
using internal::DerReader;

// 1.2.840.113741.1.13.1, DER-encoded without tag and length.
constexpr uint8_t kSgxExtensionOid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8,
                                        0x4D, 0x01, 0x0D, 0x01};
constexpr uint8_t kEntryPpid = 1;
constexpr uint8_t kEntryTcb = 2;
constexpr uint8_t kEntryPceId = 3;
constexpr uint8_t kEntryFmspc = 4;
constexpr uint8_t kEntrySgxType = 5;
constexpr uint8_t kEntryConfiguration = 7;
constexpr uint8_t kTcbPceSvn = 17;
constexpr uint8_t kTcbCpuSvn = 18;

Status ExtensionError(std::string problem) {
  return InvalidArgumentError("PCK certificate SGX extension: " +
                              std::move(problem));
}

// The arcs of `oid` after the SGX extension's OID, if it starts with it
// and every further arc is a single byte (< 128), as all of Intel's are.
std::optional<std::span<const uint8_t>> Suffix(const DerElement& oid) {
  const std::span<const uint8_t> bytes = oid.content;
  const std::span<const uint8_t> prefix(kSgxExtensionOid);
  if (bytes.size() <= prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), bytes.begin())) {
    return std::nullopt;
  }
  std::span<const uint8_t> suffix = bytes.subspan(prefix.size());
  for (uint8_t arc : suffix) {
    if (arc >= 0x80) return std::nullopt;
  }
  return suffix;
}

std::string EntryName(std::span<const uint8_t> suffix) {
  std::string name = "1.2.840.113741.1.13.1";
  for (uint8_t arc : suffix) name += "." + std::to_string(arc);
  return name;
}

// One (OID, value) pair of a SEQUENCE of pairs.
struct Entry {
  std::span<const uint8_t> suffix;  // empty for foreign OIDs
  DerElement value;
};

StatusOr<Entry> ReadEntry(DerReader& reader) {
  COFFER_ASSIGN_OR_RETURN(DerElement pair,
                          reader.Expect(internal::kDerSequence, "an entry"));
  DerReader fields = internal::Inside(pair);
  COFFER_ASSIGN_OR_RETURN(DerElement oid,
                          fields.Expect(internal::kDerOid, "an entry's OID"));
  Entry entry;
  COFFER_ASSIGN_OR_RETURN(entry.value, fields.Next());
  if (!fields.empty()) {
    return InvalidArgumentError("malformed DER: entry at offset " +
                                std::to_string(pair.offset) +
                                " has more than an OID and a value");
  }
  entry.suffix = Suffix(oid).value_or(std::span<const uint8_t>());
  return entry;
}

template <size_t N>
Status OctetString(const Entry& entry, std::array<uint8_t, N>& out) {
  if (entry.value.tag != internal::kDerOctetString ||
      entry.value.content.size() != N) {
    return InvalidArgumentError(EntryName(entry.suffix) +
                                " must be an OCTET STRING of " +
                                std::to_string(N) + " bytes");
  }
  std::copy(entry.value.content.begin(), entry.value.content.end(),
            out.begin());
  return OkStatus();
}

// Marks entry `index` as seen; a repeat is an error (two FMSPCs would let
// a certificate match two platforms).
Status SeeOnce(std::bitset<32>& seen, size_t index,
               std::span<const uint8_t> suffix) {
  if (seen.test(index)) {
    return InvalidArgumentError(EntryName(suffix) + " appears twice");
  }
  seen.set(index);
  return OkStatus();
}

Status ParseTcb(const DerElement& tcb, PckExtension& out) {
  if (tcb.tag != internal::kDerSequence) {
    return InvalidArgumentError("TCB entry must be a SEQUENCE");
  }
  DerReader reader = internal::Inside(tcb);
  std::bitset<32> seen;
  while (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(Entry entry, ReadEntry(reader));
    if (entry.suffix.size() != 2 || entry.suffix[0] != kEntryTcb) continue;
    const uint8_t index = entry.suffix[1];
    const std::string name = EntryName(entry.suffix);
    if (index >= 1 && index <= 16) {
      COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
      COFFER_ASSIGN_OR_RETURN(uint32_t svn,
                              internal::DerUnsigned(entry.value, 0xFF, name));
      out.cpu_svn_components[index - 1] = static_cast<uint8_t>(svn);
    } else if (index == kTcbPceSvn) {
      COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
      COFFER_ASSIGN_OR_RETURN(uint32_t svn,
                              internal::DerUnsigned(entry.value, 0xFFFF, name));
      out.pce_svn = static_cast<uint16_t>(svn);
    } else if (index == kTcbCpuSvn) {
      COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
      COFFER_RETURN_IF_ERROR(OctetString(entry, out.cpu_svn));
    }
  }
  for (size_t index = 1; index <= kTcbCpuSvn; ++index) {
    if (!seen.test(index)) {
      return InvalidArgumentError("TCB entry lacks " +
                                  EntryName(std::array<uint8_t, 2>{
                                      kEntryTcb, static_cast<uint8_t>(index)}));
    }
  }
  return OkStatus();
}

Status ParseConfiguration(const DerElement& configuration, PckExtension& out) {
  if (configuration.tag != internal::kDerSequence) {
    return InvalidArgumentError("Configuration entry must be a SEQUENCE");
  }
  DerReader reader = internal::Inside(configuration);
  while (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(Entry entry, ReadEntry(reader));
    if (entry.suffix.size() != 2 || entry.suffix[0] != kEntryConfiguration) {
      continue;
    }
    std::optional<bool>* target = nullptr;
    switch (entry.suffix[1]) {
      case 1: target = &out.dynamic_platform; break;
      case 2: target = &out.cached_keys; break;
      case 3: target = &out.smt_enabled; break;
      default: continue;
    }
    if (target->has_value()) {
      return InvalidArgumentError(EntryName(entry.suffix) + " appears twice");
    }
    COFFER_ASSIGN_OR_RETURN(
        *target, internal::DerBoolean(entry.value, EntryName(entry.suffix)));
  }
  return OkStatus();
}

Status ParseEntries(std::span<const uint8_t> der, PckExtension& out) {
  DerReader outer(der);
  COFFER_ASSIGN_OR_RETURN(DerElement sequence,
                          outer.Expect(internal::kDerSequence, "the value"));
  if (!outer.empty()) {
    return InvalidArgumentError("malformed DER: bytes after the SEQUENCE");
  }
  DerReader reader = internal::Inside(sequence);
  std::bitset<32> seen;
  while (!reader.empty()) {
    COFFER_ASSIGN_OR_RETURN(Entry entry, ReadEntry(reader));
    if (entry.suffix.size() != 1) continue;
    const uint8_t index = entry.suffix[0];
    switch (index) {
      case kEntryPpid:
        COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
        COFFER_RETURN_IF_ERROR(OctetString(entry, out.ppid));
        break;
      case kEntryTcb:
        COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
        COFFER_RETURN_IF_ERROR(ParseTcb(entry.value, out));
        break;
      case kEntryPceId:
        COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
        COFFER_RETURN_IF_ERROR(OctetString(entry, out.pce_id));
        break;
      case kEntryFmspc:
        COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
        COFFER_RETURN_IF_ERROR(OctetString(entry, out.fmspc));
        break;
      case kEntrySgxType: {
        COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
        COFFER_ASSIGN_OR_RETURN(
            out.sgx_type,
            internal::DerUnsigned(entry.value, 0xFF, EntryName(entry.suffix)));
        break;
      }
      case kEntryConfiguration:
        COFFER_RETURN_IF_ERROR(SeeOnce(seen, index, entry.suffix));
        COFFER_RETURN_IF_ERROR(ParseConfiguration(entry.value, out));
        break;
      default: break;
    }
  }
  for (uint8_t required : {kEntryTcb, kEntryPceId, kEntryFmspc}) {
    if (!seen.test(required)) {
      return InvalidArgumentError(
          "no " + EntryName(std::array<uint8_t, 1>{required}) + " entry");
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<PckExtension> ParseSgxExtensionValue(std::span<const uint8_t> der) {
  PckExtension extension;
  Status status = ParseEntries(der, extension);
  if (!status.ok()) return ExtensionError(status.message());
  return extension;
}

StatusOr<PckExtension> ParsePckExtension(const crypto::Certificate& pck) {
  const X509_EXTENSION* found = nullptr;
  const int count = X509_get_ext_count(pck.native());
  for (int i = 0; i < count; ++i) {
    const X509_EXTENSION* extension = X509_get_ext(pck.native(), i);
    const ASN1_OBJECT* object =
        X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(extension));
    const size_t length = OBJ_length(object);
    const unsigned char* data = OBJ_get0_data(object);
    if (data == nullptr || length != sizeof(kSgxExtensionOid) ||
        !std::equal(data, data + length, kSgxExtensionOid)) {
      continue;
    }
    if (found != nullptr) return ExtensionError("appears twice");
    found = extension;
  }
  if (found == nullptr) {
    return ExtensionError("missing from \"" + pck.subject() +
                          "\": not a PCK certificate");
  }
  const ASN1_OCTET_STRING* value =
      X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(found));
  return ParseSgxExtensionValue(
      std::span<const uint8_t>(ASN1_STRING_get0_data(value),
                               static_cast<size_t>(ASN1_STRING_length(value))));
}

}  // namespace coffer::attest

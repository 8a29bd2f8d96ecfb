#include "cas/audit_verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/hash.h"
#include "crypto/signature.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;

constexpr size_t kSha256HexSize = 64;

// nlohmann's dump() in the canonical form (sorted keys come from its
// std::map objects). Throws on invalid UTF-8; callers catch.
std::string Dump(const Json& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/true);
}

Json ContentJson(const AuditRecord& record) {
  Json fields = Json::object();
  for (const auto& [name, value] : record.fields) fields[name] = value;
  return Json{{"fields", std::move(fields)},
              {"prev", record.prev},
              {"seq", record.seq},
              {"time", record.time},
              {"type", record.type}};
}

// The canonical content, or nullopt if a string is not valid UTF-8 (only
// possible for records that did not come from ParseAuditRecord).
std::optional<std::string> CanonicalContent(const AuditRecord& record) {
  try {
    return Dump(ContentJson(record));
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string HashHex(std::string_view data) {
  return HexEncode(crypto::Sha256(AsBytes(data)));
}

// A string member that is lower-case hex, `size` digits (any even number
// of them when `size` is 0).
bool IsHexMember(const Json& object, const char* name, size_t size) {
  const Json& member = object.at(name);
  if (!member.is_string()) return false;
  const auto& text = member.get_ref<const std::string&>();
  const bool size_ok =
      size == 0 ? !text.empty() && text.size() % 2 == 0 : text.size() == size;
  return size_ok && IsLowerHex(text);
}

// Why `json` is not a record's shape; empty if it is one.
std::string ShapeProblem(const Json& json) {
  if (!json.is_object()) return "not a JSON object";
  for (const char* name :
       {"fields", "hash", "prev", "seq", "sig", "time", "type"}) {
    if (!json.contains(name)) return std::string("no \"") + name + "\" member";
  }
  if (json.size() != 7) return "members other than the seven of a record";
  if (!json.at("seq").is_number_unsigned() ||
      json.at("seq").get<uint64_t>() == 0) {
    return "\"seq\" is not a positive integer";
  }
  if (!json.at("time").is_string()) return "\"time\" is not a string";
  if (!json.at("type").is_string() ||
      json.at("type").get_ref<const std::string&>().empty()) {
    return "\"type\" is not a non-empty string";
  }
  const Json& fields = json.at("fields");
  if (!fields.is_object()) return "\"fields\" is not an object";
  for (const auto& [name, value] : fields.items()) {
    if (!value.is_string()) {
      return "field \"" + name.substr(0, 64) + "\" is not a string";
    }
  }
  if (!IsHexMember(json, "prev", kSha256HexSize)) {
    return "\"prev\" is not 64 lower-case hex digits";
  }
  if (!IsHexMember(json, "hash", kSha256HexSize)) {
    return "\"hash\" is not 64 lower-case hex digits";
  }
  if (!IsHexMember(json, "sig", 0)) {
    return "\"sig\" is not lower-case hex";
  }
  return "";
}

// Reads a file line by line in bounded memory. A line longer than
// kMaxAuditRecordBytes is reported, not read.
class LineReader {
 public:
  enum class Result { kLine, kTornLine, kTooLong, kEnd };

  LineReader(int fd, const std::string& path) : fd_(fd), path_(path) {}

  StatusOr<Result> Next(std::string& line) {
    while (true) {
      const size_t newline = buffer_.find('\n', position_);
      if (newline != std::string::npos) {
        if (newline - position_ > kMaxAuditRecordBytes) return Result::kTooLong;
        line.assign(buffer_, position_, newline - position_);
        position_ = newline + 1;
        return Result::kLine;
      }
      if (buffer_.size() - position_ > kMaxAuditRecordBytes) {
        return Result::kTooLong;
      }
      if (end_of_file_) {
        if (position_ == buffer_.size()) return Result::kEnd;
        line.assign(buffer_, position_);
        position_ = buffer_.size();
        return Result::kTornLine;
      }
      buffer_.erase(0, position_);
      position_ = 0;
      char chunk[65536];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("read audit log", path_, errno);
      }
      if (n == 0) end_of_file_ = true;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  const std::string& path_;
  std::string buffer_;
  size_t position_ = 0;
  bool end_of_file_ = false;
};

AuditFinding Finding(AuditProblem problem, std::string detail) {
  return AuditFinding{problem, std::move(detail)};
}

std::string Abbreviated(std::string_view hex) {
  return std::string(hex.substr(0, 16)) + "...";
}

// ParseAuditRecord, also giving the canonical content for the signature.
AuditFinding ParseLine(std::string_view line, AuditRecord& record,
                       std::string& content) {
  Json json;
  try {
    json = Json::parse(line);
  } catch (const Json::parse_error& error) {
    return Finding(AuditProblem::kBadJson,
                   "syntax error at byte " + std::to_string(error.byte));
  } catch (const Json::exception&) {
    return Finding(AuditProblem::kBadJson, "unparsable");
  }
  std::string shape = ShapeProblem(json);
  if (!shape.empty()) return Finding(AuditProblem::kMalformed, shape);
  if (Dump(json) != line) {
    return Finding(AuditProblem::kNotCanonical,
                   "the line differs from its record's canonical "
                   "serialization");
  }
  record = AuditRecord{};
  record.seq = json.at("seq").get<uint64_t>();
  record.time = json.at("time").get<std::string>();
  record.type = json.at("type").get<std::string>();
  for (const auto& [name, value] : json.at("fields").items()) {
    record.fields.emplace_back(name, value.get<std::string>());
  }
  record.prev = json.at("prev").get<std::string>();
  record.hash = json.at("hash").get<std::string>();
  record.sig = json.at("sig").get<std::string>();
  json.erase("hash");
  json.erase("sig");
  content = Dump(json);
  const std::string actual = HashHex(content);
  if (actual != record.hash) {
    return Finding(AuditProblem::kHashMismatch,
                   "\"hash\" is " + Abbreviated(record.hash) +
                       ", the content hashes to " + Abbreviated(actual));
  }
  return {};
}

AuditFinding CheckSignatureOver(std::string_view content, std::string_view sig,
                                const crypto::PublicKey& key) {
  StatusOr<Bytes> signature = HexDecode(sig);
  if (!signature.ok()) {
    return Finding(AuditProblem::kBadSignature, "unreadable signature");
  }
  Status verified = crypto::Verify(key, AsBytes(content), *signature);
  if (!verified.ok()) {
    return Finding(AuditProblem::kBadSignature, verified.message());
  }
  return {};
}

// Checks one line in its place in the chain. `key` is null for line 1,
// which brings the key; `previous_hash` is the last good record's hash.
AuditFinding CheckLine(std::string_view line, uint64_t line_number,
                       std::string_view previous_hash,
                       const crypto::PublicKey* expected_key,
                       std::optional<crypto::PublicKey>& key,
                       AuditVerification& out, AuditRecord& record) {
  std::string content;
  AuditFinding finding = ParseLine(line, record, content);
  if (!finding.ok()) return finding;
  if (record.seq != line_number) {
    return Finding(AuditProblem::kSeqGap,
                   "expected seq " + std::to_string(line_number) + ", found " +
                       std::to_string(record.seq));
  }
  if (record.prev != previous_hash) {
    return Finding(AuditProblem::kPrevMismatch,
                   "\"prev\" is " + Abbreviated(record.prev) +
                       ", the previous record's hash is " +
                       Abbreviated(previous_hash));
  }
  if (line_number == 1) {
    StatusOr<crypto::PublicKey> log_key = AuditLogKey(record);
    if (!log_key.ok()) {
      return Finding(AuditProblem::kBadFirstRecord, log_key.status().message());
    }
    out.key_id = HashHex(AsString(log_key->ToDer()));
    if (expected_key != nullptr && log_key->ToDer() != expected_key->ToDer()) {
      return Finding(
          AuditProblem::kKeyNotPinned,
          "the log is signed by key sha256:" + out.key_id +
              ", expected sha256:" + HashHex(AsString(expected_key->ToDer())));
    }
    key = std::move(log_key).value();
  } else if (record.type == kAuditOpenType) {
    return Finding(AuditProblem::kMalformed,
                   "\"log.open\" is only valid as the first record");
  }
  return CheckSignatureOver(content, record.sig, *key);
}

}  // namespace

std::string_view AuditProblemName(AuditProblem problem) {
  switch (problem) {
    case AuditProblem::kNone: return "ok";
    case AuditProblem::kTooLong: return "record too long";
    case AuditProblem::kTorn: return "torn record";
    case AuditProblem::kBadJson: return "bad JSON";
    case AuditProblem::kMalformed: return "malformed record";
    case AuditProblem::kNotCanonical: return "not in canonical form";
    case AuditProblem::kHashMismatch: return "hash mismatch";
    case AuditProblem::kSeqGap: return "seq gap";
    case AuditProblem::kPrevMismatch: return "prev mismatch";
    case AuditProblem::kBadFirstRecord: return "bad first record";
    case AuditProblem::kKeyNotPinned: return "key differs from the pinned key";
    case AuditProblem::kBadSignature: return "bad signature";
  }
  return "unknown problem";
}

std::string AuditFinding::ToString() const {
  std::string text(AuditProblemName(problem));
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

StatusOr<AuditRecord> SealAuditRecord(AuditRecord record,
                                      const crypto::PrivateKey& key) {
  for (size_t i = 0; i < record.fields.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (record.fields[i].first == record.fields[j].first) {
        return InvalidArgumentError("audit record \"" + record.type +
                                    "\": field \"" + record.fields[i].first +
                                    "\" is given twice");
      }
    }
  }
  const std::optional<std::string> content = CanonicalContent(record);
  if (!content) {
    return InvalidArgumentError("audit record \"" + record.type +
                                "\": a field name or value, the type or the "
                                "time is not valid UTF-8");
  }
  COFFER_ASSIGN_OR_RETURN(Bytes signature,
                          crypto::Sign(key, AsBytes(*content)));
  record.hash = HashHex(*content);
  record.sig = HexEncode(signature);
  return record;
}

std::string AuditRecordLine(const AuditRecord& record) {
  Json json = ContentJson(record);
  json["hash"] = record.hash;
  json["sig"] = record.sig;
  // Strings of a sealed or parsed record are valid UTF-8; should one not be,
  // the replacement character makes the line fail verification loudly.
  return json.dump(-1, ' ', /*ensure_ascii=*/true,
                   Json::error_handler_t::replace);
}

AuditFinding ParseAuditRecord(std::string_view line, AuditRecord& record) {
  std::string content;
  return ParseLine(line, record, content);
}

AuditFinding CheckAuditSignature(const AuditRecord& record,
                                 const crypto::PublicKey& key) {
  const std::optional<std::string> content = CanonicalContent(record);
  if (!content) {
    return Finding(AuditProblem::kBadSignature, "unreadable record");
  }
  return CheckSignatureOver(*content, record.sig, key);
}

StatusOr<crypto::PublicKey> AuditLogKey(const AuditRecord& record) {
  if (record.type != kAuditOpenType) {
    return InvalidArgumentError("the first record has type \"" +
                                record.type.substr(0, 64) +
                                "\", not \"log.open\"");
  }
  for (const auto& [name, value] : record.fields) {
    if (name != kAuditPublicKeyField) continue;
    StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromPem(value);
    if (!key.ok()) {
      return InvalidArgumentError("\"log.open\" field \"public_key\": " +
                                  key.status().message());
    }
    return key;
  }
  return InvalidArgumentError("\"log.open\" has no \"public_key\" field");
}

StatusOr<AuditVerification> VerifyAuditLog(
    const std::string& path, const crypto::PublicKey* expected_key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open audit log", path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  AuditVerification out;
  LineReader reader(fd, path);
  std::optional<crypto::PublicKey> key;
  std::string previous_hash = kAuditFirstPrev;
  std::string line;
  AuditRecord record;
  for (uint64_t line_number = 1;; ++line_number) {
    COFFER_ASSIGN_OR_RETURN(LineReader::Result result, reader.Next(line));
    AuditFinding finding;
    switch (result) {
      case LineReader::Result::kEnd:
        if (line_number == 1) {
          return InvalidArgumentError("audit log " + path + " is empty");
        }
        return out;
      case LineReader::Result::kTooLong:
        finding = Finding(
            AuditProblem::kTooLong,
            "longer than " + std::to_string(kMaxAuditRecordBytes) + " bytes");
        break;
      case LineReader::Result::kTornLine:
        finding = Finding(AuditProblem::kTorn,
                          "the file ends without a newline after " +
                              std::to_string(line.size()) + " bytes");
        break;
      case LineReader::Result::kLine:
        finding = CheckLine(line, line_number, previous_hash, expected_key, key,
                            out, record);
        break;
    }
    if (!finding.ok()) {
      out.broken_line = line_number;
      out.finding = std::move(finding);
      return out;
    }
    ++out.good_records;
    previous_hash = record.hash;
  }
}

std::string DescribeAuditVerification(const AuditVerification& verification,
                                      std::string_view path) {
  const uint64_t good = verification.good_records;
  const std::string records =
      std::to_string(good) + (good == 1 ? " record" : " records");
  std::string text = "audit log " + std::string(path);
  if (verification.intact()) {
    return text + ": " + records +
           ", chain and signatures intact (key sha256:" + verification.key_id +
           ")";
  }
  text += ":" + std::to_string(verification.broken_line) +
          ": broken record: " + verification.finding.ToString();
  if (good > 0) {
    text += "; the " + records + " before it " +
            (good == 1 ? "verifies" : "verify");
  }
  return text;
}

}  // namespace coffer::cas

#include "cas/audit_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "cas/audit_verify.h"
#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/signature.h"

namespace coffer::cas {
namespace {

using std::chrono::system_clock;

// 2025-06-01T00:00:00Z plus 250 ms, as every test in Coffer injects time.
const system_clock::time_point kNow =
    system_clock::from_time_t(1748736000) + std::chrono::milliseconds(250);
constexpr char kNowText[] = "2025-06-01T00:00:00.250Z";

AuditLog::Clock FixedClock() {
  return [] { return kNow; };
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "coffer-audit-XXXXXX")
            .string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

crypto::PrivateKey NewKey() {
  return std::move(crypto::PrivateKey::Generate(crypto::KeyType::kP256))
      .value();
}

std::string KeyIdOf(const crypto::PrivateKey& key) {
  return HexEncode(crypto::Sha256(key.PublicKeyDer()));
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Replaces the file by a new one: truncating in place would make ext4 flush
// on close (auto_da_alloc) and slow the tests down.
void WriteAll(const std::string& path, const std::string& data) {
  std::filesystem::remove(path);
  std::ofstream out(path, std::ios::binary);
  out << data;
}

void WriteLines(const std::string& path,
                const std::vector<std::string>& lines) {
  std::string data;
  for (const std::string& line : lines) data += line + "\n";
  WriteAll(path, data);
}

AuditRecord Parse(const std::string& line) {
  AuditRecord record;
  const AuditFinding finding = ParseAuditRecord(line, record);
  EXPECT_TRUE(finding.ok()) << finding.ToString();
  return record;
}

std::unique_ptr<AuditLog> OpenLog(const std::string& path,
                                  const crypto::PrivateKey& key) {
  StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(path, key, FixedClock());
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

AuditVerification Verify(const std::string& path,
                         const crypto::PublicKey* pinned = nullptr) {
  StatusOr<AuditVerification> result = VerifyAuditLog(path, pinned);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? std::move(result).value() : AuditVerification{};
}

// A log of "log.open" and `count` attestation records, closed again.
void WriteLog(const std::string& path, const crypto::PrivateKey& key,
              int count) {
  std::unique_ptr<AuditLog> log = OpenLog(path, key);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(log->Append("attestation", {{"session", "db"},
                                            {"result", "ok"},
                                            {"n", std::to_string(i)}})
                    .ok());
  }
}

TEST(AuditLogTest, AppendsAndVerifiesManyRecords) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 100);

  const AuditVerification verification = Verify(path);
  EXPECT_TRUE(verification.intact()) << verification.finding.ToString();
  EXPECT_EQ(verification.good_records, 101u);
  EXPECT_EQ(verification.broken_line, 0u);
  EXPECT_EQ(verification.key_id, KeyIdOf(key));
  EXPECT_EQ(DescribeAuditVerification(verification, path),
            "audit log " + path +
                ": 101 records, chain and signatures intact (key sha256:" +
                KeyIdOf(key) + ")");
  const crypto::PublicKey pinned = key.public_key();
  EXPECT_TRUE(Verify(path, &pinned).intact());

  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 101u);
  const AuditRecord first = Parse(lines[0]);
  EXPECT_EQ(first.seq, 1u);
  EXPECT_EQ(first.type, "log.open");
  EXPECT_EQ(first.prev, kAuditFirstPrev);
  EXPECT_EQ(first.time, kNowText);
  const std::map<std::string, std::string> fields(first.fields.begin(),
                                                  first.fields.end());
  EXPECT_EQ(fields.at("public_key"), key.PublicKeyPem());
  EXPECT_EQ(fields.at("key_id"), KeyIdOf(key));
  EXPECT_EQ(fields.at("algorithm"), "ECDSA-SHA256");
  EXPECT_EQ(fields.at("format"), "coffer-audit-v1");

  const AuditRecord second = Parse(lines[1]);
  EXPECT_EQ(second.seq, 2u);
  EXPECT_EQ(second.type, "attestation");
  EXPECT_EQ(second.prev, first.hash);
  EXPECT_EQ(second.fields,
            (AuditFields{{"n", "0"}, {"result", "ok"}, {"session", "db"}}));
}

TEST(AuditLogTest, CreatesTheFileWithMode0600WhateverTheUmask) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const mode_t old_umask = ::umask(0);
  std::unique_ptr<AuditLog> log = OpenLog(path, NewKey());
  ::umask(old_umask);
  ASSERT_NE(log, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(AuditLogTest, CanonicalFormIsTheDocumentedOne) {
  // Independent of nlohmann: the exact bytes audit_verify.h promises.
  const crypto::PrivateKey key = NewKey();
  AuditRecord record;
  record.seq = 1;
  record.time = kNowText;
  record.type = "t";
  record.fields = {{"z", "\xc3\xa9\x7f\n\x01/\"\\"}, {"a", "1"}};
  record.prev = kAuditFirstPrev;
  StatusOr<AuditRecord> sealed = SealAuditRecord(record, key);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  const std::string canonical =
      R"({"fields":{"a":"1","z":"\u00e9\u007f\n\u0001/\"\\"},"prev":")" +
      std::string(kAuditFirstPrev) +
      R"(","seq":1,"time":"2025-06-01T00:00:00.250Z","type":"t"})";
  EXPECT_EQ(sealed->hash, HexEncode(crypto::Sha256(AsBytes(canonical))));
  StatusOr<Bytes> signature = HexDecode(sealed->sig);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(
      crypto::Verify(key.public_key(), AsBytes(canonical), *signature).ok());
  EXPECT_EQ(AuditRecordLine(*sealed),
            R"({"fields":{"a":"1","z":"\u00e9\u007f\n\u0001/\"\\"},"hash":")" +
                sealed->hash + R"(","prev":")" + kAuditFirstPrev +
                R"(","seq":1,"sig":")" + sealed->sig +
                R"(","time":"2025-06-01T00:00:00.250Z","type":"t"})");
}

TEST(AuditLogTest, ReopenContinuesTheChain) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 3);
  {
    std::unique_ptr<AuditLog> log = OpenLog(path, key);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->last_seq(), 5u);
    ASSERT_TRUE(log->Append("session.update", {{"session", "db"}}).ok());
    ASSERT_TRUE(log->Append("session.read", {{"session", "db"}}).ok());
    EXPECT_EQ(log->last_seq(), 7u);
  }
  const AuditVerification verification = Verify(path);
  EXPECT_TRUE(verification.intact()) << verification.finding.ToString();
  EXPECT_EQ(verification.good_records, 7u);
  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 7u);
  const AuditRecord reopen = Parse(lines[4]);
  EXPECT_EQ(reopen.type, "log.reopen");
  EXPECT_EQ(reopen.seq, 5u);
  EXPECT_EQ(reopen.prev, Parse(lines[3]).hash);
  EXPECT_TRUE(reopen.fields.empty());
  EXPECT_EQ(Parse(lines[6]).type, "session.read");
}

TEST(AuditLogTest, ReopenWithAnotherKeyIsRefused) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  const crypto::PrivateKey other = NewKey();
  WriteLog(path, key, 2);
  const std::string before = ReadAll(path);

  StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(path, other, FixedClock());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.status().message(),
            "audit log " + path + " was started by key sha256:" + KeyIdOf(key) +
                ", not by this key sha256:" + KeyIdOf(other) +
                "; a new key needs a new log file");
  EXPECT_EQ(ReadAll(path), before);
}

TEST(AuditLogTest, ReopenRefusesALastRecordOfAnotherKey) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 2);
  std::vector<std::string> lines = ReadLines(path);
  StatusOr<AuditRecord> forged = SealAuditRecord(Parse(lines.back()), NewKey());
  ASSERT_TRUE(forged.ok());
  lines.back() = AuditRecordLine(*forged);
  WriteLines(path, lines);

  StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(path, key, FixedClock());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(log.status().message().starts_with(
      "audit log " + path +
      ": its last record (seq 3) is not signed by this key (ECDSA-SHA256 "
      "signature does not verify"))
      << log.status().message();
}

TEST(AuditLogTest, ReopenRefusesACorruptLastRecord) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 2);
  std::string data = ReadAll(path);
  data.replace(data.rfind("\"db\""), 4, "\"dc\"");
  WriteAll(path, data);

  StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(path, key, FixedClock());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(log.status().message().starts_with(
      "audit log " + path + ": last record: hash mismatch (\"hash\" is "))
      << log.status().message();
}

TEST(AuditLogTest, ASecondWriterIsRefused) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  std::unique_ptr<AuditLog> log = OpenLog(path, key);
  ASSERT_NE(log, nullptr);
  StatusOr<std::unique_ptr<AuditLog>> second =
      AuditLog::Open(path, key, FixedClock());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "audit log " + path +
                " is already open for writing (by this or another process)");
  EXPECT_TRUE(log->Append("session.create", {{"session", "db"}}).ok());
}

TEST(AuditLogTest, EveryEditedByteIsReportedOnItsLine) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 4);
  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 5u);
  const size_t middle = 2;  // line 3
  for (size_t i = 0; i < lines[middle].size(); ++i) {
    std::vector<std::string> edited = lines;
    edited[middle][i] = static_cast<char>(edited[middle][i] ^ 0x01);
    WriteLines(path, edited);
    const AuditVerification verification = Verify(path);
    EXPECT_EQ(verification.broken_line, 3u)
        << "byte " << i << ": " << verification.finding.ToString();
    EXPECT_EQ(verification.good_records, 2u) << "byte " << i;
  }
}

TEST(AuditLogTest, AnEditedValueIsAHashMismatch) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 19);
  std::vector<std::string> lines = ReadLines(path);
  const std::string original_hash = Parse(lines[9]).hash;
  lines[9].replace(lines[9].find("\"ok\""), 4, "\"no\"");
  WriteLines(path, lines);

  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 10u);
  EXPECT_EQ(verification.good_records, 9u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kHashMismatch);
  EXPECT_TRUE(verification.finding.detail.starts_with(
      "\"hash\" is " + original_hash.substr(0, 16) +
      "..., the content hashes to "))
      << verification.finding.detail;
  EXPECT_TRUE(
      DescribeAuditVerification(verification, path)
          .starts_with("audit log " + path +
                       ":10: broken record: hash mismatch (\"hash\" is "))
      << DescribeAuditVerification(verification, path);
  EXPECT_TRUE(DescribeAuditVerification(verification, path)
                  .ends_with("); the 9 records before it verify"));
}

TEST(AuditLogTest, AReSignedRecordBreaksTheChainAfterIt) {
  // Re-sealing one record with the right key changes its hash, so the next
  // record's "prev" no longer matches.
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 5);
  std::vector<std::string> lines = ReadLines(path);
  AuditRecord record = Parse(lines[2]);
  record.fields[1].second = "denied";
  StatusOr<AuditRecord> resealed = SealAuditRecord(record, key);
  ASSERT_TRUE(resealed.ok());
  lines[2] = AuditRecordLine(*resealed);
  WriteLines(path, lines);

  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 4u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kPrevMismatch);
  EXPECT_EQ(verification.finding.detail,
            "\"prev\" is " + Parse(lines[3]).prev.substr(0, 16) +
                "..., the previous record's hash is " +
                resealed->hash.substr(0, 16) + "...");
}

TEST(AuditLogTest, ADeletedLineIsASeqGap) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  WriteLog(path, NewKey(), 9);
  std::vector<std::string> lines = ReadLines(path);
  lines.erase(lines.begin() + 4);  // line 5
  WriteLines(path, lines);

  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 5u);
  EXPECT_EQ(verification.good_records, 4u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kSeqGap);
  EXPECT_EQ(verification.finding.detail, "expected seq 5, found 6");
  EXPECT_EQ(DescribeAuditVerification(verification, path),
            "audit log " + path +
                ":5: broken record: seq gap (expected seq 5, found 6); the 4 "
                "records before it verify");
}

TEST(AuditLogTest, ReorderedLinesAreReported) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  WriteLog(path, NewKey(), 9);
  std::vector<std::string> lines = ReadLines(path);
  std::swap(lines[6], lines[7]);  // lines 7 and 8
  WriteLines(path, lines);

  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 7u);
  EXPECT_EQ(verification.good_records, 6u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kSeqGap);
  EXPECT_EQ(verification.finding.detail, "expected seq 7, found 8");
}

TEST(AuditLogTest, ATruncatedLastRecordIsTorn) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  WriteLog(path, NewKey(), 4);
  std::string data = ReadAll(path);
  data.resize(data.size() - 30);
  WriteAll(path, data);

  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 5u);
  EXPECT_EQ(verification.good_records, 4u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kTorn);
  EXPECT_EQ(
      verification.finding.detail,
      "the file ends without a newline after " +
          std::to_string(data.size() - data.rfind('\n', data.size()) - 1) +
          " bytes");
}

TEST(AuditLogTest, ReopenDiscardsATornTailAndRecordsIt) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 4);
  std::string data = ReadAll(path);
  data.resize(data.size() - 30);
  WriteAll(path, data);
  const std::string torn = data.substr(data.rfind('\n') + 1);

  std::vector<std::string> logged;
  SetLogSink([&](std::string_view line) { logged.emplace_back(line); });
  std::unique_ptr<AuditLog> log = OpenLog(path, key);
  SetLogSink(nullptr);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append("session.read", {{"session", "db"}}).ok());
  log.reset();

  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(
      logged[0].find("msg=\"audit log: discarded a torn last record left by a "
                     "crash\""),
      std::string::npos)
      << logged[0];
  EXPECT_NE(logged[0].find("bytes=" + std::to_string(torn.size())),
            std::string::npos)
      << logged[0];

  const AuditVerification verification = Verify(path);
  EXPECT_TRUE(verification.intact()) << verification.finding.ToString();
  EXPECT_EQ(verification.good_records, 6u);
  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 6u);
  const AuditRecord reopen = Parse(lines[4]);
  EXPECT_EQ(reopen.type, "log.reopen");
  EXPECT_EQ(reopen.seq, 5u);
  EXPECT_EQ(reopen.fields,
            (AuditFields{{"discarded_torn_bytes", std::to_string(torn.size())},
                         {"discarded_torn_sha256",
                          HexEncode(crypto::Sha256(AsBytes(torn)))}}));
}

TEST(AuditLogTest, ATornFirstRecordStartsTheLogAfresh) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteAll(path, "{\"fields\":{\"for");
  SetLogSink([](std::string_view) {});
  std::unique_ptr<AuditLog> log = OpenLog(path, key);
  SetLogSink(nullptr);
  ASSERT_NE(log, nullptr);
  log.reset();
  const AuditVerification verification = Verify(path);
  EXPECT_TRUE(verification.intact()) << verification.finding.ToString();
  EXPECT_EQ(verification.good_records, 1u);
  const AuditRecord first = Parse(ReadLines(path)[0]);
  EXPECT_EQ(first.type, "log.open");
  const std::map<std::string, std::string> fields(first.fields.begin(),
                                                  first.fields.end());
  EXPECT_EQ(fields.at("discarded_torn_bytes"), "15");
}

TEST(AuditLogTest, AnotherKeyReSigningEverythingIsCaughtOnlyByThePin) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  const crypto::PrivateKey forger = NewKey();
  WriteLog(path, key, 9);

  // Rewrite the whole log as if `forger` had written it.
  std::vector<std::string> lines = ReadLines(path);
  std::string prev = kAuditFirstPrev;
  for (size_t i = 0; i < lines.size(); ++i) {
    AuditRecord record = Parse(lines[i]);
    if (i == 0) {
      for (auto& [name, value] : record.fields) {
        if (name == "public_key") value = forger.PublicKeyPem();
        if (name == "key_id") value = KeyIdOf(forger);
      }
    }
    record.prev = prev;
    StatusOr<AuditRecord> resealed = SealAuditRecord(record, forger);
    ASSERT_TRUE(resealed.ok());
    lines[i] = AuditRecordLine(*resealed);
    prev = resealed->hash;
  }
  WriteLines(path, lines);

  const AuditVerification alone = Verify(path);
  EXPECT_TRUE(alone.intact()) << alone.finding.ToString();
  EXPECT_EQ(alone.good_records, 10u);
  EXPECT_EQ(alone.key_id, KeyIdOf(forger));

  const crypto::PublicKey pinned = key.public_key();
  const AuditVerification verification = Verify(path, &pinned);
  EXPECT_EQ(verification.broken_line, 1u);
  EXPECT_EQ(verification.good_records, 0u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kKeyNotPinned);
  EXPECT_EQ(verification.finding.detail,
            "the log is signed by key sha256:" + KeyIdOf(forger) +
                ", expected sha256:" + KeyIdOf(key));
  EXPECT_EQ(DescribeAuditVerification(verification, path),
            "audit log " + path +
                ":1: broken record: key differs from the pinned key (the log "
                "is signed by key sha256:" +
                KeyIdOf(forger) + ", expected sha256:" + KeyIdOf(key) + ")");
}

TEST(AuditLogTest, ReplacingOnlyTheKeyInRecordOneIsAHashMismatch) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  WriteLog(path, key, 3);
  std::vector<std::string> lines = ReadLines(path);
  AuditRecord first = Parse(lines[0]);
  for (auto& [name, value] : first.fields) {
    if (name == "public_key") value = NewKey().PublicKeyPem();
  }
  lines[0] = AuditRecordLine(first);
  WriteLines(path, lines);
  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 1u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kHashMismatch);
}

TEST(AuditLogTest, AForeignSignatureIsABadSignature) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  WriteLog(path, NewKey(), 5);
  std::vector<std::string> lines = ReadLines(path);
  StatusOr<AuditRecord> forged = SealAuditRecord(Parse(lines[3]), NewKey());
  ASSERT_TRUE(forged.ok());
  lines[3] = AuditRecordLine(*forged);  // same hash, another signer
  WriteLines(path, lines);

  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 4u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kBadSignature);
  EXPECT_TRUE(verification.finding.detail.starts_with(
      "ECDSA-SHA256 signature does not verify"))
      << verification.finding.detail;
}

TEST(AuditLogTest, ConcurrentAppendsAreAllPresentInOrder) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  const crypto::PrivateKey key = NewKey();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  {
    std::unique_ptr<AuditLog> log = OpenLog(path, key);
    ASSERT_NE(log, nullptr);
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          if (!log->Append("attestation", {{"thread", std::to_string(t)},
                                           {"n", std::to_string(i)}})
                   .ok()) {
            ++failures[t];
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
    EXPECT_EQ(log->last_seq(), 1u + kThreads * kPerThread);
  }
  const AuditVerification verification = Verify(path);
  EXPECT_TRUE(verification.intact()) << verification.finding.ToString();
  EXPECT_EQ(verification.good_records, 1u + kThreads * kPerThread);

  // Each thread's records appear once each, in the order it wrote them.
  std::vector<int> next(kThreads, 0);
  const std::vector<std::string> lines = ReadLines(path);
  for (size_t i = 1; i < lines.size(); ++i) {
    const AuditRecord record = Parse(lines[i]);
    ASSERT_EQ(record.seq, i + 1);
    ASSERT_EQ(record.fields.size(), 2u);
    const int t = std::stoi(record.fields[1].second);
    ASSERT_EQ(record.fields[0].second, std::to_string(next[t])) << "line " << i;
    ++next[t];
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kPerThread) << t;
}

TEST(AuditLogTest, BadAppendsAreRefusedAndTheLogGoesOn) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  std::unique_ptr<AuditLog> log = OpenLog(path, NewKey());
  ASSERT_NE(log, nullptr);

  Status status = log->Append("Bad Type", {});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "audit record type \"Bad Type\" is not 1 to 64 characters of "
            "[a-z0-9._-]");
  status = log->Append("log.open", {});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "audit record type \"log.open\": \"log.\" types are the log's own");
  status = log->Append("attestation", {{"session", "a"}, {"session", "b"}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "audit record \"attestation\": field \"session\" is given twice");
  status = log->Append("attestation", {{"bad name", "a"}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "audit record \"attestation\": field name \"bad name\" is not 1 "
            "to 64 characters of [A-Za-z0-9._-]");
  status = log->Append("attestation", {{"reason", "\xff\xfe"}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "audit record \"attestation\": a field name or value, the type or "
            "the time is not valid UTF-8");
  status = log->Append("attestation",
                       {{"reason", std::string(kMaxAuditRecordBytes, 'x')}});
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(
      status.message().starts_with("audit record \"attestation\" "
                                   "would be "))
      << status.message();
  EXPECT_TRUE(status.message().ends_with(" bytes, above the limit of 65536"))
      << status.message();

  ASSERT_TRUE(log->Append("attestation", {{"reason", "caf\xc3\xa9"}}).ok());
  EXPECT_EQ(log->last_seq(), 2u);
  log.reset();
  const AuditVerification verification = Verify(path);
  EXPECT_TRUE(verification.intact()) << verification.finding.ToString();
  EXPECT_EQ(verification.good_records, 2u);
  EXPECT_EQ(Parse(ReadLines(path)[1]).fields,
            (AuditFields{{"reason", "caf\xc3\xa9"}}));
}

TEST(AuditVerifyTest, UnreadableAndEmptyFilesAreErrors) {
  TempDir tmp;
  const std::string missing = tmp.File("missing.jsonl");
  StatusOr<AuditVerification> result = VerifyAuditLog(missing, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(),
            "open audit log " + missing + ": No such file or directory");

  const std::string empty = tmp.File("empty.jsonl");
  WriteAll(empty, "");
  result = VerifyAuditLog(empty, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "audit log " + empty + " is empty");
}

TEST(AuditVerifyTest, ReportsGarbageWithoutCrashing) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  struct Case {
    std::string data;
    AuditProblem problem;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {"not json\n", AuditProblem::kBadJson, "syntax error at byte 2"},
      {"\n", AuditProblem::kBadJson, "syntax error at byte 1"},
      {"[1,2]\n", AuditProblem::kMalformed, "not a JSON object"},
      {"{\"seq\":1}\n", AuditProblem::kMalformed, "no \"fields\" member"},
      {std::string(kMaxAuditRecordBytes + 1, '{') + "\n",
       AuditProblem::kTooLong, "longer than 65536 bytes"},
      {std::string(kMaxAuditRecordBytes + 1, '{'), AuditProblem::kTooLong,
       "longer than 65536 bytes"},
      {std::string(100000, '['), AuditProblem::kTooLong,
       "longer than 65536 bytes"},
  };
  for (const Case& c : cases) {
    WriteAll(path, c.data);
    const AuditVerification verification = Verify(path);
    EXPECT_EQ(verification.broken_line, 1u) << c.detail;
    EXPECT_EQ(verification.finding.problem, c.problem) << c.detail;
    EXPECT_EQ(verification.finding.detail, c.detail);
  }
}

TEST(AuditVerifyTest, RecordOneMustOpenTheLog) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  AuditRecord record;
  record.seq = 1;
  record.time = kNowText;
  record.type = "attestation";
  record.prev = kAuditFirstPrev;
  StatusOr<AuditRecord> sealed = SealAuditRecord(record, NewKey());
  ASSERT_TRUE(sealed.ok());
  WriteAll(path, AuditRecordLine(*sealed) + "\n");
  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 1u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kBadFirstRecord);
  EXPECT_EQ(verification.finding.detail,
            "the first record has type \"attestation\", not \"log.open\"");
  EXPECT_EQ(DescribeAuditVerification(verification, path),
            "audit log " + path +
                ":1: broken record: bad first record (the first record has "
                "type \"attestation\", not \"log.open\")");
}

TEST(AuditVerifyTest, WhitespaceIsNotCanonical) {
  TempDir tmp;
  const std::string path = tmp.File("audit.jsonl");
  WriteLog(path, NewKey(), 2);
  std::vector<std::string> lines = ReadLines(path);
  lines[1].insert(1, " ");
  WriteLines(path, lines);
  const AuditVerification verification = Verify(path);
  EXPECT_EQ(verification.broken_line, 2u);
  EXPECT_EQ(verification.finding.problem, AuditProblem::kNotCanonical);
  EXPECT_EQ(DescribeAuditVerification(verification, path),
            "audit log " + path +
                ":2: broken record: not in canonical form (the line differs "
                "from its record's canonical serialization); the 1 record "
                "before it verifies");
}

// An in-memory SharedAuditChain: what etcd does for AuditLog::OpenShared
// (a compare-and-swap on the head), for the members of one test.
class MemoryChain final : public SharedAuditChain {
 public:
  struct State {
    std::mutex mu;
    std::vector<std::string> lines;
    std::string hash;
    int64_t version = 0;
    int lost_races = 0;
    int batches = 0;
  };
  explicit MemoryChain(std::shared_ptr<State> state)
      : state_(std::move(state)) {}

  StatusOr<Head> ReadHead() override {
    std::lock_guard lock(state_->mu);
    return Head{state_->lines.size(), state_->hash, state_->version};
  }
  StatusOr<bool> Append(const Head& expected, uint64_t first_seq,
                        const std::vector<std::string>& lines,
                        const std::string& last_hash) override {
    std::lock_guard lock(state_->mu);
    if (expected.version != state_->version) {
      ++state_->lost_races;
      return false;
    }
    EXPECT_EQ(first_seq, state_->lines.size() + 1);
    state_->lines.insert(state_->lines.end(), lines.begin(), lines.end());
    state_->hash = last_hash;
    ++state_->version;
    ++state_->batches;
    return true;
  }
  StatusOr<std::vector<std::string>> ReadAll() override {
    std::lock_guard lock(state_->mu);
    return state_->lines;
  }

 private:
  std::shared_ptr<State> state_;
};

TEST(SharedAuditLogTest, MembersAppendingAtOnceWriteOneChain) {
  const crypto::PrivateKey key = NewKey();
  auto state = std::make_shared<MemoryChain::State>();
  StatusOr<std::unique_ptr<AuditLog>> first =
      AuditLog::OpenShared(std::make_unique<MemoryChain>(state), key);
  StatusOr<std::unique_ptr<AuditLog>> second =
      AuditLog::OpenShared(std::make_unique<MemoryChain>(state), key);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    AuditLog& log = t % 2 == 0 ? **first : **second;
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(
            log.Append("session.read", {{"session", "s" + std::to_string(t)},
                                        {"i", std::to_string(i)}})
                .ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  // One chain: opened once, continued once, then every record.
  StatusOr<std::string> text = (*second)->Export();
  ASSERT_TRUE(text.ok());
  TempDir dir;
  const std::string path = dir.File("exported.jsonl");
  std::ofstream(path, std::ios::binary) << *text;
  const crypto::PublicKey public_key = key.public_key();
  StatusOr<AuditVerification> verified = VerifyAuditLog(path, &public_key);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->intact()) << DescribeAuditVerification(*verified, path);
  EXPECT_EQ(verified->good_records, 2u + 4u * kPerThread);
  const std::vector<std::string> lines = ReadLines(path);
  EXPECT_NE(lines[0].find("\"type\":\"log.open\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"type\":\"log.reopen\""), std::string::npos);
  // The members did race for the head, and each lost race was signed
  // again; appends made at once went in shared batches.
  EXPECT_GT(state->lost_races, 0);
  EXPECT_LT(state->batches, 2 + 4 * kPerThread);
}

TEST(SharedAuditLogTest, AnOversizeRecordFailsAloneAndTheChainGoesOn) {
  auto state = std::make_shared<MemoryChain::State>();
  StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::OpenShared(std::make_unique<MemoryChain>(state), NewKey());
  ASSERT_TRUE(log.ok());
  const Status big = (*log)->Append(
      "session.read", {{"session", std::string(kMaxAuditRecordBytes, 'x')}});
  EXPECT_EQ(big.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE((*log)->Append("session.read", {{"session", "db"}}).ok());
  EXPECT_EQ((*log)->last_seq(), 2u);
  StatusOr<std::string> text = (*log)->Export();
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(std::count(text->begin(), text->end(), '\n'), 2);
}

TEST(SharedAuditLogTest, AChainThatCannotBeReadRefusesTheAppend) {
  class Broken final : public SharedAuditChain {
   public:
    StatusOr<Head> ReadHead() override {
      return UnavailableError("etcd: no endpoint answered");
    }
    StatusOr<bool> Append(const Head&, uint64_t,
                          const std::vector<std::string>&,
                          const std::string&) override {
      return true;
    }
    StatusOr<std::vector<std::string>> ReadAll() override {
      return std::vector<std::string>();
    }
  };
  StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::OpenShared(std::make_unique<Broken>(), NewKey());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(log.status().message().find("no endpoint answered"),
            std::string::npos);
}

}  // namespace
}  // namespace coffer::cas

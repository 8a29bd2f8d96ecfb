// What the CAS reads back from places others can write: recovery.json on
// the host and etcd's range answers (fuzz/cas_storage_fuzz.cc fuzzes both).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cas/etcd_client.h"
#include "cas/recovery.h"

namespace coffer::cas {
namespace {

std::string Officer(char c) { return std::string(64, c); }

// A recovery file with `threshold` (JSON text) and shares at `points`, each
// for its own officer unless `same_officer`.
std::string RecoveryJson(const std::string& threshold,
                         const std::vector<std::string>& points,
                         bool same_officer = false, int format = 1) {
  std::string shares;
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) shares += ",";
    shares += R"({"officer":")" +
              Officer(same_officer ? 'a' : static_cast<char>('a' + i)) +
              R"(","x":)" + points[i] + R"(,"sealed":"00ff"})";
  }
  return R"({"format":)" + std::to_string(format) + R"(,"threshold":)" +
         threshold + R"(,"shares":[)" + shares + "]}";
}

TEST(RecoveryFileTest, ReadsAWellFormedFile) {
  auto file = ParseRecoveryFile(RecoveryJson("2", {"1", "2", "3"}), "r.json");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->threshold, 2);
  ASSERT_EQ(file->shares.size(), 3u);
  EXPECT_EQ(file->shares[2].x, 3);
  EXPECT_EQ(file->shares[1].officer, Officer('b'));
  EXPECT_EQ(file->shares[0].sealed, (Bytes{0x00, 0xff}));
}

TEST(RecoveryFileTest, RefusesWhatIsNotOne) {
  const struct {
    const char* why;
    std::string text;
  } cases[] = {
      {"a threshold that wraps to 2 as a 32-bit int",
       RecoveryJson("4294967298", {"1", "2", "3"})},
      {"a threshold above 2^63", RecoveryJson("18446744073709551615", {"1"})},
      {"a threshold over the shares", RecoveryJson("4", {"1", "2", "3"})},
      {"a threshold of 0", RecoveryJson("0", {"1", "2"})},
      {"a point that wraps to 1", RecoveryJson("1", {"4294967297"})},
      {"a point of 0", RecoveryJson("1", {"0"})},
      {"a point of 256", RecoveryJson("1", {"256"})},
      {"a point given twice", RecoveryJson("2", {"1", "1"})},
      {"an officer given twice", RecoveryJson("2", {"1", "2"}, true)},
      {"another format", RecoveryJson("1", {"1"}, false, 2)},
      {"not JSON", "{"},
  };
  for (const auto& c : cases) {
    auto file = ParseRecoveryFile(c.text, "DIR/recovery.json");
    ASSERT_FALSE(file.ok()) << c.why;
    EXPECT_EQ(file.status().code(), StatusCode::kDataLoss) << c.why;
    EXPECT_EQ(file.status().message(),
              "DIR/recovery.json is not a CAS recovery file")
        << c.why;
  }
}

TEST(EtcdRangeAnswerTest, ReadsKeyValues) {
  // "Y29mZmVyL2E=" is "coffer/a"; "dmFsdWU=" is "value". etcd writes
  // 64-bit integers as strings.
  auto kvs = EtcdClient::ParseRangeAnswer(
      R"({"header":{"revision":"9"},"kvs":[{"key":"Y29mZmVyL2E=",)"
      R"("create_revision":"3","mod_revision":"9","value":"dmFsdWU="}]})",
      "e:2379");
  ASSERT_TRUE(kvs.ok()) << kvs.status().message();
  ASSERT_EQ(kvs->size(), 1u);
  EXPECT_EQ((*kvs)[0].key, "coffer/a");
  EXPECT_EQ(std::string((*kvs)[0].value.begin(), (*kvs)[0].value.end()),
            "value");
  EXPECT_EQ((*kvs)[0].create_revision, 3);
  EXPECT_EQ((*kvs)[0].mod_revision, 9);

  auto none = EtcdClient::ParseRangeAnswer(R"({"header":{}})", "e:2379");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
}

TEST(EtcdRangeAnswerTest, RefusesMalformedAnswers) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"[]", "etcd e:2379: a malformed answer"},
      {R"({"kvs":{}})", "etcd e:2379: a malformed answer to a range"},
      {R"({"kvs":[{"key":"not base64!","create_revision":"1","mod_revision":"1"}]})",
       "etcd e:2379: a malformed key-value"},
      {R"({"kvs":[{"key":"YQ==","create_revision":"0","mod_revision":"1"}]})",
       "etcd e:2379: a malformed key-value"},
      {R"({"kvs":[{"key":"YQ==","create_revision":"1","mod_revision":"-4"}]})",
       "etcd e:2379: a malformed key-value"},
      {R"({"kvs":[{"key":"YQ==","create_revision":"1","mod_revision":"1","value":7}]})",
       "etcd e:2379: a malformed key-value"},
  };
  for (const auto& c : cases) {
    auto kvs = EtcdClient::ParseRangeAnswer(c.text, "e:2379");
    ASSERT_FALSE(kvs.ok()) << c.text;
    EXPECT_EQ(kvs.status().code(), StatusCode::kInternal) << c.text;
    EXPECT_EQ(kvs.status().message(), c.message) << c.text;
  }
}

}  // namespace
}  // namespace coffer::cas

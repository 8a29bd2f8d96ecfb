// libFuzzer target: what the CAS reads back from storage that others can
// write: etcd's /v3/kv/range answers (another etcd member, or whoever
// answers on its address, TLS or not) and DATA_DIR/recovery.json (a file
// on the host). The first byte picks the reader. Whatever the input it must
// return; what it accepts must hold the readers' promises: revisions
// above 0 and key-values that read back the same when written as etcd
// writes them; a threshold within the shares, points 1..255 given once.
// ASan and UBSan watch the rest.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "cas/etcd_client.h"
#include "cas/recovery.h"
#include "common/encoding.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void RangeAnswer(std::string_view text) {
  using coffer::cas::EtcdClient;
  const auto kvs = EtcdClient::ParseRangeAnswer(text, "fuzz");
  if (!kvs.ok()) return;
  nlohmann::json written = nlohmann::json::array();
  for (const EtcdClient::KeyValue& kv : *kvs) {
    Check(kv.create_revision > 0 && kv.mod_revision > 0);
    written.push_back({{"key", coffer::Base64Encode(coffer::AsBytes(kv.key))},
                       {"value", coffer::Base64Encode(kv.value)},
                       {"create_revision", std::to_string(kv.create_revision)},
                       {"mod_revision", std::to_string(kv.mod_revision)}});
  }
  const auto again = EtcdClient::ParseRangeAnswer(
      nlohmann::json{{"kvs", written}}.dump(), "fuzz");
  Check(again.ok() && again->size() == kvs->size());
  for (size_t i = 0; i < kvs->size(); ++i) {
    const EtcdClient::KeyValue& a = (*kvs)[i];
    const EtcdClient::KeyValue& b = (*again)[i];
    Check(a.key == b.key && a.value == b.value &&
          a.create_revision == b.create_revision &&
          a.mod_revision == b.mod_revision);
  }
}

void RecoveryFile(std::string_view text) {
  const auto file = coffer::cas::ParseRecoveryFile(text, "recovery.json");
  if (!file.ok()) return;
  Check(file->threshold >= 1 &&
        file->threshold <= static_cast<int>(file->shares.size()));
  std::set<int> points;
  for (const coffer::cas::RecoveryShare& share : file->shares) {
    Check(share.x >= 1 && points.insert(share.x).second);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  if (data[0] % 2 == 0) {
    RangeAnswer(text);
  } else {
    RecoveryFile(text);
  }
  return 0;
}

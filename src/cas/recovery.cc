#include "cas/recovery.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "crypto/hash.h"
#include "crypto/sealed_box.h"
#include "crypto/shamir.h"

namespace coffer::cas {
namespace {

using Json = nlohmann::json;
constexpr int kRecoveryFormat = 1;

}  // namespace

Bytes RecoveryShareAd(const std::string& officer, uint8_t x, bool to_cas) {
  const std::string text = std::string(to_cas ? "coffer-recovery-to-cas-v1"
                                              : "coffer-recovery-share-v1") +
                           "|" + officer + "|" + std::to_string(x);
  return Bytes(text.begin(), text.end());
}

Status WriteRecoveryShares(const std::string& data_dir,
                           const crypto::SecretBytes& state_key,
                           const std::vector<crypto::PublicKey>& officers,
                           int threshold) {
  if (threshold < 1 || threshold > static_cast<int>(officers.size())) {
    return InvalidArgumentError(
        "--recovery-threshold must be from 1 to the number of "
        "--recovery-officer keys (" +
        std::to_string(officers.size()) + ")");
  }
  COFFER_ASSIGN_OR_RETURN(
      std::vector<crypto::SecretShare> shares,
      crypto::SplitSecret(state_key.span(), threshold,
                          static_cast<int>(officers.size())));
  Json entries = Json::array();
  for (size_t i = 0; i < officers.size(); ++i) {
    if (officers[i].type() != crypto::KeyType::kP256) {
      return InvalidArgumentError("recovery officer keys must be P-256");
    }
    const std::string officer = HexEncode(crypto::Sha256(officers[i].ToDer()));
    COFFER_ASSIGN_OR_RETURN(
        Bytes sealed,
        crypto::SealToPublicKey(officers[i], shares[i].y.span(),
                                RecoveryShareAd(officer, shares[i].x, false)));
    entries.push_back({{"officer", officer},
                       {"x", shares[i].x},
                       {"sealed", HexEncode(sealed)}});
  }
  const Json file = {{"format", kRecoveryFormat},
                     {"threshold", threshold},
                     {"shares", entries}};
  return WriteFileAtomic(data_dir + "/" + kRecoveryFileName,
                         file.dump(2) + "\n", 0600);
}

StatusOr<RecoveryFile> ReadRecoveryFile(const std::string& path) {
  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return NotFoundError("no " + path +
                           ": this state was made without recovery officers");
    }
    return text.status();
  }
  return ParseRecoveryFile(*text, path);
}

StatusOr<RecoveryFile> ParseRecoveryFile(std::string_view text,
                                         const std::string& path) {
  const Json root = Json::parse(text, nullptr, false);
  auto bad = [&] {
    return DataLossError(path + " is not a CAS recovery file");
  };
  // An integer field read whole: get<int>() would wrap 4294967297 to 1.
  auto integer = [](const Json& object, const char* name) -> int64_t {
    if (!object.contains(name) || !object[name].is_number_integer()) return -1;
    if (object[name].is_number_unsigned() &&
        object[name].get<uint64_t>() > uint64_t{INT64_MAX}) {
      return -1;
    }
    return object[name].get<int64_t>();
  };
  if (!root.is_object() || integer(root, "format") != kRecoveryFormat ||
      !root.contains("shares") || !root["shares"].is_array()) {
    return bad();
  }
  const int64_t threshold = integer(root, "threshold");
  RecoveryFile file;
  for (const Json& entry : root["shares"]) {
    if (!entry.is_object() || !entry.contains("officer") ||
        !entry["officer"].is_string() || !entry.contains("sealed") ||
        !entry["sealed"].is_string()) {
      return bad();
    }
    const int64_t x = integer(entry, "x");
    StatusOr<Bytes> sealed = HexDecode(entry["sealed"].get<std::string>());
    if (x < 1 || x > 255 || !sealed.ok()) return bad();
    // Each officer holds one share, each share its own point.
    for (const RecoveryShare& other : file.shares) {
      if (other.x == x || other.officer == entry["officer"]) return bad();
    }
    file.shares.push_back({entry["officer"].get<std::string>(),
                           static_cast<uint8_t>(x), *std::move(sealed)});
  }
  if (threshold < 1 || threshold > static_cast<int64_t>(file.shares.size())) {
    return bad();
  }
  file.threshold = static_cast<int>(threshold);
  return file;
}

RecoveryServer::RecoveryServer(RecoveryFile file, crypto::PrivateKey key)
    : file_(std::move(file)), key_(std::move(key)) {}

Status RecoveryServer::AddShare(const std::string& officer, const Bytes& box) {
  const auto entry = std::find_if(
      file_.shares.begin(), file_.shares.end(),
      [&](const RecoveryShare& s) { return s.officer == officer; });
  if (entry == file_.shares.end()) {
    return PermissionDeniedError("officer " + officer +
                                 " is not one of this state's recovery "
                                 "officers");
  }
  StatusOr<crypto::SecretBytes> share = crypto::OpenSealedBox(
      key_, box, RecoveryShareAd(officer, entry->x, true));
  if (!share.ok()) {
    return PermissionDeniedError(
        "the share does not open with this CAS's key: seal "
        "it to the key of the evidence you checked");
  }
  std::lock_guard lock(mu_);
  if (std::find(points_.begin(), points_.end(), entry->x) != points_.end()) {
    return OkStatus();  // given already
  }
  shares_.emplace_back(officer, *std::move(share));
  points_.push_back(entry->x);
  return OkStatus();
}

std::string RecoveryServer::StatusJson() const {
  std::lock_guard lock(mu_);
  Json officers = Json::array();
  for (const auto& [officer, share] : shares_) officers.push_back(officer);
  return Json{{"threshold", file_.threshold},
              {"received", shares_.size()},
              {"officers", officers},
              {"recovered", recovered_}}
      .dump();
}

Status RecoveryServer::TryRecover(
    const std::function<Status(const crypto::SecretBytes&)>& accept) {
  std::lock_guard lock(mu_);
  if (static_cast<int>(shares_.size()) < file_.threshold) {
    return FailedPreconditionError(std::to_string(shares_.size()) + " of " +
                                   std::to_string(file_.threshold) +
                                   " shares received");
  }
  std::vector<crypto::SecretShare> shares;
  for (size_t i = 0; i < shares_.size(); ++i) {
    shares.push_back({points_[i], shares_[i].second.Clone()});
  }
  COFFER_ASSIGN_OR_RETURN(crypto::SecretBytes key,
                          crypto::CombineShares(shares));
  if (Status accepted = accept(key); !accepted.ok()) {
    shares_.clear();  // a wrong share among them: start again
    points_.clear();
    return accepted;
  }
  recovered_ = true;
  recovered_cv_.notify_all();
  return OkStatus();
}

bool RecoveryServer::WaitRecovered(const std::function<bool()>& stop) {
  std::unique_lock lock(mu_);
  while (!recovered_) {
    if (stop()) return false;
    recovered_cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
  return true;
}

std::vector<std::string> RecoveryServer::contributors() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [officer, share] : shares_) out.push_back(officer);
  return out;
}

}  // namespace coffer::cas

#include "crypto/memory_bio.h"

#include <climits>

namespace coffer::crypto::internal {
namespace {

std::span<const uint8_t> Written(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  if (length <= 0 || data == nullptr) return {};
  return {reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(length)};
}

}  // namespace

BioPtr ReadOnlyBio(std::span<const uint8_t> data) {
  // BIO_new_mem_buf takes an int length; larger inputs are cut to a size no
  // certificate or key reaches, and then fail to parse with a clear error.
  const int length = data.size() > static_cast<size_t>(INT_MAX)
                         ? INT_MAX
                         : static_cast<int>(data.size());
  static const uint8_t kEmpty = 0;
  return BioPtr(BIO_new_mem_buf(data.empty() ? &kEmpty : data.data(), length));
}

BioPtr WritableBio(bool secure) {
  return BioPtr(BIO_new(secure ? BIO_s_secmem() : BIO_s_mem()));
}

Bytes BioContents(BIO* bio) {
  const std::span<const uint8_t> written = Written(bio);
  return Bytes(written.begin(), written.end());
}

std::string BioText(BIO* bio) { return std::string(AsString(Written(bio))); }

SecretBytes BioSecret(BIO* bio) { return SecretBytes(Written(bio)); }

}  // namespace coffer::crypto::internal

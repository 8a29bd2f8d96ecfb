#include "attest/chain_to_root.h"

#include <string>

#include "common/encoding.h"
#include "crypto/chain_verify.h"

namespace coffer::attest::internal {

Status CheckEndsAtRoot(const std::vector<crypto::Certificate>& chain,
                       const crypto::Certificate& root, std::string_view what) {
  if (chain.size() < 2) {
    return InvalidArgumentError(std::string(what) +
                                ": needs a leaf and the root, has " +
                                std::to_string(chain.size()) + " certificate");
  }
  const crypto::Certificate& last = chain.back();
  if (last.ToDer() != root.ToDer()) {
    return UnauthenticatedError(std::string(what) + " ends at \"" +
                                last.subject() + "\" (SHA-256 " +
                                HexEncode(last.Sha256Fingerprint()) +
                                "), not at the pinned root (SHA-256 " +
                                HexEncode(root.Sha256Fingerprint()) + ")");
  }
  return OkStatus();
}

StatusOr<std::vector<crypto::Certificate>> ParseChainToRoot(
    std::string_view pem, const crypto::Certificate& root,
    std::string_view what) {
  StatusOr<std::vector<crypto::Certificate>> chain =
      crypto::ParsePemCertificates(pem);
  if (!chain.ok()) return chain.status().WithContext(what);
  COFFER_RETURN_IF_ERROR(CheckEndsAtRoot(*chain, root, what));
  return chain;
}

Status VerifyChainToRoot(const std::vector<crypto::Certificate>& chain,
                         const crypto::Certificate& root, TimePoint now,
                         std::span<const crypto::Crl> crls,
                         std::string_view what) {
  std::vector<crypto::Certificate> intermediates;
  for (size_t i = 1; i + 1 < chain.size(); ++i) {
    intermediates.push_back(chain[i].Clone());
  }
  std::vector<crypto::Certificate> roots;
  roots.push_back(root.Clone());
  Status status = crypto::VerifyChain(chain.front(), intermediates, roots, now,
                                      std::nullopt, crls);
  if (!status.ok()) {
    return UnauthenticatedError(std::string(what) + ": " + status.message());
  }
  return OkStatus();
}

Status ExpectCommonName(const crypto::Certificate& certificate,
                        std::string_view phrase, std::string_view what) {
  if (certificate.common_name().find(phrase) == std::string::npos) {
    return UnauthenticatedError(
        std::string(what) + " \"" + certificate.subject() +
        "\" is not an Intel \"" + std::string(phrase) + "\" certificate");
  }
  return OkStatus();
}

}  // namespace coffer::attest::internal

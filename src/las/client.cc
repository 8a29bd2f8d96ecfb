#include "las/client.h"

#include <openssl/crypto.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/files.h"
#include "las/protocol.h"
#include "las/unique_fd.h"

namespace coffer::las {
namespace {

// Wipes a string that held a secret (a response with a seal key).
struct Wiped {
  std::string& text;
  ~Wiped() { OPENSSL_cleanse(text.data(), text.size()); }
};

StatusOr<std::string> Field(const ResponseFields& fields,
                            const std::string& name) {
  const auto it = fields.find(name);
  if (it == fields.end()) {
    return UnavailableError("the LAS's response lacks \"" + name + "\"");
  }
  return it->second;
}

StatusOr<crypto::Sha256Digest> DigestField(const ResponseFields& fields,
                                           const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(std::string hex, Field(fields, name));
  StatusOr<Bytes> bytes = HexDecode(hex);
  if (!bytes.ok() || bytes->size() != crypto::kSha256Size) {
    return UnavailableError("the LAS's \"" + name + "\" is not 64 hex digits");
  }
  crypto::Sha256Digest digest{};
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

}  // namespace

std::string DefaultDataDir() {
  // NOLINTBEGIN(concurrency-mt-unsafe): nothing in Coffer calls setenv.
  const char* data_home = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  // NOLINTEND(concurrency-mt-unsafe)
  if (data_home != nullptr && data_home[0] == '/') {
    return std::string(data_home) + "/coffer/las";
  }
  if (home != nullptr && home[0] == '/') {
    return std::string(home) + "/.local/share/coffer/las";
  }
  return "/var/lib/coffer/las";
}

std::string DefaultSocketPath() {
  const char* address =
      std::getenv("COFFER_LAS_ADDR");  // NOLINT(concurrency-mt-unsafe)
  if (address != nullptr && address[0] != '\0') return address;
  return DefaultDataDir() + "/las.sock";
}

StatusOr<std::string> Client::Call(const std::string& request, int fd) const {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
  const std::string unreachable = "cannot reach the LAS at " + socket_path_;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path_.empty() || socket_path_.size() >= sizeof address.sun_path) {
    return InvalidArgumentError("LAS socket path \"" + socket_path_ +
                                "\" is not a valid Unix socket path");
  }
  std::memcpy(address.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return InternalError("socket: " + ErrnoText(errno));
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address),
                sizeof address) != 0) {
    return UnavailableError(unreachable + ": " + ErrnoText(errno) +
                            ". Start one with `coffer las serve`, or point "
                            "--las or COFFER_LAS_ADDR at its socket");
  }
  Status sent = WriteFrame(socket.get(), request, fd, deadline);
  if (!sent.ok()) return UnavailableError(unreachable + ": " + sent.message());
  StatusOr<std::optional<Frame>> frame =
      ReadFrame(socket.get(), kMaxResponseSize, deadline);
  if (!frame.ok()) {
    return UnavailableError(unreachable + ": " + frame.status().message());
  }
  if (!frame->has_value()) {
    return UnavailableError(unreachable + ": it closed the connection");
  }
  return std::move((*frame)->body);
}

StatusOr<std::string> Client::PlatformId() const {
  COFFER_ASSIGN_OR_RETURN(
      std::string body,
      Call(EncodeRequest({Request::Op::kPlatformId, {}}), -1));
  COFFER_ASSIGN_OR_RETURN(ResponseFields fields, ParseResponse(body));
  COFFER_ASSIGN_OR_RETURN(std::string id, Field(fields, "platform_id"));
  if (!IsHex(id, 64)) {
    return UnavailableError("the LAS's platform ID is not 64 hex digits");
  }
  return id;
}

StatusOr<QuoteReply> Client::Quote(std::span<const uint8_t> report_data,
                                   int program_fd) const {
  if (report_data.empty() || report_data.size() > kMaxReportDataSize) {
    return InvalidArgumentError("report data must be 1 to 64 bytes, it is " +
                                std::to_string(report_data.size()));
  }
  Request request{Request::Op::kQuote,
                  Bytes(report_data.begin(), report_data.end())};
  COFFER_ASSIGN_OR_RETURN(std::string body,
                          Call(EncodeRequest(request), program_fd));
  COFFER_ASSIGN_OR_RETURN(ResponseFields fields, ParseResponse(body));
  QuoteReply reply;
  COFFER_ASSIGN_OR_RETURN(std::string quote_hex, Field(fields, "quote"));
  StatusOr<Bytes> quote = HexDecode(quote_hex);
  if (!quote.ok()) return UnavailableError("the LAS's quote is not hex");
  reply.quote = std::move(quote).value();
  COFFER_ASSIGN_OR_RETURN(reply.mr_enclave, DigestField(fields, "mr_enclave"));
  COFFER_ASSIGN_OR_RETURN(reply.mr_signer, DigestField(fields, "mr_signer"));
  COFFER_ASSIGN_OR_RETURN(reply.platform_id, Field(fields, "platform_id"));
  return reply;
}

StatusOr<SealKeyReply> Client::SealKey(int program_fd) const {
  COFFER_ASSIGN_OR_RETURN(
      std::string body,
      Call(EncodeRequest({Request::Op::kSealKey, {}}), program_fd));
  Wiped wipe_body{body};
  COFFER_ASSIGN_OR_RETURN(ResponseFields fields, ParseResponse(body));
  std::string& key_hex = fields["seal_key"];
  Wiped wipe_key{key_hex};
  StatusOr<Bytes> key = HexDecode(key_hex);
  if (!key.ok() || key->size() != 32) {
    return UnavailableError("the LAS's seal key is not 64 hex digits");
  }
  SealKeyReply reply;
  reply.key = crypto::SecretBytes(*key);
  OPENSSL_cleanse(key->data(), key->size());
  COFFER_ASSIGN_OR_RETURN(reply.mr_enclave, DigestField(fields, "mr_enclave"));
  return reply;
}

}  // namespace coffer::las

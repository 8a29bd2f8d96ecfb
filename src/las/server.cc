#include "las/server.h"

#include <openssl/crypto.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "common/files.h"
#include "common/log.h"
#include "las/protocol.h"

namespace coffer::las {
namespace {

constexpr int kBacklog = 64;
// How long a refusal may take to reach a client that is being turned away.
constexpr std::chrono::milliseconds kRefusalDeadline{200};

StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return InvalidArgumentError("socket path \"" + path + "\" must be 1 to " +
                                std::to_string(sizeof address.sun_path - 1) +
                                " bytes long");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

// Removes a socket file left behind by a LAS that died; refuses to touch a
// live one or anything that is not a socket.
Status ClearStaleSocket(const std::string& path, const sockaddr_un& address) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return OkStatus();
    return ErrnoError("stat", path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return FailedPreconditionError(
        path + " exists and is not a socket; refusing to replace it");
  }
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return InternalError("socket: " + ErrnoText(errno));
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address),
                sizeof address) == 0) {
    return AlreadyExistsError("another LAS is already serving on " + path);
  }
  if (errno != ECONNREFUSED) return ErrnoError("connect to", path, errno);
  if (::unlink(path.c_str()) != 0)
    return ErrnoError("remove stale", path, errno);
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<Server>> Server::Listen(const ServerOptions& options,
                                                 const Service& service) {
  const std::string& path = options.socket_path;
  COFFER_ASSIGN_OR_RETURN(sockaddr_un address, UnixAddress(path));
  COFFER_RETURN_IF_ERROR(ClearStaleSocket(path, address));
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return InternalError("socket: " + ErrnoText(errno));
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address),
             sizeof address) != 0) {
    return ErrnoError("bind", path, errno);
  }
  // Before listen(), so that nobody connects while the mode is the umask's.
  struct stat st {};
  if (::chmod(path.c_str(), options.socket_mode) != 0 ||
      ::stat(path.c_str(), &st) != 0) {
    Status status = ErrnoError("chmod", path, errno);
    ::unlink(path.c_str());
    return status;
  }
  if (::listen(listener.get(), kBacklog) != 0) {
    Status status = ErrnoError("listen on", path, errno);
    ::unlink(path.c_str());
    return status;
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    ::unlink(path.c_str());
    return InternalError("eventfd: " + ErrnoText(errno));
  }
  return std::unique_ptr<Server>(new Server(
      options, service, std::move(listener), std::move(wake), st.st_ino));
}

Server::Server(const ServerOptions& options, const Service& service,
               UniqueFd listener, UniqueFd wake, ino_t socket_inode)
    : options_(options),
      service_(service),
      listener_(std::move(listener)),
      wake_(std::move(wake)),
      socket_inode_(socket_inode) {}

Server::~Server() {
  Reap(/*all=*/true);
  // Only our own socket: another LAS may have replaced a file we lost.
  struct stat st {};
  if (::lstat(options_.socket_path.c_str(), &st) == 0 &&
      st.st_ino == socket_inode_) {
    ::unlink(options_.socket_path.c_str());
  }
}

void Server::Shutdown() {
  const uint64_t one = 1;
  // Cannot fail in a way that matters: a full counter is still readable.
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

Status Server::Serve() {
  Status result;
  while (true) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      result = InternalError("poll: " + ErrnoText(errno));
      break;
    }
    if (fds[1].revents != 0) break;
    if (fds[0].revents != 0) Accept();
  }
  Reap(/*all=*/true);
  return result;
}

void Server::Accept() {
  UniqueFd socket(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!socket.valid()) {
    // The client may have gone already (ECONNABORTED), or descriptors ran
    // out (EMFILE); either way the LAS keeps serving.
    Log(LogLevel::kWarning, "accept failed", {{"error", ErrnoText(errno)}});
    return;
  }
  Reap(/*all=*/false);
  if (connections_.size() >= options_.max_connections) {
    Log(LogLevel::kWarning, "too many connections; refusing one",
        {{"limit", uint64_t{options_.max_connections}}});
    // The refusal answers the client's request, read first (for a short
    // while only, since this is the accepting thread): closing a Unix
    // socket with unread data makes the client's read fail with
    // ECONNRESET before it sees the answer.
    const Deadline deadline =
        std::chrono::steady_clock::now() + kRefusalDeadline;
    if (ReadFrame(socket.get(), kMaxRequestSize, deadline).ok()) {
      static_cast<void>(WriteFrame(
          socket.get(),
          EncodeErrorResponse(ResourceExhaustedError(
              "the LAS is serving " + std::to_string(connections_.size()) +
              " connections, its limit; try again")),
          -1, deadline));
    }
    return;
  }
  auto connection = std::make_unique<Connection>();
  connection->socket = std::move(socket);
  Connection& c = *connection;
  connections_.push_back(std::move(connection));
  c.thread = std::thread([this, &c] {
    ServeConnection(c);
    // The client sees the end now; the descriptor is closed when reaped.
    ::shutdown(c.socket.get(), SHUT_RDWR);
    c.done = true;
  });
}

void Server::Reap(bool all) {
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection& c = **it;
    if (!all && !c.done) {
      ++it;
      continue;
    }
    // Wakes a thread blocked on this connection; it then sees end-of-file.
    ::shutdown(c.socket.get(), SHUT_RDWR);
    if (c.thread.joinable()) c.thread.join();
    it = connections_.erase(it);
  }
}

void Server::ServeConnection(Connection& connection) const {
  const int socket = connection.socket.get();
  StatusOr<PeerProcess> peer = PeerProcess::Of(socket);
  if (!peer.ok()) {
    Log(LogLevel::kWarning, "unidentified peer",
        {{"error", peer.status().message()}});
    static_cast<void>(
        WriteFrame(socket, EncodeErrorResponse(peer.status()), -1,
                   std::chrono::steady_clock::now() + kRefusalDeadline));
    return;
  }
  while (true) {
    const Deadline deadline =
        std::chrono::steady_clock::now() + options_.request_deadline;
    StatusOr<std::optional<Frame>> frame =
        ReadFrame(socket, kMaxRequestSize, deadline);
    if (frame.ok() && !frame->has_value()) return;  // the client is done
    if (!frame.ok()) {
      // The stream is out of step or stuck: answer if possible, then close.
      Log(LogLevel::kWarning, "bad request frame",
          {{"pid", int64_t{peer->pid()}},
           {"reason", frame.status().message()}});
      static_cast<void>(
          WriteFrame(socket, EncodeErrorResponse(frame.status()), -1,
                     std::chrono::steady_clock::now() + kRefusalDeadline));
      return;
    }
    Frame& request = **frame;
    std::string response =
        service_.Handle(request.body, std::move(request.fds), *peer);
    Status written = WriteFrame(
        socket, response, -1,
        std::chrono::steady_clock::now() + options_.request_deadline);
    OPENSSL_cleanse(response.data(), response.size());  // may be a seal key
    if (!written.ok()) return;
  }
}

}  // namespace coffer::las

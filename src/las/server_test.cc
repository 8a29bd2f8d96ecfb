#include "las/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/ecdsa_raw.h"
#include "las/client.h"
#include "las/measurement.h"
#include "las/protocol.h"
#include "las/sim_quote.h"
#include "las/test_util.h"

namespace coffer::las {
namespace {

using std::chrono::milliseconds;
using testing::TempDir;

const auto kNow = std::chrono::system_clock::from_time_t(1748736000);

crypto::Sha256Digest Self() {
  StatusOr<crypto::Sha256Digest> identity = SelfIdentity();
  EXPECT_TRUE(identity.ok()) << identity.status().ToString();
  return identity.ok() ? *identity : crypto::Sha256Digest{};
}

// One LAS on a temporary directory, serving on its own thread; stopped and
// joined when the test ends, whatever happened.
class RunningLas {
 public:
  explicit RunningLas(const std::string& data_dir,
                      const crypto::Sha256Digest& expected_runtime = Self(),
                      ServerOptions options = {},
                      std::vector<crypto::Sha256Digest> other_runtimes = {}) {
    auto platform = Platform::OpenOrCreate(data_dir, kNow);
    EXPECT_TRUE(platform.ok()) << platform.status().ToString();
    if (!platform.ok()) return;
    platform_ = std::move(platform).value();
    auto service = Service::Create(
        *platform_, {expected_runtime, Self(), std::move(other_runtimes)});
    EXPECT_TRUE(service.ok()) << service.status().ToString();
    if (!service.ok()) return;
    service_ = std::move(service).value();
    if (options.socket_path.empty())
      options.socket_path = data_dir + "/las.sock";
    auto server = Server::Listen(options, *service_);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return;
    server_ = std::move(server).value();
    thread_ = std::thread([this] { served_ = server_->Serve(); });
  }
  ~RunningLas() {
    if (server_) server_->Shutdown();
    if (thread_.joinable()) thread_.join();
    EXPECT_TRUE(served_.ok()) << served_.ToString();
  }
  RunningLas(const RunningLas&) = delete;
  RunningLas& operator=(const RunningLas&) = delete;

  bool ok() const { return server_ != nullptr; }
  const Platform& platform() const { return *platform_; }
  const Service& service() const { return *service_; }
  const std::string& socket() const { return server_->socket_path(); }
  Client client() const { return Client(socket(), std::chrono::seconds(30)); }

 private:
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  Status served_;
};

UniqueFd Connect(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  // A test that waits for an answer never hangs: it fails after 5 seconds.
  const timeval timeout{5, 0};
  ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  EXPECT_EQ(::connect(socket.get(), reinterpret_cast<sockaddr*>(&address),
                      sizeof address),
            0)
      << path << ": " << ErrnoText(errno);
  return socket;
}

// Sends raw bytes and reads one response frame (or the connection's end).
StatusOr<ResponseFields> Exchange(int socket, std::string_view raw) {
  EXPECT_EQ(::send(socket, raw.data(), raw.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(raw.size()));
  auto frame = ReadFrame(socket, kMaxResponseSize,
                         std::chrono::steady_clock::now() + milliseconds(5000));
  if (!frame.ok()) return frame.status();
  if (!frame->has_value()) return UnavailableError("closed");
  return ParseResponse((*frame)->body);
}

std::string Framed(std::string_view body) {
  const auto n = static_cast<uint32_t>(body.size());
  std::string out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  out += body;
  return out;
}

TEST(ServerTest, PlatformIdMatchesTheDataDirectoryAndSurvivesRestarts) {
  TempDir a;
  TempDir b;
  std::string first;
  {
    RunningLas las(a.path());
    ASSERT_TRUE(las.ok());
    StatusOr<std::string> id = las.client().PlatformId();
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_EQ(*id, las.platform().id());
    first = *id;
  }
  EXPECT_FALSE(std::filesystem::exists(a.File("las.sock")))
      << "the socket is removed at shutdown";
  RunningLas again(a.path());
  RunningLas other(b.path());
  ASSERT_TRUE(again.ok() && other.ok());
  EXPECT_EQ(*again.client().PlatformId(), first);
  EXPECT_NE(*other.client().PlatformId(), first);
}

TEST(ServerTest, SocketIsGroupOnly) {
  TempDir dir;
  RunningLas las(dir.path());
  ASSERT_TRUE(las.ok());
  struct stat st {};
  ASSERT_EQ(::stat(las.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(ServerTest, QuoteForTheCallerItself) {
  TempDir dir;
  RunningLas las(dir.path());
  ASSERT_TRUE(las.ok());
  const Bytes report_data = {0xde, 0xad, 0xbe, 0xef};
  StatusOr<QuoteReply> reply = las.client().Quote(report_data);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  StatusOr<Measurement> self = MeasureSelf();
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(reply->mr_enclave, self->value) << "equals `coffer measure --self`";
  EXPECT_EQ(reply->mr_signer, Self());
  EXPECT_EQ(reply->platform_id, las.platform().id());

  const Bytes& q = reply->quote;
  ASSERT_GT(q.size(), 1052u);
  EXPECT_EQ(Bytes(q.begin() + 48 + 64, q.begin() + 48 + 96),
            Bytes(self->value.begin(), self->value.end()));
  EXPECT_EQ(Bytes(q.begin() + 48 + 320, q.begin() + 48 + 324), report_data);
  // The platform key signs the QE report.
  const Bytes platform_key =
      *crypto::P256PublicKeyToRaw(las.platform().key().public_key());
  EXPECT_TRUE(crypto::VerifyEcdsaP256Raw(platform_key,
                                         std::span(q).subspan(436 + 128, 384),
                                         std::span(q).subspan(436 + 512, 64))
                  .ok());
}

TEST(ServerTest, QuoteForAPassedProgram) {
  TempDir dir;
  RunningLas las(dir.path());
  ASSERT_TRUE(las.ok());
  UniqueFd program(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(program.valid());
  StatusOr<QuoteReply> reply = las.client().Quote(Bytes{1}, program.get());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  StatusOr<Measurement> expected = MeasureProgramAt("/bin/true", Self());
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(reply->mr_enclave, expected->value);
  EXPECT_EQ(reply->mr_signer, Self());
}

TEST(ServerTest, SealKeysPerProgramAndPlatform) {
  TempDir a;
  TempDir b;
  RunningLas las(a.path());
  RunningLas other(b.path());
  ASSERT_TRUE(las.ok() && other.ok());
  UniqueFd program(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  auto self1 = las.client().SealKey();
  auto self2 = las.client().SealKey();
  auto program_key = las.client().SealKey(program.get());
  auto other_platform = other.client().SealKey();
  ASSERT_TRUE(self1.ok() && self2.ok() && program_key.ok() &&
              other_platform.ok())
      << self1.status().ToString();
  EXPECT_EQ(self1->key.size(), 32u);
  EXPECT_TRUE(crypto::ConstantTimeEquals(self1->key.span(), self2->key.span()));
  EXPECT_FALSE(
      crypto::ConstantTimeEquals(self1->key.span(), program_key->key.span()));
  EXPECT_FALSE(crypto::ConstantTimeEquals(self1->key.span(),
                                          other_platform->key.span()));
  EXPECT_EQ(self1->mr_enclave, other_platform->mr_enclave);
}

TEST(ServerTest, OnlyTheRuntimeGetsQuotesAndSealKeys) {
  TempDir dir;
  crypto::Sha256Digest someone_else;
  someone_else.fill(0x42);
  RunningLas las(dir.path(), someone_else);
  ASSERT_TRUE(las.ok());
  StatusOr<QuoteReply> quote = las.client().Quote(Bytes{1});
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.status().code(), StatusCode::kPermissionDenied);
  const std::string want = "peer is not the Coffer runtime: /proc/" +
                           std::to_string(::getpid()) + "/exe has hash " +
                           HexEncode(Self()) + ", expected " +
                           HexEncode(someone_else);
  EXPECT_EQ(quote.status().message(), want);
  EXPECT_EQ(las.client().SealKey().status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(las.client().PlatformId().ok()) << "served to anyone";
  EXPECT_EQ(las.service().errors(), 2u);
}

// During an upgrade the LAS serves another build's runtime too
// (`las serve --runtime`); the measurement names the runtime that asked.
TEST(ServerTest, AnotherListedRuntimeGetsQuotesToo) {
  TempDir dir;
  crypto::Sha256Digest next_build;
  next_build.fill(0x42);
  RunningLas las(dir.path(), next_build, {}, {Self()});
  ASSERT_TRUE(las.ok());
  StatusOr<QuoteReply> quote = las.client().Quote(Bytes{1});
  ASSERT_TRUE(quote.ok()) << quote.status().ToString();
  StatusOr<Measurement> measured = MeasureSelf();
  ASSERT_TRUE(measured.ok());
  EXPECT_EQ(quote->mr_enclave, measured->value);
  EXPECT_TRUE(las.client().SealKey().ok());
}

TEST(ServerTest, BadRequestsGetErrorsAndTheServerKeepsServing) {
  TempDir dir;
  RunningLas las(dir.path());
  ASSERT_TRUE(las.ok());
  UniqueFd socket = Connect(las.socket());
  // Errors in well-framed requests keep the connection usable.
  EXPECT_EQ(Exchange(socket.get(), Framed("garbage")).status(),
            InvalidArgumentError("the request is not a JSON object"));
  EXPECT_NE(Exchange(socket.get(), Framed("{\"op\":\"nope\"}"))
                .status()
                .message()
                .find("unknown op"),
            std::string::npos);
  EXPECT_EQ(Exchange(socket.get(),
                     Framed("{\"op\":\"quote\",\"report_data\":\"xy\"}"))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  StatusOr<ResponseFields> fine =
      Exchange(socket.get(), Framed("{\"op\":\"platform-id\"}"));
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(fine->at("platform_id"), las.platform().id());

  // A huge length is answered, then the connection is closed.
  UniqueFd huge = Connect(las.socket());
  EXPECT_EQ(Exchange(huge.get(), "\x7f\xff\xff\xff").status().code(),
            StatusCode::kResourceExhausted);
  char byte;
  EXPECT_EQ(::recv(huge.get(), &byte, 1, 0), 0);
  UniqueFd empty = Connect(las.socket());
  EXPECT_EQ(Exchange(empty.get(), std::string(4, '\0')).status().code(),
            StatusCode::kInvalidArgument);

  EXPECT_TRUE(las.client().PlatformId().ok());
}

TEST(ServerTest, TwoDescriptorsAreRefused) {
  TempDir dir;
  RunningLas las(dir.path());
  ASSERT_TRUE(las.ok());
  UniqueFd socket = Connect(las.socket());
  UniqueFd one(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  UniqueFd two(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  const std::string body = Framed("{\"op\":\"seal-key\"}");
  auto deadline = std::chrono::steady_clock::now() + milliseconds(2000);
  // WriteFrame passes one descriptor; a hand-made message passes two.
  iovec io{const_cast<char*>(body.data()), body.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(2 * sizeof(int));
  const int fds[2] = {one.get(), two.get()};
  std::memcpy(CMSG_DATA(c), fds, sizeof fds);
  ASSERT_EQ(::sendmsg(socket.get(), &msg, MSG_NOSIGNAL),
            static_cast<ssize_t>(body.size()));
  auto frame = ReadFrame(socket.get(), kMaxResponseSize, deadline);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(ParseResponse((*frame)->body).status(),
            InvalidArgumentError("a request may carry one file descriptor "
                                 "(the program), it carried 2"));
}

TEST(ServerTest, AStuckClientDoesNotBlockOthersAndIsDropped) {
  TempDir dir;
  ServerOptions options;
  options.request_deadline = milliseconds(1500);
  RunningLas las(dir.path(), Self(), options);
  ASSERT_TRUE(las.ok());
  UniqueFd stuck = Connect(las.socket());
  ASSERT_EQ(::send(stuck.get(), "\0\0", 2, MSG_NOSIGNAL), 2);  // half a header

  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(las.client().PlatformId().ok());
  // Well before the stuck client's deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));

  // The stuck one is told and closed once its deadline has passed.
  auto frame = ReadFrame(stuck.get(), kMaxResponseSize,
                         std::chrono::steady_clock::now() + milliseconds(5000));
  ASSERT_TRUE(frame.ok() && frame->has_value()) << frame.status().ToString();
  EXPECT_EQ(ParseResponse((*frame)->body).status().code(),
            StatusCode::kDeadlineExceeded);
}

TEST(ServerTest, ConnectionLimit) {
  TempDir dir;
  ServerOptions options;
  options.max_connections = 1;
  RunningLas las(dir.path(), Self(), options);
  ASSERT_TRUE(las.ok());
  UniqueFd holder = Connect(las.socket());
  ASSERT_TRUE(Exchange(holder.get(), Framed("{\"op\":\"platform-id\"}")).ok());
  EXPECT_EQ(las.client().PlatformId().status().code(),
            StatusCode::kResourceExhausted);
  holder.Reset();
  // Once the holder is gone, its slot is free again.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = las.client().PlatformId().ok();
    if (!served) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST(ServerTest, SocketPathRules) {
  TempDir dir;
  auto platform = Platform::OpenOrCreate(dir.File("data"), kNow);
  ASSERT_TRUE(platform.ok());
  auto service = Service::Create(**platform, {Self(), Self(), {}});
  ASSERT_TRUE(service.ok());

  ServerOptions options;
  options.socket_path = dir.File("not-a-socket");
  testing::WriteBytes(options.socket_path, "keep me");
  EXPECT_EQ(Server::Listen(options, **service).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(testing::ReadBytes(options.socket_path), "keep me");

  options.socket_path = dir.File("s.sock");
  {
    auto first = Server::Listen(options, **service);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_EQ(Server::Listen(options, **service).status(),
              AlreadyExistsError("another LAS is already serving on " +
                                 options.socket_path));
  }
  // A stale socket file (its server gone without cleaning up) is replaced.
  {
    UniqueFd stale(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, options.socket_path.c_str(),
                 sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(stale.get(), reinterpret_cast<sockaddr*>(&address),
                     sizeof address),
              0);
  }
  EXPECT_TRUE(Server::Listen(options, **service).ok());

  options.socket_path = "/tmp/" + std::string(120, 'x');
  EXPECT_EQ(Server::Listen(options, **service).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ClientTest, UnreachableLasIsUnavailable) {
  TempDir dir;
  Client client(dir.File("none.sock"));
  StatusOr<std::string> id = client.PlatformId();
  EXPECT_EQ(id.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(id.status().message().find("cannot reach the LAS at " +
                                       dir.File("none.sock")),
            std::string::npos)
      << id.status().ToString();
  EXPECT_EQ(client.Quote(Bytes(65, 0)).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::las

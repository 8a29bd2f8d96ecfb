#include "net/tcp_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "net/asio_support.h"

namespace coffer::net {
namespace {

using namespace internal;

constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// The server whose I/O thread this is, so Wait() can refuse to join itself.
thread_local const void* t_current_server = nullptr;

// Runs one connection and unregisters it whatever happens.
asio::awaitable<void> RunConnection(std::shared_ptr<ServedConnection> self,
                                    ConnectionManager* manager,
                                    std::string server_name) {
  try {
    co_await self->Serve();
  } catch (const std::exception& e) {
    Log(LogLevel::kWarning, "connection ended by an unexpected exception",
        {{"server", server_name}, {"error", e.what()}});
  } catch (...) {
    Log(LogLevel::kWarning, "connection ended by an unexpected exception",
        {{"server", server_name}});
  }
  manager->Remove(self.get());
}

}  // namespace

std::string EndpointText(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string host =
      endpoint.address().is_v6() ? "[" + address + "]" : address;
  return host + ":" + std::to_string(endpoint.port());
}

class TcpServer::Impl {
 public:
  Impl(TcpServerConfig config, Factory factory, OverLimit over_limit)
      : config_(std::move(config)),
        factory_(std::move(factory)),
        over_limit_(std::move(over_limit)),
        io_(config_.io_threads == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT),
        work_(asio::make_work_guard(io_)),
        acceptor_(NewExecutor()),
        connections_(config_.max_connections) {}

  ~Impl() { Stop(); }

  Status Listen() {
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(config_.host, ec);
    if (ec) {
      return InvalidArgumentError(config_.name + ": \"" + config_.host +
                                  "\" is not an IP address");
    }
    const tcp::endpoint endpoint(address, config_.port);
    const std::string where = EndpointText(endpoint);
    if (acceptor_.open(endpoint.protocol(), ec); !ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) bound_ = acceptor_.local_endpoint(ec);
    if (ec) {
      return UnavailableError("cannot listen on " + where + ": " +
                              ErrorText(ec));
    }
    return OkStatus();
  }

  void StartThreads() {
    asio::co_spawn(acceptor_.get_executor(), AcceptLoop(),
                   [](const std::exception_ptr& error) {
                     if (error) {
                       Log(LogLevel::kError, "accept loop ended by exception");
                     }
                   });
    for (int i = 0; i < config_.io_threads; ++i) {
      threads_.emplace_back([this] { RunIoThread(); });
    }
    started_ = true;
    Log(LogLevel::kInfo, config_.name + " listening",
        {{"address", address()}, {"io_threads", config_.io_threads}});
  }

  uint16_t port() const { return bound_.port(); }
  std::string address() const { return EndpointText(bound_); }
  ConnectionManager& connections() { return connections_; }
  bool OnOwnThread() const { return t_current_server == this; }

  void RequestStop() {
    {
      std::lock_guard lock(mutex_);
      if (stop_requested_) return;
      stop_requested_ = true;
      drain_deadline_ = Clock::now() + config_.drain_timeout;
    }
    asio::post(acceptor_.get_executor(), [this] {
      error_code ignored;
      acceptor_.close(ignored);
    });
    connections_.BeginDrain();
    stop_requested_changed_.notify_all();
  }

  void Wait() {
    if (OnOwnThread()) {
      RequestStop();
      return;
    }
    std::unique_lock wait_lock(wait_mutex_);
    Clock::time_point deadline;
    {
      std::unique_lock lock(mutex_);
      stop_requested_changed_.wait(lock, [this] { return stop_requested_; });
      if (stopped_) return;
      deadline = drain_deadline_;
    }
    if (!connections_.WaitUntilEmpty(deadline)) {
      Log(LogLevel::kWarning, "drain deadline passed; closing connections",
          {{"server", config_.name},
           {"open", static_cast<uint64_t>(connections_.size())}});
      connections_.CloseAll();
      connections_.WaitUntilEmpty();
    }
    // Nothing is left but the accept loop, which ends with the acceptor;
    // without the work guard the I/O threads return once it has.
    work_.reset();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (started_) {
      Log(LogLevel::kInfo, config_.name + " stopped", {{"address", address()}});
    }
  }

  void Stop() {
    RequestStop();
    Wait();
  }

 private:
  void RunIoThread() {
    t_current_server = this;
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        // Coroutines catch their own exceptions; this is a last resort that
        // keeps the thread serving.
        Log(LogLevel::kError, "exception escaped an I/O handler",
            {{"error", e.what()}});
      }
    }
  }

  // A connection's executor. With one I/O thread every handler already
  // runs on it in turn, so a strand would only add a queue and a lock.
  asio::any_io_executor NewExecutor() {
    if (config_.io_threads == 1) return io_.get_executor();
    return asio::make_strand(io_);
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          NewExecutor(), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor_.is_open() || ec == asio::error::operation_aborted) {
          co_return;
        }
        // Out of descriptors, most likely: wait instead of spinning.
        Log(LogLevel::kWarning, "accept failed", {{"error", ec.message()}});
        asio::steady_timer timer(acceptor_.get_executor(), kAcceptRetryDelay);
        co_await timer.async_wait(
            asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      // Small writes would otherwise wait for the peer's delayed ACK.
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::shared_ptr<ServedConnection> connection =
          factory_(std::move(socket));
      if (connection == nullptr) continue;
      if (!connections_.Add(connection.get())) {
        if (over_limit_) over_limit_();
        Log(LogLevel::kDebug, "connection refused: limit reached",
            {{"server", config_.name}});
        continue;  // `connection` closes its socket
      }
      const asio::any_io_executor executor = connection->executor();
      asio::co_spawn(
          executor,
          RunConnection(std::move(connection), &connections_, config_.name),
          [](const std::exception_ptr& error) {
            if (error) Log(LogLevel::kError, "connection ended by exception");
          });
    }
  }

  const TcpServerConfig config_;
  const Factory factory_;
  const OverLimit over_limit_;
  // Declared before the I/O objects, destroyed after them.
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  ConnectionManager connections_;
  tcp::endpoint bound_;
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::condition_variable stop_requested_changed_;
  bool stop_requested_ = false;
  bool stopped_ = false;
  bool started_ = false;  // written before any thread could read it
  Clock::time_point drain_deadline_;
  // Serializes concurrent Wait() calls.
  std::mutex wait_mutex_;
};

StatusOr<std::unique_ptr<TcpServer>> TcpServer::Start(TcpServerConfig config,
                                                      Factory factory,
                                                      OverLimit over_limit) {
  if (config.io_threads < 1 || config.max_connections == 0 || !factory) {
    return InvalidArgumentError(
        config.name +
        ": io_threads and max_connections must be at least 1, and a "
        "connection factory is required");
  }
  auto impl = std::make_unique<Impl>(std::move(config), std::move(factory),
                                     std::move(over_limit));
  COFFER_RETURN_IF_ERROR(impl->Listen());
  impl->StartThreads();
  return std::unique_ptr<TcpServer>(new TcpServer(std::move(impl)));
}

TcpServer::TcpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpServer::~TcpServer() { Stop(); }
uint16_t TcpServer::port() const { return impl_->port(); }
std::string TcpServer::address() const { return impl_->address(); }
ConnectionManager& TcpServer::connections() { return impl_->connections(); }
void TcpServer::RequestStop() { impl_->RequestStop(); }
void TcpServer::Wait() { impl_->Wait(); }
void TcpServer::Stop() { impl_->Stop(); }
bool TcpServer::OnOwnThread() const { return impl_->OnOwnThread(); }

}  // namespace coffer::net

#include "net/starttls_stream.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace coffer::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;

// What one ReadSome returned.
struct ReadResult {
  boost::system::error_code ec;
  std::string data;
};

asio::awaitable<ReadResult> ReadOnce(StartTlsStream& stream) {
  std::array<char, 64> buffer{};
  ReadResult result;
  const size_t n = co_await stream.ReadSome(asio::buffer(buffer), result.ec);
  result.data.assign(buffer.data(), n);
  co_return result;
}

// A connected pair on 127.0.0.1: the stream under test wraps one end, the
// test holds the other as a plain socket (its "peer").
struct Pair {
  asio::io_context io;
  std::unique_ptr<StartTlsStream> stream;
  tcp::socket peer{io};

  Pair() {
    tcp::acceptor acceptor(
        io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer.connect(acceptor.local_endpoint());
    stream = std::make_unique<StartTlsStream>(acceptor.accept());
  }

  // Runs `body` to its end (bounded, so that a broken watchdog fails the
  // test instead of hanging it).
  void Run(asio::awaitable<void> body) {
    bool finished = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await std::move(body);
          finished = true;
          io.stop();  // a deadline an hour away keeps a timer pending
        },
        asio::detached);
    io.run_for(seconds(30));
    EXPECT_TRUE(finished) << "the coroutine did not finish in 30 s";
  }

  // One ReadSome on the stream, run to its end; nothing if it did not end.
  std::optional<ReadResult> Read() {
    std::optional<ReadResult> result;
    io.restart();
    Run([&]() -> asio::awaitable<void> {
      result = co_await ReadOnce(*stream);
    }());
    return result;
  }

  // Writes `text` to the stream from the peer after `delay`. The I/O
  // context runs its timers in the order they expire, so this comes after
  // any stream deadline that expires earlier, however loaded the machine.
  void PeerWritesAfter(milliseconds delay, std::string text) {
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([this, timer, text = std::move(text)](auto) {
      asio::write(peer, asio::buffer(text));
    });
  }
};

TEST(StartTlsStreamTest, ReadPastTheDeadlineTimesOutAndClosesTheSocket) {
  Pair pair;
  pair.stream->SetDeadline(milliseconds(20));
  std::optional<ReadResult> read = pair.Read();
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->ec, boost::beast::error::timeout) << read->ec.message();
  // The peer sees the connection end.
  std::array<char, 1> byte{};
  boost::system::error_code ec;
  pair.peer.read_some(asio::buffer(byte), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  // Later operations fail the same way, without touching a reopened socket.
  read = pair.Read();
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->ec, boost::beast::error::timeout) << read->ec.message();
}

TEST(StartTlsStreamTest, AnEarlierDeadlineReplacesALaterOne) {
  Pair pair;
  pair.stream->SetDeadline(seconds(3600));
  pair.stream->SetDeadline(milliseconds(20));
  const std::optional<ReadResult> read = pair.Read();
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->ec, boost::beast::error::timeout) << read->ec.message();
}

TEST(StartTlsStreamTest, ALaterDeadlineKeepsTheConnection) {
  // The timer wakes at the first deadline (20 ms), finds it moved to an
  // hour, and waits again; the data written at 200 ms is read.
  Pair pair;
  pair.stream->SetDeadline(milliseconds(20));
  pair.stream->SetDeadline(seconds(3600));
  pair.PeerWritesAfter(milliseconds(200), "later");
  const std::optional<ReadResult> read = pair.Read();
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->ec) << read->ec.message();
  EXPECT_EQ(read->data, "later");
}

TEST(StartTlsStreamTest, AClearedDeadlineNeverFires) {
  Pair pair;
  std::optional<ReadResult> first;
  std::optional<ReadResult> second;
  pair.stream->SetDeadline(milliseconds(20));
  pair.stream->ClearDeadline();
  pair.PeerWritesAfter(milliseconds(200), "cleared");
  pair.Run([&]() -> asio::awaitable<void> {
    first = co_await ReadOnce(*pair.stream);
    // A deadline set after the timer found the old one cleared arms it
    // again.
    pair.stream->SetDeadline(milliseconds(20));
    second = co_await ReadOnce(*pair.stream);
  }());
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->ec) << first->ec.message();
  EXPECT_EQ(first->data, "cleared");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->ec, boost::beast::error::timeout) << second->ec.message();
}

TEST(StartTlsStreamTest, ACloseDuringConnectEndsIt) {
  // Close() lands while Connect resolves "localhost" (or, if the lookup is
  // quicker, while it connects): Connect must fail, not open the closed
  // socket again and go on without a deadline.
  asio::io_context io;
  tcp::acceptor listener(io,
                         tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  StartTlsStream stream{tcp::socket(io)};
  stream.SetDeadline(seconds(3600));
  std::optional<Status> connected;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        connected = co_await stream.Connect("localhost",
                                            listener.local_endpoint().port());
      },
      asio::detached);
  asio::post(io, [&] { stream.Close(); });
  io.run_for(seconds(30));
  ASSERT_TRUE(connected.has_value()) << "Connect did not return in 30 s";
  EXPECT_EQ(connected->code(), StatusCode::kUnavailable)
      << connected->message();
}

TEST(StartTlsStreamTest, AStreamDestroyedWithItsTimerDueIsSafe) {
  // `before` and the stream's timer are both due when the I/O context
  // first runs; `before` (the earlier) resumes the coroutine, which
  // destroys the stream, and the stream's timer handler then runs on a
  // stream that is gone (ASan would report a use after free).
  Pair pair;
  asio::steady_timer before(pair.io, milliseconds(1));
  pair.stream->SetDeadline(milliseconds(2));
  std::this_thread::sleep_for(milliseconds(20));
  pair.Run([&]() -> asio::awaitable<void> {
    co_await before.async_wait(asio::use_awaitable);
    pair.stream.reset();
  }());
  // And with the timer still pending: the destructor cancels it.
  Pair second;
  second.stream->SetDeadline(seconds(3600));
  second.Run([&]() -> asio::awaitable<void> {
    second.stream.reset();
    co_return;
  }());
}

}  // namespace
}  // namespace coffer::net

#pragma once
// The byte streams under a WebSocket session. Internal to signaling/net.
//
// plain_transport owns a plain TCP socket's descriptor outright: readiness
// comes from fd_poller, reads go into a per-thread buffer (an idle connection
// holds no read buffer) and writes are one non-blocking gather sendmsg()
// straight from the queued messages. tls_transport keeps Asio's SSL stream,
// reads into a per-connection buffer and writes one contiguous buffer (an SSL
// stream makes a record, and a send, per buffer of a sequence).

#include "signaling/net/fd_poller.hpp"
#include "signaling/net/sessions.hpp"

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace switchboard::net {

using strand_t = boost::asio::strand<boost::asio::io_context::executor_type>;
using session_timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                        boost::asio::wait_traits<std::chrono::steady_clock>, strand_t>;
using byte_spans = std::vector<std::span<const char>>;

// The strand an accepted socket was bound to (server.cpp accepts each
// connection on its own), or a new one on the same io_context.
strand_t strand_of(const boost::asio::any_io_executor& ex);

class plain_transport {
public:
  // Takes the descriptor over from Asio.
  explicit plain_transport(plain_stream&& stream);
  ~plain_transport() { close(); }
  plain_transport(const plain_transport&) = delete;
  plain_transport& operator=(const plain_transport&) = delete;

  const strand_t& executor() const noexcept { return strand_; }

  // Starts readiness events to target->on_poll() on this strand.
  void watch(std::shared_ptr<fd_poller> poller, std::weak_ptr<poll_target> target, error_code& ec);

  // One non-blocking read into this thread's buffer: the bytes read (valid
  // until the next read on this thread), or none and `ec` (would_block when
  // there is nothing to read yet, eof when the peer closed).
  std::span<char> read(error_code& ec);
  // True when the last read filled the buffer: more may be waiting.
  bool read_was_full() const noexcept { return read_full_; }

  // One non-blocking gather write: the bytes written; 0 with would_block when full.
  std::size_t write(const byte_spans& pieces, error_code& ec);

  void close();
  bool is_open() const noexcept { return fd_ >= 0; }

private:
  strand_t strand_;
  int fd_ = -1;
  std::shared_ptr<fd_poller> poller_;
  std::unique_ptr<fd_poller::entry> entry_;
  bool read_full_ = false;
};

class tls_transport {
public:
  explicit tls_transport(tls_stream&& stream)
      : stream_(std::move(stream)), strand_(strand_of(stream_.get_executor())) {}

  // The stream's own executor wraps this same strand.
  const strand_t& executor() const noexcept { return strand_; }

  // Reads some bytes into this connection's buffer: h(ec, std::span<char>).
  template <class Handler>
  void async_read(Handler&& h) {
    if (!buffer_) buffer_ = std::make_unique<std::array<char, buffer_size>>();
    stream_.async_read_some(boost::asio::buffer(*buffer_),
                            [this, h = std::forward<Handler>(h)](const error_code& ec, std::size_t n) mutable {
                              h(ec, std::span<char>(buffer_->data(), n));
                            });
  }

  // Writes `pieces` as one buffer: h(ec, bytes written).
  template <class Handler>
  void async_write(const byte_spans& pieces, Handler&& h) {
    out_.clear();
    for (const auto& p : pieces) out_.append(p.data(), p.size());
    boost::asio::async_write(stream_, boost::asio::buffer(out_), std::forward<Handler>(h));
  }
  // The written buffer is no longer needed: an idle connection keeps none.
  void release_write_buffer() { std::string().swap(out_); }

  // TLS close_notify exchange, then h(ec).
  template <class Handler>
  void async_shutdown(Handler&& h) {
    stream_.async_shutdown(std::forward<Handler>(h));
  }

  void close() {
    error_code ignored;
    stream_.next_layer().socket().close(ignored);
  }

private:
  static constexpr std::size_t buffer_size = 8192;
  tls_stream stream_;
  strand_t strand_;
  std::unique_ptr<std::array<char, buffer_size>> buffer_;
  std::string out_;
};

}  // namespace switchboard::net

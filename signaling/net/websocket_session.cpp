// The two transports of a signaling WebSocket session (the session itself is
// ws_session): plain TCP driven by fd_poller readiness with non-blocking
// reads and gather writes, and TLS over Asio's SSL stream.

#include "signaling/net/sessions.hpp"
#include "signaling/net/ws_session.hpp"

#include <boost/asio/error.hpp>
#include <spdlog/spdlog.h>

#include <sys/epoll.h>

namespace switchboard::net {
namespace {

namespace asio = boost::asio;

// Full reads (of the per-thread buffer) one socket gets before others.
constexpr int max_reads_per_turn = 4;
// Bytes of queued messages one TLS write takes: the stream copies them into
// one buffer, which a connection should not hold twice its queue for.
constexpr std::size_t tls_write_bytes = 64 * 1024;

// The io_context's poller, made by the first plain session.
std::shared_ptr<fd_poller> plain_poller(shared_context& ctx, const strand_t& strand, error_code& ec) {
  std::lock_guard lock(ctx.poller_mutex);
  if (!ctx.poller) ctx.poller = fd_poller::start(strand.get_inner_executor().context(), ctx.cfg.server.threads <= 1, ec);
  return ctx.poller;
}

class plain_session final : public ws_session, public poll_target {
public:
  plain_session(plain_stream&& stream, shared_context& ctx, connection_slot slot)
      : ws_session(ctx, std::move(slot), strand_of(stream.get_executor())), io_(std::move(stream)) {}

  void run(std::string_view key, std::string_view early, std::string query_token) {
    reading_ = begin(key, early, std::move(query_token));
    if (closed_) return;
    error_code ec;
    auto poller = plain_poller(ctx_, strand_, ec);
    // Shares the session's ownership: events find it only while it lives.
    if (poller) io_.watch(std::move(poller), std::shared_ptr<poll_target>(shared_from_this(), this), ec);
    if (ec) on_read_error(ec);
  }

  void post_poll(std::uint32_t events) override {
    asio::post(strand_, [self = shared_from_this(), this, events] { on_poll(events); });
  }

  // Edge-triggered: reads until a read comes back short; writes resume on
  // EPOLLOUT. Inside fd_poller's batch the writes wait for its end (flush_soon).
  void on_poll(std::uint32_t events) override {
    if (closed_) return;
    if (reading_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) read_all();
    if (closed_ || (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) == 0) return;
    {
      std::lock_guard lock(mutex_);
      if (!writing_) return;
      writing_ = false;
    }
    flush_soon();
  }

private:
  // Reads until a read comes back short. A client that keeps the buffer full
  // gets a few reads per turn, then the rest later, so others get theirs.
  void read_all() {
    for (int turn = 0;; ++turn) {
      error_code ec;
      const auto data = io_.read(ec);
      if (ec == asio::error::would_block) break;
      if (ec) return on_read_error(ec);
      reading_ = on_bytes(data);
      if (!reading_ || closed_ || !io_.read_was_full()) break;
      if (turn == max_reads_per_turn) {
        // Edge-triggered: no new event comes for what is already there.
        asio::post(strand_, [self = shared_from_this(), this] { on_poll(EPOLLIN); });
        break;
      }
    }
    flush_soon();
  }

  // Everything queued, one gather sendmsg() per round, until done or the socket is full.
  void flush() override {
    thread_local byte_spans pieces;
    std::unique_lock lock(mutex_);
    flush_posted_ = false;
    if (writing_ || closed_) return;
    while (has_output_locked()) {
      gather_locked(pieces);
      std::size_t total = 0;
      for (const auto& p : pieces) total += p.size();
      lock.unlock();  // deliver() may queue meanwhile: gathered bytes stay put
      error_code ec;
      const std::size_t n = io_.write(pieces, ec);
      lock.lock();
      sent_locked(n);
      if (ec && ec != asio::error::would_block) {
        lock.unlock();
        return on_write_error(ec);
      }
      if (n < total) {
        writing_ = true;  // until EPOLLOUT
        return;
      }
    }
    lock.unlock();
    on_flushed();
  }

  void close_socket() override {
    if (closed_) return;
    closed();
    io_.close();
  }
  void end_connection() override { close_socket(); }

  plain_transport io_;
  bool reading_ = true;  // false once the client's close frame (or end of input) was read
};

class tls_session final : public ws_session {
public:
  tls_session(tls_stream&& stream, shared_context& ctx, connection_slot slot)
      : ws_session(ctx, std::move(slot), strand_of(stream.get_executor())), io_(std::move(stream)) {}

  void run(std::string_view key, std::string_view early, std::string query_token) {
    if (begin(key, early, std::move(query_token)) && !closed_) start_read();
  }

private:
  void start_read() {
    io_.async_read([self = shared_from_this(), this](const error_code& ec, std::span<char> data) {
      if (closed_) return;
      if (ec) return on_read_error(ec);
      const bool more = on_bytes(data);
      flush();
      if (more && !closed_) start_read();
    });
  }

  // Everything queued as one buffer, one async_write at a time.
  void flush() override {
    thread_local byte_spans pieces;
    std::unique_lock lock(mutex_);
    flush_posted_ = false;
    if (writing_ || closed_) return;
    if (!has_output_locked()) {
      lock.unlock();
      return on_flushed();
    }
    gather_locked(pieces, tls_write_bytes);
    writing_ = true;
    io_.async_write(pieces, [self = shared_from_this(), this](const error_code& ec, std::size_t n) {
      {
        std::lock_guard l(mutex_);
        writing_ = false;
        sent_locked(n);
        if (outbox_.empty()) io_.release_write_buffer();
      }
      if (ec) return on_write_error(ec);
      flush();
    });
  }

  void close_socket() override {
    if (closed_) return;
    closed();
    io_.close();
  }

  // After a complete close handshake, close_notify both ways (the close
  // deadline still bounds it); otherwise just close.
  void end_connection() override {
    if (closed_ || shutting_down_) return;
    if (!closer_.peer_closed()) return close_socket();
    shutting_down_ = true;
    io_.async_shutdown([self = shared_from_this(), this](const error_code&) { close_socket(); });
  }

  tls_transport io_;
  bool shutting_down_ = false;
};

}  // namespace

template <class Stream>
void start_websocket_session(Stream&& stream, std::string_view key, std::string_view early, shared_context& ctx,
                             connection_slot slot, std::string query_token) {
  using session = std::conditional_t<std::is_same_v<Stream, plain_stream>, plain_session, tls_session>;
  std::make_shared<session>(std::move(stream), ctx, std::move(slot))->run(key, early, std::move(query_token));
}

template void start_websocket_session<plain_stream>(plain_stream&&, std::string_view, std::string_view,
                                                    shared_context&, connection_slot, std::string);
template void start_websocket_session<tls_stream>(tls_stream&&, std::string_view, std::string_view,
                                                  shared_context&, connection_slot, std::string);

}  // namespace switchboard::net

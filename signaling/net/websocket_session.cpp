// One signaling WebSocket connection: a thin driver around core::peer_connection
// and the pure WebSocket codec (ws_frame, ws_outbox). Every frame one read
// returned is parsed and handed to the core; everything queued goes out in one
// write. The close handshake itself is decided by ws::close_state.
//
// Threads: the session runs on its strand. deliver() may come from any thread:
// it queues under mutex_ and posts one flush per batch, not one per message.

#include "signaling/core/peer_connection.hpp"
#include "signaling/net/sessions.hpp"
#include "signaling/net/ws_close.hpp"
#include "signaling/net/ws_frame.hpp"
#include "signaling/net/ws_handshake.hpp"
#include "signaling/net/ws_outbox.hpp"
#include "signaling/net/ws_transport.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <type_traits>

namespace switchboard::net {
namespace {

namespace asio = boost::asio;
using core::steady_clock;
using ws::event;

// Messages over max_message_bytes but under this are answered with too-large;
// beyond it the connection is closed with 1009, bounding memory.
std::size_t hard_read_limit(const config::config& cfg) {
  return std::max<std::size_t>(cfg.server.max_message_bytes * 4, 256 * 1024);
}

// Pieces in one gather write (two per message: header and payload).
constexpr std::size_t max_write_pieces = 256;
// How long a closing connection may take to finish the close handshake.
constexpr std::chrono::seconds close_timeout{5};

template <class Transport>
class websocket_session final : public core::participant,
                                public std::enable_shared_from_this<websocket_session<Transport>> {
  static constexpr bool plain = std::is_same_v<Transport, plain_transport>;

public:
  template <class Stream>
  websocket_session(Stream&& stream, shared_context& ctx, connection_slot slot)
      : io_(std::move(stream)),
        ctx_(ctx),
        slot_(std::move(slot)),
        conn_(ctx.hub,
              core::connection_limits{ctx.cfg.server.max_message_bytes, ctx.cfg.server.rate_limit.messages_per_second,
                                      ctx.cfg.server.rate_limit.burst},
              ctx.metrics, steady_clock::now()),
        parser_(hard_read_limit(ctx.cfg)),
        outbox_(ctx.cfg.server.send_queue_messages, ctx.cfg.server.send_queue_bytes),
        timer_(io_.executor()) {}

  ~websocket_session() override {
    if (!finished_) {
      // Torn down without the connection ending (event loop stopped): still
      // tell the hub, but post nothing to an event loop that is going away.
      finished_ = true;
      auto fx = conn_.on_close(this, false, steady_clock::now());
      if (!ctx_.stopped) perform(std::move(fx));
    }
    ctx_.sessions.remove(this);
    ctx_.metrics.connections.Decrement();
  }

  // On the strand: answers the checked upgrade request with `key`; `early`
  // holds bytes the client sent right after its request.
  void run(std::string_view key, std::string_view early) {
    ctx_.sessions.add(this, this->weak_from_this());
    ctx_.metrics.connections.Increment();
    ctx_.metrics.connections_accepted.Increment();
    outbox_.push_control(ws::upgrade_response(key));
    last_rx_ = steady_clock::now();
    arm_keepalive();
    if (ctx_.draining) start_close(ws::close_status::going_away);
    bool more = true;
    if (!early.empty()) {
      std::string copy(early);
      more = on_bytes(copy);
    }
    flush();
    if (more) start_read();
  }

  void deliver(core::outbound_ptr msg) override {
    {
      std::lock_guard lock(mutex_);
      if (!queue_locked(std::move(msg)) || flush_posted_ || writing_) return;
      flush_posted_ = true;
    }
    asio::post(io_.executor(), [self = this->shared_from_this()] { self->flush(); });
  }

  void close(core::close_code code) override {
    asio::post(io_.executor(), [self = this->shared_from_this(), code] {
      self->start_close(static_cast<std::uint16_t>(code));
    });
  }

private:
  // ------------------------------------------------------------------ reading

  void start_read() {
    if constexpr (plain) {
      io_.async_wait_readable([self = this->shared_from_this()](const error_code& ec) { self->on_readable(ec); });
    } else {
      io_.async_read([self = this->shared_from_this()](const error_code& ec, std::span<char> data) {
        self->on_read(ec, data);
      });
    }
  }

  // Plain TCP: read what is there (again while reads fill the buffer), then wait.
  void on_readable(const error_code& ec) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    bool more = true;
    while (more) {
      error_code rec;
      const auto data = io_.read(rec);
      if (rec == asio::error::would_block) break;
      if (rec) return on_read_error(rec);
      more = on_bytes(data);
      if (!io_.read_was_full()) break;
    }
    flush();
    if (more && !closed_) start_read();
  }

  void on_read(const error_code& ec, std::span<char> data) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    const bool more = on_bytes(data);
    flush();
    if (more && !closed_) start_read();
  }

  // Parses every frame in `data`; false once nothing more is to be read.
  bool on_bytes(std::span<char> data) {
    const auto now = steady_clock::now();
    last_rx_ = now;
    ping_sent_ = false;
    if (parser_failed_) return true;  // closing after a protocol error: discard until the peer goes
    const std::shared_ptr<core::participant> self = this->shared_from_this();
    for (;;) {
      const event e = parser_.next(data);
      switch (e.what) {
        case event::kind::need_more: return true;
        case event::kind::text:
        case event::kind::binary:
          if (!closer_.closing()) perform(conn_.on_message(self, e.payload, e.what == event::kind::binary, now));
          break;
        case event::kind::ping: push_control(ws::encode_frame(ws::opcode::pong, e.payload)); break;
        case event::kind::pong: break;
        case event::kind::close: on_peer_close(e.code); return false;
        case event::kind::error: on_protocol_error(e); return true;
      }
    }
  }

  void perform(core::effects&& fx) {
    for (auto& m : fx.to_self) enqueue_local(std::move(m));
    for (auto& d : fx.deliveries) {
      if (d.to.get() == this) {
        enqueue_local(std::move(d.msg));
      } else {
        d.to->deliver(std::move(d.msg));
      }
    }
    for (auto& p : fx.to_close) p->close(core::close_code::replaced);
  }

  // ------------------------------------------------------------------ writing

  // A message from this strand: written by the flush that ends the handler.
  void enqueue_local(core::outbound_ptr msg) {
    std::lock_guard lock(mutex_);
    (void)queue_locked(std::move(msg));
  }

  void push_control(const std::string& frame) {
    std::lock_guard lock(mutex_);
    if (!closer_.frame_queued()) outbox_.push_control(frame);  // nothing may follow a close frame
  }

  bool queue_locked(core::outbound_ptr msg) {
    if (!accepting_) {
      if (msg->relayed) ctx_.metrics.undeliverable(metrics::undeliverable_reason::connection_closed).Increment();
      return false;
    }
    if (outbox_.push(msg)) return true;
    accepting_ = false;
    ctx_.metrics.slow_consumers.Increment();
    ctx_.metrics.undeliverable(metrics::undeliverable_reason::slow_consumer)
        .Increment(static_cast<double>(outbox_.queued_messages() + 1));
    ctx_.log->warn("peer {} is a slow consumer ({} messages, {} bytes queued): closing with 4001", conn_.id(),
                   outbox_.queued_messages(), outbox_.queued_bytes());
    close(core::close_code::slow_consumer);
    return false;
  }

  // Writes everything queued: one gather write per round, until done or the
  // socket is full. On the strand.
  void flush() {
    thread_local byte_spans pieces;
    thread_local std::vector<ws::frame_header> headers;
    std::unique_lock lock(mutex_);
    flush_posted_ = false;
    if (writing_ || closed_) return;
    while (!outbox_.empty() || queue_close_locked()) {
      outbox_.gather(pieces, headers, max_write_pieces);
      writing_ = true;
      if constexpr (plain) {
        std::size_t total = 0;
        for (const auto& p : pieces) total += p.size();
        lock.unlock();  // deliver() may queue meanwhile: gathered bytes stay put
        error_code ec;
        const std::size_t n = io_.write(pieces, ec);
        lock.lock();
        writing_ = false;
        sent_locked(n);
        if (ec && ec != asio::error::would_block) {
          lock.unlock();
          return on_write_error(ec);
        }
        if (n < total) return wait_writable(lock);
      } else {
        io_.async_write(pieces, [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
          self->on_written(ec, n);
        });
        return;
      }
    }
    lock.unlock();
    on_flushed();
  }

  void wait_writable(std::unique_lock<std::mutex>& lock) {
    writing_ = true;
    lock.unlock();
    io_.async_wait_writable([self = this->shared_from_this()](const error_code& ec) {
      {
        std::lock_guard l(self->mutex_);
        self->writing_ = false;
      }
      if (ec) return self->on_write_error(ec);
      self->flush();
    });
  }

  void on_written(const error_code& ec, std::size_t n) {  // TLS
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
      sent_locked(n);
      if (outbox_.empty()) io_.release_write_buffer();
    }
    if (ec) return on_write_error(ec);
    flush();
  }

  // `n` bytes of the last gather went out: count them and release what is done.
  void sent_locked(std::size_t n) {
    if (n == 0) return;
    const auto now = steady_clock::now();
    std::size_t payload = 0;
    outbox_.consume(n, [&](const core::outbound_ptr& m) {
      payload += m->text.size();
      if (m->relayed) {
        ctx_.metrics.relay_latency.Observe(std::chrono::duration<double>(now - m->received).count());
      }
    });
    if (payload > 0) ctx_.metrics.bytes_out.Increment(static_cast<double>(payload));
  }

  void on_write_error(const error_code& ec) {
    if (closed_) return;
    ctx_.log->debug("peer {} write failed: {}", conn_.id(), ec.message());
    finish(false);
    end_connection();
  }

  // ------------------------------------------------------------------ closing

  void apply(const ws::close_state::steps& s) {
    if (s.finish) finish(s.goodbye);
    if (s.drop_queued) {
      std::lock_guard lock(mutex_);
      accepting_ = false;
      outbox_.drop_queued();
    }
    if (s.arm_deadline) arm_close_deadline();
  }

  // Server-initiated close (drain, replaced, slow consumer).
  void start_close(std::uint16_t code) {
    if (closed_ || finished_) return;
    apply(closer_.start(code));
    flush();
  }

  void on_peer_close(std::uint16_t code) { apply(closer_.peer_close(code, ctx_.cfg.peers.leave_on_close)); }

  void on_protocol_error(const event& e) {
    if (e.code == ws::close_status::too_big) {
      ctx_.metrics.error_sent(protocol::error_code::too_large).Increment();
      ctx_.log->info("peer {} sent a message over the hard limit: closed with 1009", conn_.id());
    } else {
      ctx_.log->debug("peer {} broke the WebSocket protocol ({}): closed with 1002", conn_.id(), e.payload);
    }
    parser_failed_ = true;
    apply(closer_.protocol_error(e.code));
  }

  // In flush(): our close frame, once nothing is left to write before it.
  bool queue_close_locked() {
    const auto code = closer_.frame_due(outbox_.empty());
    if (!code) return false;
    accepting_ = false;
    outbox_.push_control(ws::encode_close(*code));
    return true;
  }

  void on_flushed() {
    switch (closer_.flushed()) {
      case ws::close_state::after_flush::nothing: return;
      case ws::close_state::after_flush::wait_for_peer:
        // FIN after our close frame; the client's close (or EOF) still comes in.
        if constexpr (plain) io_.shutdown_send();
        return;
      case ws::close_state::after_flush::close_socket: return end_connection();
    }
  }

  void on_read_error(const error_code& ec) {
    if (ec != asio::error::eof && !closer_.closing()) {
      ctx_.log->debug("peer {} connection lost: {}", conn_.id(), ec.message());
    }
    finish(false);
    end_connection();
  }

  // The core hears once that the connection ended; nothing is queued after that.
  void finish(bool goodbye) {
    if (finished_) return;
    finished_ = true;
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
    }
    perform(conn_.on_close(this, goodbye, steady_clock::now()));
  }

  // After a complete close handshake over TLS, close_notify both ways first
  // (the close deadline still bounds it); otherwise close now.
  void end_connection() {
    if (closed_ || tls_shutdown_) return;
    if constexpr (!plain) {
      if (closer_.peer_closed()) {
        tls_shutdown_ = true;
        io_.async_shutdown([self = this->shared_from_this()](const error_code&) { self->close_socket(); });
        return;
      }
    }
    close_socket();
  }

  void close_socket() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    io_.close();  // pending waits and reads finish with operation_aborted
  }

  // ------------------------------------------------------------------ timers

  std::chrono::milliseconds idle_timeout() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.cfg.server.idle_timeout);
  }

  // Not re-armed per read: it wakes at most twice per half idle timeout and
  // looks at when something was last received.
  void arm_keepalive() {
    timer_.expires_at(last_rx_ + (ping_sent_ ? idle_timeout() : idle_timeout() / 2));
    timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
      if (!ec) self->on_timer();
    });
  }

  void arm_close_deadline() {
    closing_timer_ = true;
    timer_.expires_after(close_timeout);
    timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
      if (!ec) self->on_timer();
    });
  }

  void on_timer() {
    if (closed_) return;
    if (closing_timer_) {
      ctx_.log->debug("peer {}: close handshake timed out", conn_.id());
      finish(false);
      return close_socket();
    }
    const auto silent = steady_clock::now() - last_rx_;
    if (silent >= idle_timeout()) {
      ctx_.log->debug("peer {} silent for {} s: dropped as dead", conn_.id(), ctx_.cfg.server.idle_timeout.count());
      finish(false);
      return close_socket();
    }
    if (silent >= idle_timeout() / 2 && !ping_sent_) {
      ping_sent_ = true;
      push_control(ws::encode_frame(ws::opcode::ping, {}));
      flush();
    }
    arm_keepalive();
  }

  Transport io_;
  shared_context& ctx_;
  connection_slot slot_;
  core::peer_connection conn_;
  ws::frame_parser parser_;
  std::mutex mutex_;  // guards outbox_ and the flags below it, which deliver() touches
  ws::outbox outbox_;
  bool accepting_ = true;      // deliver() queues; false once closing (but draining) or finished
  bool flush_posted_ = false;  // a flush is posted to the strand
  bool writing_ = false;       // a write or a wait for writability is in progress
  // Strand only:
  session_timer timer_;        // keep-alive pings and dead-peer detection, then the close deadline
  steady_clock::time_point last_rx_{};
  ws::close_state closer_;
  bool ping_sent_ = false;     // a keep-alive ping is out, nothing received since
  bool closing_timer_ = false; // timer_ holds the close deadline
  bool parser_failed_ = false; // protocol error: input is discarded
  bool finished_ = false;      // the core has been told the connection ended
  bool tls_shutdown_ = false;  // close_notify exchange under way
  bool closed_ = false;        // the socket is closed
};

}  // namespace

template <class Stream>
void start_websocket_session(Stream&& stream, std::string_view key, std::string_view early, shared_context& ctx,
                             connection_slot slot) {
  using transport = std::conditional_t<std::is_same_v<Stream, plain_stream>, plain_transport, tls_transport>;
  std::make_shared<websocket_session<transport>>(std::move(stream), ctx, std::move(slot))->run(key, early);
}

template void start_websocket_session<plain_stream>(plain_stream&&, std::string_view, std::string_view,
                                                    shared_context&, connection_slot);
template void start_websocket_session<tls_stream>(tls_stream&&, std::string_view, std::string_view,
                                                  shared_context&, connection_slot);

}  // namespace switchboard::net

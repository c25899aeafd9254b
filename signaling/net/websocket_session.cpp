// One signaling WebSocket connection: a thin driver around core::peer_connection.
// Reads one message at a time, hands it to the core, performs the effects;
// writes from a bounded queue, one async_write in flight.

#include "signaling/core/peer_connection.hpp"
#include "signaling/core/send_queue.hpp"
#include "signaling/net/sessions.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace switchboard::net {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using core::steady_clock;

// Messages over max_message_bytes but under this are answered with too-large;
// beyond it Beast fails the read and closes with 1009, bounding memory.
std::size_t hard_read_limit(const config::config& cfg) {
  return std::max<std::size_t>(cfg.server.max_message_bytes * 4, 256 * 1024);
}

template <class Stream>
class websocket_session final : public core::participant,
                                public std::enable_shared_from_this<websocket_session<Stream>> {
public:
  websocket_session(Stream&& stream, shared_context& ctx, connection_slot slot)
      : ws_(std::move(stream)),
        ctx_(ctx),
        slot_(std::move(slot)),
        conn_(ctx.hub,
              core::connection_limits{ctx.cfg.server.max_message_bytes, ctx.cfg.server.rate_limit.messages_per_second,
                                      ctx.cfg.server.rate_limit.burst},
              ctx.metrics, steady_clock::now()),
        queue_(ctx.cfg.server.send_queue_messages, ctx.cfg.server.send_queue_bytes),
        close_timer_(ws_.get_executor()) {}

  ~websocket_session() override {
    if (!finished_) {
      // Torn down without a read completing (event loop stopped): still tell the
      // hub, but post nothing to an event loop that is going away.
      finished_ = true;
      auto fx = conn_.on_close(this, false, steady_clock::now());
      if (!ctx_.stopped) perform(std::move(fx));
    }
    if (accepted_) {
      ctx_.sessions.remove(this);
      ctx_.metrics.connections.Decrement();
    }
  }

  void run(http_request_t&& req) {
    const auto& s = ctx_.cfg.server;
    ws_.set_option(websocket::stream_base::timeout{s.handshake_timeout, s.idle_timeout, true});
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "switchboard"); }));
    ws_.read_message_max(hard_read_limit(ctx_.cfg));
    ws_.auto_fragment(false);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept, this->shared_from_this()));
  }

  void deliver(core::outbound_ptr msg) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), msg = std::move(msg)]() mutable {
      self->enqueue(std::move(msg));
    });
  }

  void close(core::close_code code) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code] { self->start_close(code); });
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      ctx_.metrics.rejected(metrics::reject_reason::bad_upgrade).Increment();
      ctx_.log->debug("websocket upgrade from {} failed: {}", slot_.ip(), ec.message());
      return;
    }
    accepted_ = true;
    ctx_.sessions.add(this, this->weak_from_this());
    ctx_.metrics.connections.Increment();
    ctx_.metrics.connections_accepted.Increment();
    if (ctx_.draining) start_close(core::close_code::going_away);
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      on_closed(ec);
      return;
    }
    if (!close_code_) {
      const auto data = buffer_.cdata();
      const std::string_view payload(static_cast<const char*>(data.data()), data.size());
      perform(conn_.on_message(this->shared_from_this(), payload, !ws_.got_text(), steady_clock::now()));
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void on_closed(beast::error_code ec) {
    bool goodbye = false;
    if (ec == websocket::error::closed && !close_code_) {
      const auto code = ws_.reason().code;
      goodbye = ctx_.cfg.peers.leave_on_close &&
                (code == websocket::close_code::normal || code == websocket::close_code::going_away);
    } else if (ec == websocket::error::message_too_big) {
      ctx_.metrics.error_sent(protocol::error_code::too_large).Increment();
      ctx_.log->info("peer {} sent a message over the hard limit: closed with 1009", conn_.id());
    } else if (ec != websocket::error::closed) {
      ctx_.log->debug("peer {} connection lost: {}", conn_.id(), ec.message());
    }
    finished_ = true;
    queue_.clear();
    close_timer_.cancel();
    perform(conn_.on_close(this, goodbye, steady_clock::now()));
  }

  void perform(core::effects&& fx) {
    for (auto& m : fx.to_self) enqueue(std::move(m));
    for (auto& d : fx.deliveries) {
      if (d.to.get() == this) {
        enqueue(std::move(d.msg));
      } else {
        d.to->deliver(std::move(d.msg));
      }
    }
    for (auto& p : fx.to_close) p->close(core::close_code::replaced);
  }

  void enqueue(core::outbound_ptr msg) {
    if (finished_ || (close_code_ && *close_code_ != core::close_code::going_away)) {
      if (msg->relayed) ctx_.metrics.undeliverable(metrics::undeliverable_reason::connection_closed).Increment();
      return;
    }
    if (!queue_.push(msg)) {
      ctx_.metrics.slow_consumers.Increment();
      ctx_.metrics.undeliverable(metrics::undeliverable_reason::slow_consumer).Increment(
          static_cast<double>(queue_.size() + 1));
      ctx_.log->warn("peer {} is a slow consumer ({} messages, {} bytes queued): closing with 4001", conn_.id(),
                     queue_.size(), queue_.bytes());
      start_close(core::close_code::slow_consumer);
      return;
    }
    if (!in_flight_) do_write();
  }

  void do_write() {
    in_flight_ = queue_.front();
    queue_.pop();
    ws_.text(true);
    ws_.async_write(asio::buffer(in_flight_->text),
                    beast::bind_front_handler(&websocket_session::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t n) {
    auto sent = std::move(in_flight_);
    if (ec) return;  // the read side sees the failure and finishes the session
    ctx_.metrics.bytes_out.Increment(static_cast<double>(n));
    if (sent->relayed) {
      ctx_.metrics.relay_latency.Observe(
          std::chrono::duration<double>(steady_clock::now() - sent->received).count());
    }
    if (!queue_.empty()) {
      do_write();
    } else if (close_code_ && !close_sent_) {
      do_close();
    }
  }

  // Server-initiated close. Draining flushes what is queued first; a replaced
  // or slow connection drops its queue. A stuck write is cut by close_timer_.
  void start_close(core::close_code code) {
    if (close_code_ || finished_) return;
    close_code_ = code;
    if (code != core::close_code::going_away) queue_.clear();
    close_timer_.expires_after(std::chrono::seconds(5));
    close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
    if (!in_flight_ && queue_.empty()) do_close();
  }

  void do_close() {
    close_sent_ = true;
    const auto code = static_cast<std::uint16_t>(*close_code_);
    ws_.async_close(websocket::close_reason(code),
                    [self = this->shared_from_this()](beast::error_code) { /* the read loop finishes */ });
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  shared_context& ctx_;
  connection_slot slot_;
  core::peer_connection conn_;
  core::send_queue queue_;
  core::outbound_ptr in_flight_;
  std::optional<core::close_code> close_code_;
  asio::steady_timer close_timer_;
  bool accepted_ = false;
  bool finished_ = false;
  bool close_sent_ = false;
};

}  // namespace

template <class Stream>
void start_websocket_session(Stream&& stream, http_request_t&& req, shared_context& ctx, connection_slot slot) {
  std::make_shared<websocket_session<Stream>>(std::move(stream), ctx, std::move(slot))->run(std::move(req));
}

template void start_websocket_session<plain_stream>(plain_stream&&, http_request_t&&, shared_context&,
                                                    connection_slot);
template void start_websocket_session<tls_stream>(tls_stream&&, http_request_t&&, shared_context&,
                                                  connection_slot);

}  // namespace switchboard::net

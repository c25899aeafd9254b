#include "signaling/net/ws_session.hpp"

#include "signaling/log/log_value.hpp"
#include "signaling/net/ws_handshake.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

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

}  // namespace

ws_session::ws_session(shared_context& ctx, connection_slot slot, strand_t strand)
    : ctx_(ctx),
      outbox_(ctx.cfg.server.send_queue_messages, ctx.cfg.server.send_queue_bytes),
      strand_(std::move(strand)),
      slot_(std::move(slot)),
      conn_(ctx.hub,
            core::connection_limits{ctx.cfg.server.max_message_bytes, ctx.cfg.server.rate_limit.messages_per_second,
                                    ctx.cfg.server.rate_limit.burst},
            ctx.metrics, steady_clock::now(), slot_.ip(), ctx.gate),
      parser_(ctx.cfg.server.max_message_bytes, hard_read_limit(ctx.cfg)),
      timer_(strand_) {}

ws_session::~ws_session() {
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

bool ws_session::begin(std::string_view key, std::string_view early, std::string query_token) {
  if (ctx_.cfg.auth.allow_query_token) conn_.set_query_token(std::move(query_token));
  ctx_.sessions.add(this, weak_from_this());
  ctx_.metrics.connections.Increment();
  ctx_.metrics.connections_accepted.Increment();
  {
    std::lock_guard lock(mutex_);
    outbox_.push_control(ws::upgrade_response(key));
  }
  last_rx_ = steady_clock::now();
  if (conn_.auth_required()) hello_deadline_ = last_rx_ + ctx_.cfg.auth.hello_timeout;
  arm_keepalive();
  if (ctx_.draining) start_close(ws::close_status::going_away);
  bool more = true;
  if (!early.empty()) {
    std::string copy(early);
    more = on_bytes(copy);
  }
  flush();
  return more;
}

void ws_session::deliver(core::outbound_ptr msg) {
  std::string back;
  {
    std::lock_guard lock(mutex_);
    if (!accepting_ && !hand_back_.empty()) {
      back = hand_back_;
    } else {
      if (!queue_locked(std::move(msg)) || flush_posted_ || writing_) return;
      flush_posted_ = true;
    }
  }
  if (!back.empty()) return hand_back(back, std::move(msg));
  schedule_flush();
}

// flush_posted_ was just set: one flush, at the end of the batch of readiness
// events this thread is handling (what else the batch sends here joins the
// same write), or posted when no batch is under way on this thread.
void ws_session::schedule_flush() {
  if (auto* batch = ws::flush_batch::current()) {
    batch->add(shared_from_this());
    return;
  }
  // One thread runs everything: the strand would serialise nothing.
  if (ctx_.cfg.server.threads <= 1) {
    asio::post(strand_.get_inner_executor(), [self = shared_from_this()] { self->flush(); });
  } else {
    asio::post(strand_, [self = shared_from_this()] { self->flush(); });
  }
}

void ws_session::flush_soon() {
  if (ws::flush_batch::current() == nullptr) return flush();
  {
    std::lock_guard lock(mutex_);
    // Already due (listed, or posted from another thread), or waiting for writability.
    if (flush_posted_ || writing_) return;
    flush_posted_ = true;
  }
  schedule_flush();
}

void ws_session::close(core::close_code code) {
  asio::post(strand_, [self = shared_from_this(), code] { self->start_close(static_cast<std::uint16_t>(code)); });
}

// ---------------------------------------------------------------- reading

bool ws_session::on_bytes(std::span<char> data) {
  const auto now = steady_clock::now();
  last_rx_ = now;
  ping_sent_ = false;
  // Closing after a protocol error or a policy breach: read nothing more (the
  // close deadline ends the connection if the client does not).
  if (parser_failed_) return false;
  const std::shared_ptr<core::participant> self = shared_from_this();
  for (;;) {
    const event e = parser_.next(data);
    switch (e.what) {
      case event::kind::need_more: return note_partial(now), true;
      case event::kind::text:
      case event::kind::binary:
        partial_since_.reset();
        if (closer_.reads_messages()) on_message(self, e.payload, e.what == event::kind::binary, now);
        break;
      case event::kind::oversize:
        partial_since_.reset();
        if (closer_.reads_messages()) perform(conn_.on_oversize(e.size, now));
        break;
      case event::kind::ping:
      case event::kind::pong:
        if (!conn_.on_control(now)) return policy_close(metrics::policy_close::control_flood), false;
        if (e.what == event::kind::ping) queue_pong(e.payload);
        break;
      case event::kind::close: apply(closer_.peer_close(e.code, ctx_.cfg.peers.leave_on_close)); return false;
      case event::kind::error: on_protocol_error(e); return false;
    }
  }
}

void ws_session::on_message(const std::shared_ptr<core::participant>& self, std::string_view payload, bool binary,
                            steady_clock::time_point now) {
  // The relay hot path: a started connection has nothing more to note.
  if (conn_.started()) return perform(conn_.on_message(self, payload, binary, now));
  perform(conn_.on_message(self, payload, binary, now));
  if (conn_.started()) {
    hello_deadline_.reset();
    // Maps the peer ID (the user part of its TURN usernames) to who the token says it is.
    if (const auto& who = conn_.identity()) {
      ctx_.log->info("peer {} started: identity {}{}{} from {}", conn_.id(), log::log_value(who->subject),
                     who->room ? ", room " : "", who->room ? log::log_value(*who->room) : std::string(), slot_.ip());
    } else {
      ctx_.log->debug("peer {} started from {}", conn_.id(), slot_.ip());
    }
  }
  if (auto failed = conn_.take_auth_failure()) {
    // The reason only: never the token, nor any part of it.
    if (std::string note; ctx_.log_allowed(log_kind::auth_failed, note)) {
      ctx_.log->info("authentication from {} failed: {}: {}{}", slot_.ip(), failed->reason,
                     log::log_value(failed->message), note);
    }
  }
}

// A message that began and has not ended: noted, so the keep-alive timer can
// close a client that trickles one forever (slowloris on frames).
void ws_session::note_partial(steady_clock::time_point now) {
  if (!parser_.in_message()) {
    partial_since_.reset();
  } else if (!partial_since_) {
    partial_since_ = now;
  }
}

// At most one pong waits: a newer ping replaces an unsent pong (RFC 6455 5.5.3).
void ws_session::queue_pong(std::string_view payload) {
  std::lock_guard lock(mutex_);
  pong_ = ws::encode_frame(ws::opcode::pong, payload);
}

// The client broke a usage rule: close with 1008 and read nothing more.
void ws_session::policy_close(metrics::policy_close why) {
  ctx_.metrics.policy_closes(why).Increment();
  if (std::string note; ctx_.log_allowed(log_kind::policy_close, note)) {
    ctx_.log->info("peer {} closed with 1008: {}{}", conn_.id(), metrics::to_string(why), note);
  }
  parser_failed_ = true;
  apply(closer_.protocol_error(ws::close_status::policy_violation));
}

void ws_session::perform(core::effects&& fx) {
  for (auto& m : fx.to_self) enqueue_local(std::move(m));
  for (auto& d : fx.deliveries) {
    if (d.to.get() == this) {
      enqueue_local(std::move(d.msg));
    } else {
      d.to->deliver(std::move(d.msg));
    }
  }
  for (auto& p : fx.to_close) p->close(core::close_code::replaced);
  for (auto& [p, code] : fx.to_close_with) p->close(code);
  for (auto& next : fx.then) perform(next());
}

void ws_session::started(const std::string& id) {
  asio::post(strand_, [self = shared_from_this(), id] {
    self->conn_.adopt_id(id);
    self->ctx_.log->debug("peer {} resumed from another replica", id);
  });
}

void ws_session::on_read_error(const error_code& ec) {
  if (ec != asio::error::eof && !closer_.closing()) {
    ctx_.log->debug("peer {} connection lost: {}", conn_.id(), ec.message());
  }
  finish(false);
  close_socket();
}

// ---------------------------------------------------------------- writing

// A message from this strand: written by the flush that ends the handler.
void ws_session::enqueue_local(core::outbound_ptr msg) {
  std::lock_guard lock(mutex_);
  (void)queue_locked(std::move(msg));
}

void ws_session::push_control(const std::string& frame) {
  std::lock_guard lock(mutex_);
  if (!closer_.frame_queued()) outbox_.push_control(frame);  // nothing may follow a close frame
}

bool ws_session::queue_locked(core::outbound_ptr msg) {
  if (!accepting_) {
    if (msg->relayed) ctx_.metrics.undeliverable(core::undeliverable_reason::connection_closed).Increment();
    return false;
  }
  if (outbox_.push(msg)) return true;
  accepting_ = false;
  ctx_.metrics.slow_consumers.Increment();
  ctx_.metrics.undeliverable(core::undeliverable_reason::slow_consumer)
      .Increment(static_cast<double>(outbox_.queued_messages() + 1));
  if (std::string note; ctx_.log_allowed(log_kind::slow_consumer, note)) {
    ctx_.log->warn("peer {} is a slow consumer ({} messages, {} bytes queued): closing with 4001{}", conn_.id(),
                   outbox_.queued_messages(), outbox_.queued_bytes(), note);
  }
  close(core::close_code::slow_consumer);
  return false;
}

bool ws_session::has_output_locked() {
  if (!pong_.empty()) {
    if (!closer_.frame_queued()) outbox_.push_control(pong_);
    std::string().swap(pong_);
  }
  if (!outbox_.empty()) return true;
  const auto code = closer_.frame_due(true);
  if (!code) return false;
  accepting_ = false;
  outbox_.push_control(ws::encode_close(*code));
  return true;
}

void ws_session::gather_locked(byte_spans& pieces, std::size_t max_bytes) {
  // Headers only need to last until the write has taken the bytes, which
  // both transports do before this thread gathers again.
  thread_local std::vector<ws::frame_header> headers;
  outbox_.gather(pieces, headers, max_write_pieces, max_bytes);
}

// `n` bytes of the last gather went out: count them and release what is done.
void ws_session::sent_locked(std::size_t n) {
  ctx_.metrics.writes.Increment();
  if (n == 0) return;
  const auto now = steady_clock::now();
  std::size_t payload = 0;
  std::size_t messages = 0;
  outbox_.consume(n, [&](const core::outbound_ptr& m) {
    payload += m->text.size();
    ++messages;
    if (m->relayed) ctx_.metrics.relay_latency.Observe(std::chrono::duration<double>(now - m->received).count());
  });
  if (messages > 0) ctx_.metrics.messages_out.Increment(static_cast<double>(messages));
  if (payload > 0) ctx_.metrics.bytes_out.Increment(static_cast<double>(payload));
}

void ws_session::on_flushed() {
  switch (closer_.flushed()) {
    // Ours is out and the client's is still to come: no FIN yet (a half-close
    // makes proxies drop what the client sent before it saw our close frame).
    case ws::close_state::after_flush::nothing:
    case ws::close_state::after_flush::wait_for_peer: return;
    case ws::close_state::after_flush::close_socket: return end_connection();
  }
}

void ws_session::on_write_error(const error_code& ec) {
  if (closed_) return;
  ctx_.log->debug("peer {} write failed: {}", conn_.id(), ec.message());
  finish(false);
  close_socket();
}

// ---------------------------------------------------------------- closing

void ws_session::apply(const ws::close_state::steps& s) {
  if (s.finish) finish(s.goodbye);
  if (s.drop_queued) {
    std::lock_guard lock(mutex_);
    accepting_ = false;
    outbox_.drop_queued();
  }
  if (s.arm_deadline) {
    closing_timer_ = true;
    arm_timer(steady_clock::now() + close_timeout);
  }
}

// Server-initiated close (drain, replaced, slow consumer).
void ws_session::start_close(std::uint16_t code) {
  if (closed_ || finished_) return;
  const auto steps = closer_.start(code);
  apply(steps);
  if (steps.arm_deadline && code == ws::close_status::going_away) detach_for_drain();
  flush();
}

// Before our 1001 is queued: from here on the hub keeps what is sent to this
// peer for its resume (on another replica, in a drain) instead of sending it
// to a connection that is closing.
void ws_session::detach_for_drain() {
  if (!conn_.started()) return;
  {
    std::lock_guard lock(mutex_);
    hand_back_ = conn_.id();
  }
  perform(conn_.on_drain(this, steady_clock::now()));
}

// Routed to us before the drain detached the peer, it came after our close
// frame was queued: back to the hub, ahead of what was routed since.
void ws_session::hand_back(const std::string& id, core::outbound_ptr msg) {
  const bool relayed = msg->relayed;
  if (!ctx_.hub.requeue(id, std::move(msg)) && relayed) {
    ctx_.metrics.undeliverable(core::undeliverable_reason::connection_closed).Increment();
  }
}

void ws_session::on_protocol_error(const event& e) {
  if (e.code == ws::close_status::too_big) {
    ctx_.metrics.error_sent(protocol::error_code::too_large).Increment();
    if (std::string note; ctx_.log_allowed(log_kind::too_large, note)) {
      ctx_.log->info("peer {} sent a message over the hard limit: closed with 1009{}", conn_.id(), note);
    }
  } else {
    ctx_.log->debug("peer {} broke the WebSocket protocol ({}): closed with 1002", conn_.id(), e.payload);
  }
  parser_failed_ = true;
  apply(closer_.protocol_error(e.code));
}

// The core hears once that the connection ended; nothing is queued after that.
void ws_session::finish(bool goodbye) {
  if (finished_) return;
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
  }
  perform(conn_.on_close(this, goodbye, steady_clock::now()));
}

void ws_session::closed() {
  closed_ = true;
  timer_.cancel();
}

// ---------------------------------------------------------------- timer

std::chrono::milliseconds ws_session::idle_timeout() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.cfg.server.idle_timeout);
}

void ws_session::arm_timer(steady_clock::time_point at) {
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->on_timer();
  });
}

// Not re-armed per read: it wakes at most twice per half idle timeout and
// looks at when something was last received.
void ws_session::arm_keepalive() {
  auto at = last_rx_ + (ping_sent_ ? idle_timeout() : idle_timeout() / 2);
  if (hello_deadline_) at = std::min(at, *hello_deadline_);
  arm_timer(at);
}

void ws_session::on_timer() {
  if (closed_) return;
  if (closing_timer_) {
    ctx_.log->debug("peer {}: close handshake timed out", conn_.id());
    finish(false);
    return close_socket();
  }
  if (hello_deadline_ && !conn_.started() && steady_clock::now() >= *hello_deadline_) {
    hello_deadline_.reset();
    ctx_.metrics.hello_timeouts.Increment();
    ctx_.log->debug("connection from {}: no start within auth.hello_timeout: closing with 4002", slot_.ip());
    start_close(static_cast<std::uint16_t>(core::close_code::hello_timeout));
    return flush();
  }
  if (partial_since_ && steady_clock::now() - *partial_since_ >= idle_timeout()) {
    policy_close(metrics::policy_close::slow_message);
    return flush();
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

}  // namespace switchboard::net

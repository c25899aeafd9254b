// The link's life cycle: resolve → connect → handshake → ready → lost →
// backoff → again. The socket side (hiredis hooks) is in redis_link_io.cpp.
#include "signaling/cluster/redis_link.hpp"

#include "signaling/cluster/hiredis_reply.hpp"

#include <hiredis/async.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <fcntl.h>

namespace switchboard::cluster {

namespace net = boost::asio;

redis_link::redis_link(net::any_io_executor ex, const redis_options& opts, bool select_db, std::weak_ptr<events> owner)
    : ex_(ex),
      opts_(opts),
      owner_(std::move(owner)),
      resolver_(ex),
      socket_(ex),
      connect_timer_(ex),
      retry_timer_(ex),
      handshake_(handshake_steps(opts, select_db)),
      backoff_(opts.backoff_initial, opts.backoff_max),
      rng_(std::random_device{}()) {
  const bool v6 = opts.url.host.find(':') != std::string::npos;
  where_ = (v6 ? "[" + opts.url.host + "]" : opts.url.host) + ":" + std::to_string(opts.url.port);
}

redis_link::~redis_link() { close(); }

void redis_link::start() {
  if (phase_ == phase::idle) attempt();
}

void redis_link::attempt() {
  ++gen_;
  if (gen_ > 1 && opts_.hooks.reconnect) opts_.hooks.reconnect();
  phase_ = phase::resolving;
  connect_timer_.expires_after(opts_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
    self->on_connect_timeout(gen, ec);
  });
  // A literal address skips the resolver (and its helper thread).
  boost::system::error_code ec;
  const auto literal = net::ip::make_address(opts_.url.host, ec);
  if (!ec) {
    connect_to(literal.to_string());
    return;
  }
  // hiredis would resolve names with a blocking getaddrinfo on the event loop.
  resolver_.async_resolve(opts_.url.host, std::to_string(opts_.url.port),
                          [self = shared_from_this(), gen = gen_](const boost::system::error_code& rec,
                                                                   const net::ip::tcp::resolver::results_type& r) {
                            self->on_resolved(gen, rec, r);
                          });
}

void redis_link::on_resolved(std::uint64_t gen, const boost::system::error_code& ec,
                             const net::ip::tcp::resolver::results_type& results) {
  if (gen != gen_ || phase_ != phase::resolving) return;
  if (ec || results.empty()) {
    fail("cannot resolve " + opts_.url.host + ": " + (ec ? ec.message() : "no address"));
    return;
  }
  connect_to(results.begin()->endpoint().address().to_string());
}

void redis_link::connect_to(const std::string& ip) {
  phase_ = phase::connecting;
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), opts_.url.port);
  if (ac == nullptr) {
    fail("cannot allocate a hiredis context");
    return;
  }
  if (ac->err != 0) {
    const std::string why = ac->errstr;
    redisAsyncFree(ac);  // no hooks attached yet: nothing calls back
    fail(why);
    return;
  }
  // hiredis does not set close-on-exec; the TURN supervisor spawns children.
  ::fcntl(ac->c.fd, F_SETFD, FD_CLOEXEC);
  boost::system::error_code ec;
  socket_.assign(ac->c.fd, ec);
  if (ec) {
    redisAsyncFree(ac);
    fail("cannot watch the socket: " + ec.message());
    return;
  }
  attach(ac);
  handshake_done_ = 0;
  // Written once connect() completes; the replies decide on_handshake_reply.
  for (const auto& step : handshake_) write_command(step.argv);
}

void redis_link::on_connect_timeout(std::uint64_t gen, const boost::system::error_code& ec) {
  if (ec || gen != gen_) return;
  if (phase_ == phase::resolving || phase_ == phase::connecting) {
    fail("no ready connection within " + std::to_string(opts_.connect_timeout.count()) + " ms");
  }
}

void redis_link::on_handshake_reply(const redis_reply& reply) {
  const auto& step = handshake_[handshake_done_++];
  if (auto why = handshake_failure(step, reply)) {
    fail(*why);
    return;
  }
  if (handshake_done_ == handshake_.size()) become_ready();
}

void redis_link::become_ready() {
  phase_ = phase::ready;
  connect_timer_.cancel();
  backoff_.reset();
  if (opts_.hooks.connected) opts_.hooks.connected(true);
  if (auto owner = owner_.lock()) owner->on_link_ready();
}

bool redis_link::send(const redis_argv& argv) { return phase_ == phase::ready && write_command(argv); }

void redis_link::drop(const std::string& reason) {
  if (phase_ == phase::ready || phase_ == phase::connecting || phase_ == phase::resolving) fail(reason);
}

// Ends the current attempt or connection. With a context, hiredis' cleanup
// hook (on_context_freed) posts after_lost; without one, we post it here. When
// called from inside a reply callback, hiredis defers the free until the
// callback returns, which is why after_lost is posted rather than called.
void redis_link::fail(const std::string& reason) {
  if (phase_ == phase::lost || phase_ == phase::waiting || phase_ == phase::closed) return;
  lost_reason_ = "redis " + where_ + ": " + reason;
  lost_was_ready_ = phase_ == phase::ready;
  phase_ = phase::lost;
  resolver_.cancel();
  connect_timer_.cancel();
  if (ctx_ != nullptr) {
    redisAsyncFree(std::exchange(ctx_, nullptr));
    return;
  }
  net::post(ex_, [self = shared_from_this(), gen = gen_] { self->after_lost(gen); });
}

void redis_link::after_lost(std::uint64_t gen) {
  if (gen != gen_ || phase_ != phase::lost) return;
  phase_ = phase::waiting;
  last_error_ = lost_reason_;
  if (lost_was_ready_ && opts_.hooks.connected) opts_.hooks.connected(false);
  if (!lost_was_ready_ && opts_.hooks.attempt_failed) opts_.hooks.attempt_failed(last_error_);
  if (auto owner = owner_.lock()) owner->on_link_lost(last_error_, lost_was_ready_);
  if (phase_ != phase::waiting) return;  // the owner closed us
  retry_timer_.expires_after(backoff_.next(rng_()));
  retry_timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
    if (!ec && gen == self->gen_ && self->phase_ == phase::waiting) self->attempt();
  });
}

void redis_link::close() {
  if (phase_ == phase::closed) return;
  const bool was_ready = phase_ == phase::ready;
  phase_ = phase::closed;
  owner_.reset();
  resolver_.cancel();
  connect_timer_.cancel();
  retry_timer_.cancel();
  // NULL-reply callbacks and the cleanup hook run inside; both see `closed`.
  if (ctx_ != nullptr) redisAsyncFree(std::exchange(ctx_, nullptr));
  if (socket_.is_open()) socket_.release();
  if (was_ready && opts_.hooks.connected) opts_.hooks.connected(false);
}

void redis_link::on_reply(void* reply) {
  // NULL: hiredis is freeing the context; the owner hears on_link_lost instead.
  if (reply == nullptr) return;
  if (phase_ == phase::connecting) {
    on_handshake_reply(from_hiredis(*static_cast<const redisReply*>(reply)));
    return;
  }
  if (phase_ != phase::ready) return;
  if (auto owner = owner_.lock()) owner->on_link_reply(from_hiredis(*static_cast<const redisReply*>(reply)));
}

}  // namespace switchboard::cluster

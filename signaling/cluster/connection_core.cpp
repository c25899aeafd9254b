#include "signaling/cluster/connection_core.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cctype>

namespace switchboard::cluster {

namespace net = boost::asio;
using clock = command_queue::clock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Commands that would break reply order or the per-connection state the
// handshake sets up: pub/sub and MONITOR switch the protocol, CLIENT REPLY
// suppresses replies, SELECT/AUTH/HELLO/RESET/QUIT change or end the session.
bool refused_on_command_connection(const redis_argv& argv) {
  static constexpr std::string_view refused[] = {"subscribe", "psubscribe", "ssubscribe", "unsubscribe",
                                                 "punsubscribe", "sunsubscribe", "monitor", "select",
                                                 "auth", "hello", "reset", "quit"};
  const auto& name = argv.front();
  if (std::any_of(std::begin(refused), std::end(refused), [&](std::string_view r) { return iequals(name, r); })) {
    return true;
  }
  return iequals(name, "client") && argv.size() > 1 && iequals(argv[1], "reply");
}

}  // namespace

std::shared_ptr<connection_core> connection_core::create(net::any_io_executor ex, redis_options opts) {
  auto core = std::make_shared<connection_core>(ex, std::move(opts));
  core->link_ = std::make_shared<redis_link>(ex, core->opts_, true, core->weak_from_this());
  return core;
}

connection_core::connection_core(net::any_io_executor ex, redis_options opts)
    : ex_(ex),
      opts_(std::move(opts)),
      queue_(opts_.max_pending_commands, opts_.max_pending_bytes, opts_.command_timeout),
      expiry_timer_(ex),
      heartbeat_timer_(ex) {}

void connection_core::start() {
  if (!closed_) link_->start();
}

void connection_core::close() {
  if (closed_) return;
  closed_ = true;
  up_ = false;
  expiry_timer_.cancel();
  heartbeat_timer_.cancel();
  link_->close();
  fail_all(queue_.take_all(), redis_errc::shut_down);
}

void connection_core::command(redis_argv argv, redis_callback cb) {
  if (closed_) return refuse(std::move(cb), redis_errc::shut_down);
  if (argv.empty() || refused_on_command_connection(argv)) return refuse(std::move(cb), redis_errc::unsupported_command);
  if (!queue_.admits(command_queue::cost(argv))) {
    if (opts_.hooks.overflow) opts_.hooks.overflow();
    return refuse(std::move(cb), redis_errc::overflow);
  }
  queue_.push(std::move(argv), std::move(cb), clock::now());
  flush();
  arm_expiry();
}

// Never from inside command(): the caller may hold locks or iterators.
void connection_core::refuse(redis_callback cb, redis_errc why) {
  net::post(ex_, [cb = std::move(cb), why] { cb(make_error_code(why), {}); });
}

void connection_core::flush() {
  if (!link_->ready()) return;
  const auto now = clock::now();
  while (const auto* argv = queue_.front_waiting()) {
    if (!link_->send(*argv)) break;
    queue_.mark_sent(now);
    last_write_ = now;
  }
}

void connection_core::on_link_ready() {
  up_ = true;
  flush();
  arm_expiry();
  arm_heartbeat();
  if (auto handler = state_) handler(true, {});  // a copy: the handler may destroy us
}

void connection_core::on_link_reply(redis_reply reply) {
  auto done = queue_.pop_reply();
  if (!done) {
    link_->drop("a reply arrived for no command");
    return;
  }
  if (done->cb && !done->internal && opts_.hooks.latency) opts_.hooks.latency(clock::now() - done->sent_at);
  if (done->cb) done->cb({}, std::move(reply));
}

void connection_core::on_link_lost(const std::string& reason, bool was_ready) {
  up_ = false;
  ++heartbeat_gen_;
  heartbeat_timer_.cancel();
  fail_all(queue_.take_in_flight(), redis_errc::disconnected);
  if (closed_ || !was_ready) return;
  if (auto handler = state_) handler(false, reason);
}

void connection_core::arm_expiry() {
  if (expiry_armed_ || closed_) return;
  const auto next = queue_.next_deadline();
  if (!next) return;
  expiry_armed_ = true;
  expiry_timer_.expires_at(*next);
  expiry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) { self->on_expiry(ec); });
}

void connection_core::on_expiry(const boost::system::error_code& ec) {
  expiry_armed_ = false;
  if (ec || closed_) return;
  auto expired = queue_.expire(clock::now());
  if (expired.connection_stuck) {
    link_->drop("no reply within " + std::to_string(opts_.command_timeout.count()) + " ms");
  }
  if (opts_.hooks.timeout) {
    for (std::size_t i = 0; i < expired.timed_out.size(); ++i) opts_.hooks.timeout();
  }
  fail_all(std::move(expired.timed_out), redis_errc::timeout);
  arm_expiry();
}

void connection_core::arm_heartbeat() {
  heartbeat_timer_.expires_after(opts_.heartbeat_interval);
  heartbeat_timer_.async_wait([self = shared_from_this(), gen = ++heartbeat_gen_](const boost::system::error_code& ec) {
    self->on_heartbeat(gen, ec);
  });
}

// An idle connection to a dead peer looks healthy until something is sent.
void connection_core::on_heartbeat(std::uint64_t gen, const boost::system::error_code& ec) {
  if (ec || gen != heartbeat_gen_ || closed_ || !up_) return;
  const auto now = clock::now();
  if (queue_.in_flight() == 0 && now - last_write_ >= opts_.heartbeat_interval) {
    queue_.push({"PING"}, [](std::error_code, redis_reply) {}, now, true);
    flush();
    arm_expiry();
  }
  arm_heartbeat();
}

// Each callback was moved out of the queue first: one that submits, closes or
// destroys the connection cannot reach the others twice.
void connection_core::fail_all(std::vector<redis_callback> callbacks, redis_errc why) {
  for (auto& cb : callbacks) {
    if (cb) cb(make_error_code(why), {});
  }
}

}  // namespace switchboard::cluster

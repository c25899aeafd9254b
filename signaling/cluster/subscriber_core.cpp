#include "signaling/cluster/subscriber_core.hpp"

namespace switchboard::cluster {

namespace net = boost::asio;

namespace {
// Arguments per (P)SUBSCRIBE when re-subscribing: long commands, few round trips.
constexpr std::size_t subscribe_batch = 256;

bool is_text(const redis_reply& r) {
  return r.type == redis_reply::kind::string || r.type == redis_reply::kind::status;
}
}  // namespace

std::shared_ptr<subscriber_core> subscriber_core::create(net::any_io_executor ex, redis_options opts) {
  auto core = std::make_shared<subscriber_core>(ex, std::move(opts));
  core->link_ = std::make_shared<redis_link>(ex, core->opts_, false, core->weak_from_this());
  return core;
}

subscriber_core::subscriber_core(net::any_io_executor ex, redis_options opts)
    : opts_(std::move(opts)), heartbeat_timer_(ex) {}

void subscriber_core::start() {
  if (!closed_) link_->start();
}

void subscriber_core::close() {
  if (closed_) return;
  closed_ = true;
  up_ = false;
  heartbeat_timer_.cancel();
  link_->close();
}

void subscriber_core::subscribe(const std::string& name, bool pattern) {
  auto& set = pattern ? patterns_ : channels_;
  if (!set.insert(name).second || !link_->ready()) return;
  link_->send({pattern ? "PSUBSCRIBE" : "SUBSCRIBE", name});
}

void subscriber_core::unsubscribe(const std::string& name, bool pattern) {
  auto& set = pattern ? patterns_ : channels_;
  if (set.erase(name) == 0 || !link_->ready()) return;
  link_->send({pattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE", name});
}

// The heartbeat goes last: Redis answers in order, so its confirmation means
// every subscription before it is in place.
void subscriber_core::on_link_ready() {
  send_all("SUBSCRIBE", channels_);
  send_all("PSUBSCRIBE", patterns_);
  send_heartbeat();
}

void subscriber_core::send_all(const char* command, const std::set<std::string>& names) {
  redis_argv argv{command};
  for (const auto& name : names) {
    argv.push_back(name);
    if (argv.size() > subscribe_batch) {
      link_->send(argv);
      argv.resize(1);
    }
  }
  if (argv.size() > 1) link_->send(argv);
}

void subscriber_core::send_heartbeat() {
  heartbeat_outstanding_ = link_->send({"SUBSCRIBE", opts_.heartbeat_channel});
  heartbeat_timer_.expires_after(opts_.heartbeat_interval);
  heartbeat_timer_.async_wait([self = shared_from_this(), gen = ++heartbeat_gen_](const boost::system::error_code& ec) {
    self->on_heartbeat(gen, ec);
  });
}

void subscriber_core::on_heartbeat(std::uint64_t gen, const boost::system::error_code& ec) {
  if (ec || gen != heartbeat_gen_ || closed_ || !link_->ready()) return;
  if (heartbeat_outstanding_) {
    if (opts_.hooks.timeout) opts_.hooks.timeout();
    link_->drop("subscriber heartbeat unanswered for " + std::to_string(opts_.heartbeat_interval.count()) + " ms");
    return;
  }
  send_heartbeat();
}

// ["message", channel, payload], ["pmessage", pattern, channel, payload],
// ["subscribe", channel, count], ... Anything else is not for us.
void subscriber_core::on_link_reply(redis_reply reply) {
  const auto& e = reply.elements;
  if (reply.type != redis_reply::kind::array || e.size() < 3 || !is_text(e[0]) || !is_text(e[1])) return;
  const auto& kind = e[0].text;
  // Called in place, not copied (this is the hot path): the handler must not
  // replace itself. The core outlives the call even if it closes us.
  if (kind == "message" && channels_.count(e[1].text) != 0) {
    if (on_message_) on_message_(e[1].text, e[2].text);
  } else if (kind == "pmessage" && e.size() == 4 && patterns_.count(e[1].text) != 0) {
    if (on_message_) on_message_(e[2].text, e[3].text);
  } else if (kind == "subscribe") {
    on_subscribed(e[1].text);
  }
}

void subscriber_core::on_subscribed(std::string_view channel) {
  if (channel != opts_.heartbeat_channel) return;
  heartbeat_outstanding_ = false;
  if (up_) return;
  up_ = true;
  if (auto handler = on_state_) handler(true, {});
}

void subscriber_core::on_link_lost(const std::string& reason, bool) {
  ++heartbeat_gen_;
  heartbeat_timer_.cancel();
  heartbeat_outstanding_ = false;
  if (!up_) return;
  up_ = false;
  if (auto handler = on_state_) handler(false, reason);
}

}  // namespace switchboard::cluster

#pragma once
// redis_subscriber's state, shared with its handlers and its link (see
// connection_core.hpp for why). Private to signaling/cluster.

#include "signaling/cluster/redis_link.hpp"
#include "signaling/cluster/redis_subscriber.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <set>

namespace switchboard::cluster {

class subscriber_core final : public redis_link::events, public std::enable_shared_from_this<subscriber_core> {
public:
  static std::shared_ptr<subscriber_core> create(boost::asio::any_io_executor ex, redis_options opts);
  subscriber_core(boost::asio::any_io_executor ex, redis_options opts);

  void set_message_handler(redis_message_handler h) { on_message_ = std::move(h); }
  void set_state_handler(redis_state_handler h) { on_state_ = std::move(h); }
  void start();
  void close();
  // pattern = true: PSUBSCRIBE / PUNSUBSCRIBE.
  void subscribe(const std::string& name, bool pattern);
  void unsubscribe(const std::string& name, bool pattern);

  bool up() const noexcept { return up_; }
  const std::string& last_error() const noexcept { return link_->last_error(); }

  void on_link_ready() override;
  void on_link_reply(redis_reply reply) override;
  void on_link_lost(const std::string& reason, bool was_ready) override;

private:
  void send_all(const char* command, const std::set<std::string>& names);
  void send_heartbeat();
  void on_heartbeat(std::uint64_t gen, const boost::system::error_code& ec);
  void on_subscribed(std::string_view channel);

  redis_options opts_;
  std::shared_ptr<redis_link> link_;
  boost::asio::steady_timer heartbeat_timer_;
  std::uint64_t heartbeat_gen_ = 0;
  bool heartbeat_outstanding_ = false;
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
  redis_message_handler on_message_;
  redis_state_handler on_state_;
  bool up_ = false;
  bool closed_ = false;
};

}  // namespace switchboard::cluster

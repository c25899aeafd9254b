#pragma once
// redis_connection's state, shared with its Asio handlers and its link so
// that a callback which destroys the redis_connection never pulls the object
// out from under a running member function. Private to signaling/cluster.

#include "signaling/cluster/command_queue.hpp"
#include "signaling/cluster/redis_link.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace switchboard::cluster {

class connection_core final : public redis_link::events, public std::enable_shared_from_this<connection_core> {
public:
  static std::shared_ptr<connection_core> create(boost::asio::any_io_executor ex, redis_options opts);
  connection_core(boost::asio::any_io_executor ex, redis_options opts);

  void set_state_handler(redis_state_handler h) { state_ = std::move(h); }
  void start();
  void close();
  void command(redis_argv argv, redis_callback cb);

  bool up() const noexcept { return up_ && link_->ready(); }
  std::size_t pending() const noexcept { return queue_.size(); }
  const std::string& last_error() const noexcept { return link_->last_error(); }

  void on_link_ready() override;
  void on_link_reply(redis_reply reply) override;
  void on_link_lost(const std::string& reason, bool was_ready) override;

private:
  void refuse(redis_callback cb, redis_errc why);
  void flush();
  void arm_expiry();
  void on_expiry(const boost::system::error_code& ec);
  void arm_heartbeat();
  void on_heartbeat(std::uint64_t gen, const boost::system::error_code& ec);
  static void fail_all(std::vector<redis_callback> callbacks, redis_errc why);

  boost::asio::any_io_executor ex_;
  redis_options opts_;
  std::shared_ptr<redis_link> link_;
  command_queue queue_;
  boost::asio::steady_timer expiry_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  bool expiry_armed_ = false;
  std::uint64_t heartbeat_gen_ = 0;
  command_queue::time_point last_write_{};
  redis_state_handler state_;
  bool up_ = false;
  bool closed_ = false;
};

}  // namespace switchboard::cluster

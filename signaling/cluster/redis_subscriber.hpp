#pragma once
// A Redis pub/sub connection that keeps its subscriptions.
//
//   redis_subscriber sub(strand, opts);
//   sub.on_message([](std::string_view channel, std::string_view payload) { ... });
//   sub.on_state([](bool up, const std::string& why) { ... });
//   sub.subscribe("switchboard:node:a");
//   sub.start();
//
// - The subscription set is ours, not the connection's: subscribe() and
//   unsubscribe() work at any time, and after every reconnect the whole set
//   is subscribed again before on_state(true).
// - Pub/sub is at most once: messages published while it is down are lost;
//   on_state(true) after a loss tells the owner to resynchronise.
// - Liveness: every heartbeat_interval the heartbeat channel is subscribed
//   again (a harmless round trip that hiredis 0.14 routes back to us; a PING
//   reply in subscribed mode it would drop). One left unanswered for a whole
//   interval drops the connection: that catches a stopped Redis and a dead
//   path, and Redis closing a slow subscriber (client-output-buffer-limit
//   pubsub) or CLIENT KILL shows up as EOF at once.
// - A message for a channel or pattern no longer in the set is not delivered.
//
// Not thread-safe by design: one strand, like redis_connection.

#include "signaling/cluster/redis_options.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::cluster {

class subscriber_core;

// For pattern subscriptions, `channel` is the channel the message was published to.
using redis_message_handler = std::function<void(std::string_view channel, std::string_view payload)>;

class redis_subscriber {
public:
  redis_subscriber(boost::asio::any_io_executor ex, redis_options opts);
  ~redis_subscriber();
  redis_subscriber(const redis_subscriber&) = delete;
  redis_subscriber& operator=(const redis_subscriber&) = delete;

  // Set both before start(); a message handler must not replace itself.
  void on_message(redis_message_handler handler);
  void on_state(redis_state_handler handler);
  void start();
  void close();

  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);
  void psubscribe(const std::string& pattern);
  void punsubscribe(const std::string& pattern);

  // Connected, and every subscription confirmed by Redis.
  bool up() const noexcept;
  const std::string& last_error() const noexcept;

private:
  std::shared_ptr<subscriber_core> core_;
};

}  // namespace switchboard::cluster

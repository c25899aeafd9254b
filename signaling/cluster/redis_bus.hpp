#pragma once
// core::message_bus over Redis pub/sub: send() is one PUBLISH to
// "<prefix>bus:<node>", broadcast() one PUBLISH to "<prefix>bus:all"; the
// bus's own subscriber listens on both for its node.
//
//   redis_connection redis(strand, opts);        // shared with the directory
//   redis_subscriber sub(strand, sub_opts);      // the bus's own
//   auto bus = make_redis_bus(redis, sub, strand, {.node = "node-a"});
//   bus->on_message(...); bus->on_state(...);
//   redis.start();
//   bus->start();                                // subscribes and starts `sub`
//
// - The bus takes over `subscriber` (its handlers, subscriptions, start and
//   close) and the state handler of `redis`: make it before redis.start();
//   whoever else wants the connection's transitions gets them through
//   options.command_state.
// - Up while `redis` is up and `subscriber` is up (subscribed); any
//   reconnect of either shows as down then up: messages may have been lost.
// - queued() counts messages handed over but not yet answered by Redis; at
//   max_queued, send() refuses.
// - Thread-safe like the interface says: send/broadcast/up/queued from any
//   thread (atomics, then a post onto the strand); handlers run on the strand.
//   `redis` and `subscriber` must outlive the bus.

#include "signaling/cluster/redis_connection.hpp"
#include "signaling/cluster/redis_subscriber.hpp"
#include "signaling/core/cluster.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace switchboard::cluster {

// For metrics; every member may be left empty. Called on the strand, except
// refused (the sending thread).
struct redis_bus_stats_hooks {
  std::function<void()> published;  // a PUBLISH acknowledged by Redis
  std::function<void()> received;   // a message handed to the message handler
  std::function<void()> refused;    // send/broadcast returned false (down or at the bound)
  std::function<void()> dropped;    // accepted, but the PUBLISH failed (timeout, lost connection, error reply)
};

struct redis_bus_options {
  std::string node;                          // this replica's name (not "all"): receives "<prefix>bus:<node>"
  std::string key_prefix = "switchboard:";   // shared with the directory
  std::size_t max_queued = 65536;            // messages handed to Redis and not yet acknowledged
  redis_state_handler command_state;         // forwarded transitions of the command connection; may be empty
  redis_bus_stats_hooks hooks;
};

std::string bus_channel(const std::string& key_prefix, const std::string& node);
std::string broadcast_channel(const std::string& key_prefix);

std::unique_ptr<core::message_bus> make_redis_bus(redis_connection& redis, redis_subscriber& subscriber,
                                                  boost::asio::any_io_executor strand, redis_bus_options options);

}  // namespace switchboard::cluster

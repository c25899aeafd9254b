#pragma once
// A pipelined Redis command connection that keeps itself up.
//
//   redis_connection redis(strand, opts);
//   redis.on_state([](bool up, const std::string& why) { ... });
//   redis.start();
//   redis.command({"HSET", key, "owner", node}, [](std::error_code ec, redis_reply r) { ... });
//
// - Commands are written as they come (pipelined) and answered in order.
// - Each callback runs exactly once: with the reply (possibly an error reply
//   from Redis), or with a redis_errc: timeout (no reply within
//   command_timeout), disconnected (lost while in flight: it may have run),
//   overflow (the bounded queue is full), shut_down (closed or destroyed),
//   unsupported_command. Immediate refusals are posted, never called from
//   inside command(); close() and the destructor call the pending ones before
//   they return.
// - While the connection is down, commands wait (bounded) until it is back or
//   their timeout passes; commands in flight when it drops are failed, not
//   retried (at most once).
// - A command still unanswered a full command_timeout after it was written
//   means Redis or the path to it is stuck: the connection is dropped and
//   re-established (replies cannot be skipped). An idle connection sends PING
//   every heartbeat_interval so a dead peer is noticed without traffic.
// - Every (re)connect runs AUTH, SELECT, CLIENT SETNAME and PING first;
//   on_state(true) follows, so the owner can re-register what it keeps in Redis.
// - Reconnects back off exponentially with jitter (backoff_initial..max).
//
// Not thread-safe by design: create, use and destroy it on one strand (or an
// io_context run by one thread); every callback runs on that executor. Pub/sub
// needs a connection of its own: redis_subscriber.

#include "signaling/cluster/redis_options.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace switchboard::cluster {

class connection_core;

class redis_connection {
public:
  redis_connection(boost::asio::any_io_executor ex, redis_options opts);
  // Completes every pending command with redis_errc::shut_down.
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Called on each transition (not on failed attempts: see last_error() and
  // hooks.attempt_failed). Set before start().
  void on_state(redis_state_handler handler);
  void start();
  // Stops for good: pending commands get shut_down now, later ones at once.
  void close();

  void command(redis_argv argv, redis_callback cb);

  bool up() const noexcept;
  // Commands waiting or in flight (including ones that already timed out but
  // whose reply is still due).
  std::size_t pending() const noexcept;
  // Why the last attempt failed or the last connection ended; "" if never.
  const std::string& last_error() const noexcept;

private:
  std::shared_ptr<connection_core> core_;
};

}  // namespace switchboard::cluster

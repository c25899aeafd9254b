#pragma once
// One logical Redis connection: a hiredis 0.14 async context at a time,
// driven by Asio, re-created with backoff whenever it is lost. Private to
// signaling/cluster; redis_connection and redis_subscriber build on it.
//
// hiredis is told to watch its socket through the add/del read/write hooks;
// each becomes an async_wait on a posix::stream_descriptor that does not own
// the fd: hiredis closes it itself, after its cleanup hook, where we release
// it from Asio. hiredis frees the context on any error (EOF, reset, refused
// connect) and calls our callbacks with NULL replies first: those are ignored,
// since the owner fails its commands itself when told the link was lost.
//
// Lifetime: every Asio handler holds a shared_ptr to the link, and hiredis is
// only ever entered from the link's own handlers or from its owner, so the
// link outlives every hiredis call that can reach it. The owner is reached
// through a weak_ptr, locked for the duration of each event.
//
// Single strand: every member function must run on the executor given to
// create() (a strand, or an io_context run by one thread).

#include "signaling/cluster/backoff.hpp"
#include "signaling/cluster/handshake.hpp"
#include "signaling/cluster/redis_options.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

struct redisAsyncContext;  // hiredis, kept out of this header

namespace switchboard::cluster {

class redis_link : public std::enable_shared_from_this<redis_link> {
public:
  class events {
  public:
    virtual ~events() = default;
    // The handshake succeeded: send() works now.
    virtual void on_link_ready() = 0;
    // A reply or pub/sub message after the handshake, in wire order.
    virtual void on_link_reply(redis_reply reply) = 0;
    // The context is gone (never called after close()); a new attempt
    // follows after a backoff delay. `was_ready`: it had been ready.
    virtual void on_link_lost(const std::string& reason, bool was_ready) = 0;
  };

  // select_db: false for pub/sub, where the database does not matter.
  redis_link(boost::asio::any_io_executor ex, const redis_options& opts, bool select_db,
             std::weak_ptr<events> owner);
  ~redis_link();
  redis_link(const redis_link&) = delete;
  redis_link& operator=(const redis_link&) = delete;

  void start();
  // For good: frees the context, stops every timer; no event after this.
  void close();
  bool ready() const noexcept { return phase_ == phase::ready; }
  // Queues a command on the context (pipelined); false when not ready.
  bool send(const redis_argv& argv);
  // Gives up on the current context (a timeout, a protocol surprise); the
  // owner hears on_link_lost and a reconnect follows.
  void drop(const std::string& reason);
  // Why the last attempt failed or the last connection ended ("" if never).
  const std::string& last_error() const noexcept { return last_error_; }

private:
  enum class phase { idle, resolving, connecting, ready, lost, waiting, closed };

  void attempt();
  void on_resolved(std::uint64_t gen, const boost::system::error_code& ec,
                   const boost::asio::ip::tcp::resolver::results_type& results);
  void connect_to(const std::string& ip);
  void attach(redisAsyncContext* ac);
  void on_connect_timeout(std::uint64_t gen, const boost::system::error_code& ec);
  void fail(const std::string& reason);
  void after_lost(std::uint64_t gen);
  bool write_command(const redis_argv& argv);
  void on_handshake_reply(const redis_reply& reply);
  void become_ready();

  // hiredis → Asio (trampolines in redis_link_io.cpp).
  static void reply_hook(redisAsyncContext* ac, void* reply, void* self);
  static void add_read_hook(void* self);
  static void del_read_hook(void* self);
  static void add_write_hook(void* self);
  static void del_write_hook(void* self);
  static void cleanup_hook(void* self);
  void on_reply(void* reply);
  void arm_read();
  void arm_write();
  void on_readable(std::uint64_t gen, const boost::system::error_code& ec);
  void on_writable(std::uint64_t gen, const boost::system::error_code& ec);
  void on_context_freed();

  boost::asio::any_io_executor ex_;
  redis_options opts_;
  std::string where_;  // host:port, for messages
  std::weak_ptr<events> owner_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer retry_timer_;
  redisAsyncContext* ctx_ = nullptr;
  phase phase_ = phase::idle;
  std::uint64_t gen_ = 0;  // attempt number: handlers of an older attempt do nothing
  bool reading_ = false;
  bool writing_ = false;
  bool read_armed_ = false;
  bool write_armed_ = false;
  std::vector<handshake_step> handshake_;
  std::size_t handshake_done_ = 0;
  std::string lost_reason_;
  bool lost_was_ready_ = false;
  std::string last_error_;
  backoff backoff_;
  std::mt19937_64 rng_;
};

}  // namespace switchboard::cluster

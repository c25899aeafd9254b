#pragma once
// One soak client connection, shaped like a browser's WebSocket: bound to a chosen
// loopback source address (the server limits per client address), an Origin header,
// one frame per message. It ends in one of three ways: a clean close (code 1000,
// the peer leaves), a reset (TCP RST, no close frame: the peer is kept for resume),
// or the server closing it (reported to the close handler). Adapted from
// bench/loadgen/ws_client. Beast lives only in soak_conn.cpp.
// Single-threaded: every member is called on the io_context's one thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::soak {

class soak_conn : public std::enable_shared_from_this<soak_conn> {
 public:
  using message_handler = std::function<void(std::string_view)>;
  // Why the connection ended, when the soak did not end it: the error and the close code.
  using close_handler = std::function<void(const std::string& why)>;

  // `live` counts connection objects still alive (closing ones included).
  soak_conn(boost::asio::any_io_executor ex, std::atomic<long>& live);
  ~soak_conn();
  soak_conn(const soak_conn&) = delete;
  soak_conn& operator=(const soak_conn&) = delete;

  // Binds to `source` (port chosen at connect), connects, upgrades at `target`.
  boost::asio::awaitable<boost::system::error_code> open(boost::asio::ip::address source,
                                                         boost::asio::ip::tcp::endpoint server,
                                                         std::string target, std::string origin);
  void start_reading(message_handler on_message, close_handler on_close);
  // Queues a text frame; frames are written one at a time, in order.
  void send(std::string frame);
  // Close handshake with 1000: the server lets the peer leave at once.
  void close_clean();
  // SO_LINGER 0 + close: the server reads ECONNRESET, as when a network drops.
  void reset();

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> close_op();

  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<long>& live_;
  message_handler on_message_;
  close_handler on_close_;
};

}  // namespace switchboard::soak

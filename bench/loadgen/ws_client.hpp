#pragma once
// One benchmark WebSocket client connection. Beast lives only in ws_client.cpp.
// Single-threaded: every member is called on the io_context's one thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::bench {

class ws_client : public std::enable_shared_from_this<ws_client> {
 public:
  using message_handler = std::function<void(std::string_view)>;
  using close_handler = std::function<void(boost::system::error_code)>;

  explicit ws_client(boost::asio::any_io_executor ex);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // TCP connect, WebSocket upgrade to `target`, send `hello` (if any), read the first frame.
  boost::asio::awaitable<boost::system::error_code> open(
      boost::asio::ip::tcp::endpoint server, std::string target, std::string hello,
      std::string& first);
  // Starts the read loop: every later frame goes to on_message, the end to on_close.
  void start_reading(message_handler on_message, close_handler on_close);
  // Queues a text frame; frames are written one at a time, in order.
  void send(std::string frame);
  // Closes the socket at once (no close handshake): the benchmark is over.
  void close();

  std::size_t queued() const noexcept;

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();

  struct impl;
  std::unique_ptr<impl> impl_;
  message_handler on_message_;
  close_handler on_close_;
};

}  // namespace switchboard::bench

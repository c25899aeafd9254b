#pragma once
// A synchronous WebSocket client for tests (plain ws:// and wss:// with
// certificate verification off, for self-signed test certificates). Every
// call takes a deadline; nothing throws on network errors. Reads happen only
// when the test calls read(): a client that is not read from is a slow
// consumer, which the limits tests rely on. Beast stays in ws_client.cpp.

#include "tests/support/deadline.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::test {

struct ws_connect_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/ws";
  bool tls = false;
  std::optional<std::string> origin;        // Origin header, when set
  std::string local_address;                // bind the client socket here first (e.g. 127.0.0.2)
  int receive_buffer_bytes = 0;             // SO_RCVBUF before connecting; 0 = system default
  std::chrono::milliseconds timeout{5000};  // TCP + TLS + upgrade, together
};

// Outcome of connect(): ok, or why not. A refused upgrade carries the HTTP status.
struct ws_connect_result {
  bool ok = false;
  int http_status = 0;  // status of the upgrade response (101 on success, 0 when none came)
  std::string error;    // empty on success
  std::string body;     // body of a refused upgrade response
};

class ws_client {
public:
  ws_client();
  ~ws_client();
  ws_client(ws_client&&) noexcept;
  ws_client& operator=(ws_client&&) noexcept;

  ws_connect_result connect(const ws_connect_options& opts);

  bool send_text(std::string_view text, deadline until = within(std::chrono::seconds(5)));
  bool send_binary(std::string_view bytes, deadline until = within(std::chrono::seconds(5)));

  // The next message (text or binary payload), or nullopt at the deadline or once closed.
  std::optional<std::string> read(deadline until);
  // True when the last message returned by read() was binary.
  bool last_was_binary() const;
  // Reads and discards messages until the server closes the connection; the
  // number discarded, or nullopt when the deadline came first.
  std::optional<std::size_t> drain_until_closed(deadline until);

  // Closing handshake with `code`; waits for the server's close frame.
  bool close(std::uint16_t code = 1000, deadline until = within(std::chrono::seconds(5)));
  // Closes the TCP socket without a close frame: what an abrupt network drop looks like.
  void drop();

  bool is_open() const;
  // The connection is over and nothing more will be read (the server's close
  // handshake completed, the connection failed, or it was closed or dropped
  // here). Between the server's close frame and this, is_open() is already
  // false while the client answers the close.
  bool ended() const;
  // The close code the server sent, once the server closed the connection.
  std::optional<std::uint16_t> close_code() const;
  // Why the connection ended, for assertion messages.
  std::string last_error() const;

  class impl;

private:
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::test

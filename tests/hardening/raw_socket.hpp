#pragma once
// A plain TCP client socket for attack tests: it can do what a well-behaved
// client library never does (send half a request, never read, trickle bytes,
// end with a RST). Non-blocking underneath; every wait takes a deadline.

#include "tests/support/deadline.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::test {

struct raw_connect_options {
  std::uint16_t port = 0;
  std::string local_address = "127.0.0.1";  // source address (127.0.0.0/8 all work on loopback)
  int receive_buffer_bytes = 0;             // SO_RCVBUF before connecting; 0 = system default
};

class raw_socket {
public:
  raw_socket() = default;
  ~raw_socket();
  raw_socket(raw_socket&& other) noexcept;
  raw_socket& operator=(raw_socket&& other) noexcept;
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  // Connects to 127.0.0.1:port; false (and error()) when it did not work by the deadline.
  bool connect(const raw_connect_options& opts, deadline until);

  // Sends everything, waiting for room up to the deadline.
  bool send_all(std::string_view bytes, deadline until);
  // What fits without waiting: bytes sent, or -1 once the connection failed.
  std::ptrdiff_t send_some(std::string_view bytes);
  // Waits until the socket could take more bytes (or failed); false at the deadline.
  bool wait_writable(deadline until);
  // Waits until bytes (or the end) can be read, without reading; false at the deadline.
  bool wait_readable(deadline until);

  // Appends what arrives to `out`; false at the deadline, or once the peer
  // closed (then closed() is true) without anything new.
  bool receive_some(std::string& out, deadline until);
  // Receives into `out` until it contains `marker`; false otherwise.
  bool receive_until(std::string& out, std::string_view marker, deadline until);
  // Receives into `out` until the peer closes; true when it did by the deadline.
  bool receive_until_closed(std::string& out, deadline until);

  // True once the peer shut down its side or reset the connection, checked
  // without reading any data (POLLRDHUP): an attacker that never reads still
  // learns it has been cut off.
  bool peer_gone();

  // Ends with a RST (SO_LINGER 0) instead of a FIN.
  void reset();
  void close();

  bool is_open() const noexcept { return fd_ >= 0; }
  int native_handle() const noexcept { return fd_; }
  bool closed_by_peer() const noexcept { return peer_closed_; }
  const std::string& error() const noexcept { return error_; }

private:
  bool wait_for(short events, deadline until);
  void fail(const char* what, int err);

  int fd_ = -1;
  bool peer_closed_ = false;
  std::string error_;
};

}  // namespace switchboard::test

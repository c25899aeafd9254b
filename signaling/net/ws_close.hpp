#pragma once
// The WebSocket close handshake of one connection, with no I/O: which close
// code to send and when, when the core hears that the connection ended, and
// when the socket may go. The session feeds it what happened and does what
// the returned steps say; the close deadline and the socket are the session's.

#include <cstdint>
#include <optional>

namespace switchboard::net::ws {

class close_state {
public:
  struct steps {
    bool finish = false;       // tell the core the connection ended
    bool goodbye = false;      // ... as a clean leave (client close 1000/1001)
    bool drop_queued = false;  // discard messages not yet written
    bool arm_deadline = false; // start the close deadline
  };

  // The server closes with `code`: 1001 (draining) writes what is queued
  // first; any other code drops it.
  steps start(std::uint16_t code);
  // The client's close frame: echoed unless we sent ours first. A client
  // close of 1000 or 1001 is a goodbye when leave_on_close.
  steps peer_close(std::uint16_t code, bool leave_on_close);
  // The client broke the protocol: close with `code` (1002 or 1009).
  steps protocol_error(std::uint16_t code);

  // The close code to queue now, once, when the outbox holds nothing more to
  // write before it.
  std::optional<std::uint16_t> frame_due(bool outbox_empty);

  enum class after_flush {
    nothing,          // not closing, or our close frame not out yet
    wait_for_peer,    // ours is out: read on until the client's close (or its EOF)
    close_socket,     // the handshake is complete
  };
  // Everything queued, close frame included if any, has been written.
  after_flush flushed();

  bool closing() const noexcept { return code_.has_value(); }
  // Whether a data message read now is still handled: always before the
  // close handshake, and during a drain (our 1001) until the client's close
  // frame: what the client sent before it saw ours must not be lost. After
  // any other close of ours the client's messages are ignored.
  bool reads_messages() const noexcept { return !code_ || (draining_ && !peer_closed_ && !failed_); }
  bool peer_closed() const noexcept { return peer_closed_; }
  bool failed() const noexcept { return failed_; }
  bool frame_queued() const noexcept { return queued_; }

private:
  std::optional<std::uint16_t> code_;  // what our close frame carries, once closing
  bool queued_ = false;
  bool sent_ = false;
  bool peer_closed_ = false;
  bool failed_ = false;
  bool draining_ = false;  // we started the close with 1001
};

}  // namespace switchboard::net::ws

#pragma once
// What the core sees of a connection: something that accepts outbound
// messages. The core never touches a socket; tests use a fake participant.

#include <boost/container/small_vector.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::core {

using steady_clock = std::chrono::steady_clock;

// A message ready to be written, shared by every recipient.
struct outbound {
  std::string text;
  steady_clock::time_point received{};  // when the forwarded message was read
  bool relayed = false;                 // true for forwarded offer/answer/iceCandidate/hangup
};
using outbound_ptr = std::shared_ptr<const outbound>;

outbound_ptr make_reply(std::string text);
outbound_ptr make_relayed(std::string text, steady_clock::time_point received);

// Application close codes (docs/protocol.md).
enum class close_code : unsigned short {
  going_away = 1001,      // server draining
  too_big = 1009,         // message over the hard read limit
  internal_error = 1011,
  replaced = 4000,        // the peer resumed on another connection
  slow_consumer = 4001,   // outbound queue bound reached
  hello_timeout = 4002,   // auth.mode jwt: no successful start within auth.hello_timeout
};

class participant {
public:
  virtual ~participant() = default;
  // Queues a message for this connection. Thread-safe and non-blocking.
  virtual void deliver(outbound_ptr msg) = 0;
  // Closes this connection with `code`. Thread-safe and non-blocking.
  virtual void close(close_code code) = 0;
  // A resume that had to ask another replica completed: this connection is
  // now peer `id`. Called before the start reply is delivered. Thread-safe.
  virtual void started(const std::string& id) { (void)id; }
};

struct delivery {
  std::shared_ptr<participant> to;
  outbound_ptr msg;
};

// Side effects a core operation asks its caller to perform, after any lock is released.
struct effects {
  std::vector<outbound_ptr> to_self;           // in order
  // To other participants. A relay makes one: kept inline, no allocation.
  boost::container::small_vector<delivery, 1> deliveries;
  std::vector<std::shared_ptr<participant>> to_close;  // with close_code::replaced
  // Cluster only, from work that completed later (the hub performs these itself):
  // connections told their peer ID (participant::started) before `deliveries`.
  std::vector<std::pair<std::shared_ptr<participant>, std::string>> started;
  std::vector<std::pair<std::shared_ptr<participant>, close_code>> to_close_with;
  // Run last, once everything above is in its participants' queues; each
  // returns effects of its own, performed the same way. (A peer whose queued
  // messages are being handed out gets what was sent meanwhile only then:
  // delivered at once, it could overtake them.)
  std::vector<std::function<effects()>> then;
};

}  // namespace switchboard::core

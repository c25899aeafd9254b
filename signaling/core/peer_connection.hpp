#pragma once
// The protocol state of one WebSocket connection, with no I/O: the network
// session hands it each inbound frame and performs the effects it returns.
// Used from one strand only (not thread-safe itself; the hub is).

#include "signaling/core/hub.hpp"
#include "signaling/core/participant.hpp"
#include "signaling/core/token_bucket.hpp"
#include "signaling/metrics/metrics.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::core {

struct connection_limits {
  std::size_t max_message_bytes = 65536;
  double rate_per_second = 50;
  double burst = 200;
};

class peer_connection {
public:
  // `address`: the client's IP, for the hub's per-address limits.
  peer_connection(hub& h, connection_limits limits, metrics::signaling_metrics& metrics,
                  steady_clock::time_point now, std::string address = {});

  // A control frame (ping/pong) arrived: it takes a token like a message.
  // False when the bucket is empty: the caller closes with 1008.
  bool on_control(steady_clock::time_point now) { return bucket_.try_take(now); }

  // One complete inbound WebSocket message. `self` is this connection's participant.
  // Every failure yields exactly one error reply in to_self (rate limiting: one
  // error per limited episode, the rest dropped and counted); never a close.
  effects on_message(const std::shared_ptr<participant>& self, std::string_view payload, bool binary,
                     steady_clock::time_point now);

  // A message over max_message_bytes was read and discarded (not buffered):
  // a too-large error, subject to the rate limit like any message.
  effects on_oversize(std::uint64_t size, steady_clock::time_point now);

  // The socket closed. client_goodbye: close code 1000/1001 from the client.
  effects on_close(const participant* self, bool client_goodbye, steady_clock::time_point now);

  const std::string& id() const noexcept { return id_; }
  bool started() const noexcept { return !id_.empty(); }

private:
  effects dispatch(const std::shared_ptr<participant>& self, protocol::request&& req, steady_clock::time_point now);
  effects error(protocol::error_code c, std::string_view message, std::string_view ref);
  // Counts an inbound message and takes a token; false when it is to be
  // dropped, with `fx` holding the one rate-limited error of the episode.
  bool admit(std::size_t bytes, steady_clock::time_point now, effects& fx);
  effects too_large(std::uint64_t size);

  hub& hub_;
  connection_limits limits_;
  metrics::signaling_metrics& metrics_;
  token_bucket bucket_;
  bool limited_notified_ = false;
  std::string id_;
  std::string address_;
};

}  // namespace switchboard::core

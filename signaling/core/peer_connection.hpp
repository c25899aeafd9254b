#pragma once
// The protocol state of one WebSocket connection, with no I/O: the network
// session hands it each inbound frame and performs the effects it returns.
// Used from one strand only (not thread-safe itself; the hub is).

#include "signaling/core/auth_gate.hpp"
#include "signaling/core/events.hpp"
#include "signaling/core/hub.hpp"
#include "signaling/core/participant.hpp"
#include "signaling/core/token_bucket.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace switchboard::core {

struct connection_limits {
  std::size_t max_message_bytes = 65536;
  double rate_per_second = 50;
  double burst = 200;
};

class peer_connection {
public:
  // `address`: the client's IP, for the hub's per-address limits. `gate`
  // (null or not required: auth.mode none) decides who may start.
  peer_connection(hub& h, connection_limits limits, signaling_events& events,
                  steady_clock::time_point now, std::string address = {}, auth_gate* gate = nullptr);

  // A token from the upgrade request (?access_token=, auth.allow_query_token):
  // used by a start that carries none.
  void set_query_token(std::string token) { query_token_ = std::move(token); }
  // True when this connection must start (with a valid token) before anything else.
  bool auth_required() const noexcept { return gate_ != nullptr && gate_->required(); }

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

  // The server began closing this connection with 1001 (a drain): the peer is
  // detached at once (hub::closing); messages still read are relayed as before.
  effects on_drain(const participant* self, steady_clock::time_point now);

  // The socket closed. client_goodbye: close code 1000/1001 from the client.
  effects on_close(const participant* self, bool client_goodbye, steady_clock::time_point now);

  // A resume that asked another replica completed (participant::started): on this connection's strand.
  void adopt_id(const std::string& id);

  const std::string& id() const noexcept { return id_; }
  bool started() const noexcept { return !id_.empty(); }
  // The verified identity of the last successful authenticated start (empty otherwise).
  const std::optional<peer_identity>& identity() const noexcept { return identity_; }

  // What the last refused authentication was, for the log: taken (and
  // cleared) by the caller after each message.
  struct auth_failure {
    std::string reason;
    std::string message;
  };
  std::optional<auth_failure> take_auth_failure() { return std::exchange(auth_failure_, std::nullopt); }

private:
  effects dispatch(const std::shared_ptr<participant>& self, protocol::request&& req, steady_clock::time_point now);
  effects error(protocol::error_code c, std::string_view message, std::string_view ref);
  // Counts an inbound message and takes a token; false when it is to be
  // dropped, with `fx` holding the one rate-limited error of the episode.
  bool admit(std::size_t bytes, steady_clock::time_point now, effects& fx);
  effects too_large(std::uint64_t size);
  effects start(const std::shared_ptr<participant>& self, protocol::request&& req, steady_clock::time_point now);

  hub& hub_;
  relay_route route_;  // this connection's records in the hub, kept between relays
  connection_limits limits_;
  signaling_events& events_;
  token_bucket bucket_;
  bool limited_notified_ = false;
  std::string id_;
  std::string resuming_;  // the id of a resume waiting for another replica
  std::string address_;
  auth_gate* gate_ = nullptr;
  std::string query_token_;
  std::optional<peer_identity> identity_;
  std::optional<auth_failure> auth_failure_;
};

}  // namespace switchboard::core

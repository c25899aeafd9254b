#pragma once
// The TURN probe as a state machine with no I/O (the Boost.Redis/Aedis
// shape): the driver reports what happened through resume(event) and does
// what the returned action says. Time comes in with every event, so tests
// step it with a fake clock.
//
// Sequence: Binding -> Allocate without credentials (expect 401 with REALM
// and NONCE) -> Allocate with USERNAME/REALM/NONCE/MESSAGE-INTEGRITY/
// FINGERPRINT (one retry on 438 Stale Nonce) -> Refresh LIFETIME 0, so the
// probe never leaves an allocation behind. Each request is retransmitted
// with a doubling RTO; the whole probe is bounded by one deadline.

#include "turn/stun/message.hpp"
#include "turn/stun/probe_result.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <variant>

namespace switchboard::stun {

using probe_clock = std::chrono::steady_clock;

enum class probe_mode {
  full,          // Binding, Allocate (challenge + authenticated), Refresh
  binding_only,  // readiness check: one Binding request
};

struct probe_config {
  std::string username;                          // TURN username ("<expiry>:<user>" for REST credentials)
  std::string password;                          // TURN password
  probe_mode mode = probe_mode::full;            // what to run
  std::chrono::milliseconds initial_rto{100};    // first retransmission timeout; doubles per try
  int max_transmissions = 5;                     // per request, the first send included
  std::chrono::milliseconds timeout{5000};       // the whole probe, all stages
  std::string software = "switchboard-probe";    // SOFTWARE attribute; empty sends none
};

// Events.
struct start_event {
  probe_clock::time_point now;
};
struct datagram_event {
  probe_clock::time_point now;
  byte_view data;  // one datagram from the server; only read during resume()
};
struct timeout_event {
  probe_clock::time_point now;  // the wait deadline passed
};
using probe_event = std::variant<start_event, datagram_event, timeout_event>;

// Actions.
struct send_action {
  bytes datagram;                     // send this to the server ...
  probe_clock::time_point deadline;   // ... then wait for datagrams until this
};
struct wait_action {
  probe_clock::time_point deadline;   // keep waiting (the datagram was not for us)
};
struct done_action {
  probe_result result;
};
using probe_action = std::variant<send_action, wait_action, done_action>;

class turn_probe_machine {
public:
  using id_source = std::function<transaction_id()>;

  // `ids` supplies a fresh transaction ID per request (random_transaction_id
  // in production, a counter in tests).
  turn_probe_machine(probe_config cfg, id_source ids);

  probe_action resume(const probe_event& ev);

  // Ends the probe from outside (network error, cancellation) and returns
  // the result, attributed to the current stage.
  probe_result fail(probe_outcome outcome, std::string reason, probe_clock::time_point now);

  bool done() const noexcept { return done_; }
  probe_stage stage() const noexcept { return stage_; }

private:
  probe_action on_start(probe_clock::time_point now);
  probe_action on_datagram(probe_clock::time_point now, byte_view data);
  probe_action on_timeout(probe_clock::time_point now);
  probe_action on_success(probe_clock::time_point now, const message& m, byte_view data);
  probe_action on_error(probe_clock::time_point now, const message& m);
  probe_action on_challenge(probe_clock::time_point now, const message& m);
  probe_action on_stale_nonce(probe_clock::time_point now, const message& m);
  probe_action begin(probe_stage stage, probe_clock::time_point now);
  probe_action finish(probe_outcome outcome, std::string reason, probe_clock::time_point now);
  bytes build_request();
  probe_clock::time_point next_deadline(probe_clock::time_point now) const;

  probe_config cfg_;
  id_source ids_;
  probe_stage stage_ = probe_stage::resolve;
  bool done_ = false;
  probe_result result_;
  probe_clock::time_point started_{};
  probe_clock::time_point overall_deadline_{};
  probe_clock::time_point deadline_{};
  transaction_id id_{};
  bytes request_;
  int transmissions_ = 0;
  std::chrono::milliseconds rto_{};
  bool stale_retried_ = false;
  std::string nonce_;
  bytes key_;
};

// 96 random bits from OpenSSL's CSPRNG (transaction IDs must be unguessable
// so an off-path attacker cannot forge responses).
transaction_id random_transaction_id();

}  // namespace switchboard::stun

#pragma once
// The thin I/O half of the TURN probe: runs turn_probe_machine over a UDP
// socket on the caller's executor (Asio only; no Beast, no threads of its
// own). All handlers run on a strand of that executor, so the io_context may
// be run by several threads.

#include "turn/stun/probe_machine.hpp"
#include "turn/stun/probe_result.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace switchboard::stun {

struct probe_target {
  std::string host;          // name or numeric address of the TURN server
  std::uint16_t port = 3478; // its UDP listening port
};

// One probe run. Typical use, every probe interval:
//   auto cred = turn::mint(secret, "probe", now, ttl);
//   probe_ = std::make_unique<turn_probe>(ex, target, probe_config{cred.username, cred.password});
//   probe_->start([](const probe_result& r) { /* metrics, log describe(r) */ });
class turn_probe {
public:
  using callback = std::function<void(const probe_result&)>;

  turn_probe(boost::asio::any_io_executor ex, probe_target target, probe_config cfg);
  // Abandons a run still going: sockets close and `done` is never called
  // afterwards (when destroyed on the executor's thread; from another
  // thread a callback already running may still finish).
  ~turn_probe();
  turn_probe(const turn_probe&) = delete;
  turn_probe& operator=(const turn_probe&) = delete;

  // Starts the run; `done` is called exactly once, on the strand. Only the
  // first call has an effect.
  void start(callback done);
  // Ends a running probe early; `done` gets outcome cancelled.
  void cancel();

  class state;  // the running operation; lives on while handlers are pending

private:
  std::shared_ptr<state> state_;
};

// Readiness check: one STUN Binding request (with retransmissions) to
// host:port; `done(true)` once a valid Binding success response arrives,
// `done(false)` on timeout or error. Fire and forget; `done` runs on a strand
// of `ex`.
void stun_binding_check(boost::asio::any_io_executor ex, std::string host, std::uint16_t port,
                        std::chrono::milliseconds timeout, std::function<void(bool ok)> done);

}  // namespace switchboard::stun

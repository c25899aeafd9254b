#pragma once
// What a TURN probe (or a STUN binding check) found out: a value the
// integrator turns into metrics and one log line.

#include "turn/stun/attributes.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::stun {

// Where the probe was when it finished. On success: the last stage run.
enum class probe_stage {
  resolve,    // looking up the host (driver only)
  binding,    // STUN Binding request
  challenge,  // Allocate without credentials, expecting 401 + REALM + NONCE
  allocate,   // Allocate with the long-term credential
  refresh,    // Refresh with LIFETIME 0, releasing the allocation
};

enum class probe_outcome {
  ok,
  timeout,             // no answer before the retransmissions or the deadline ran out
  auth_rejected,       // 401 to a request that carried credentials
  error_response,      // any other STUN error response
  malformed_response,  // an answer to our transaction that we could not accept
  open_relay,          // Allocate succeeded without credentials
  network_error,       // resolving, opening or sending failed
  cancelled,           // the driver was stopped
};

inline constexpr std::size_t n_probe_stages = 5;
inline constexpr std::size_t n_probe_outcomes = 8;

// Short, stable names fit for metric labels: "binding", "auth_rejected", ...
std::string_view to_string(probe_stage s) noexcept;
std::string_view to_string(probe_outcome o) noexcept;

struct probe_result {
  probe_outcome outcome = probe_outcome::ok;
  probe_stage stage = probe_stage::resolve;
  int error_code = 0;                       // STUN ERROR-CODE, when the server sent one
  std::string reason;                       // human-readable, safe to log (no secrets)
  std::chrono::nanoseconds duration{0};     // first send to the end
  int retransmissions = 0;                  // over all stages
  std::optional<socket_address> mapped;     // XOR-MAPPED-ADDRESS of the Binding response
  std::optional<socket_address> relayed;    // XOR-RELAYED-ADDRESS of the Allocate response
  std::string realm;                        // REALM learned from the 401 challenge

  bool ok() const noexcept { return outcome == probe_outcome::ok; }
};

// One line: "ok in 12 ms (relayed 127.0.0.1:50001)" or
// "allocate: authentication rejected (wrong secret or realm?) after 8 ms".
std::string describe(const probe_result& r);

}  // namespace switchboard::stun

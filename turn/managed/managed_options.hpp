#pragma once
// What the managed TURN side runs with: a plain struct whose every field has
// a default. The composition root fills it from Switchboard's configuration
// (signaling/app/turn_options); turn/ never sees that configuration.

#include "turn/coturn/options.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace switchboard::turn {

// The periodic TURN Allocate probe.
struct probe_options {
  std::string host;                   // the TURN server: name or numeric address
  std::uint16_t port = 3478;          // its UDP port
  std::string secret;                 // signs the probe's REST API credential
  std::chrono::seconds interval{30};  // between probes (> 0)
  std::chrono::seconds timeout{5};    // one probe's deadline
};

struct managed_options {
  bool managed = false;                         // start and supervise coturn
  std::string binary = "/usr/bin/turnserver";   // the coturn executable
  coturn_options coturn;                        // its config; turn_service sets the pidfile
  std::chrono::seconds stop_timeout{5};         // SIGTERM to SIGKILL when stopping coturn
  std::size_t crash_loop_restarts = 5;          // restarts within crash_loop_window before giving up
  std::chrono::seconds crash_loop_window{60};   // sliding window for crash_loop_restarts
  std::optional<probe_options> probe;           // nullopt: no probe
};

}  // namespace switchboard::turn

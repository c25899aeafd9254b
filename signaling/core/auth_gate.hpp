#pragma once
// auth.mode jwt in the core: who a start's token says the client is, and a
// per-address budget of failed authentications, so a client cannot try
// tokens (or burn CPU on signature checks) at line rate. The verification
// itself is a function given by the app (signaling/auth over the current
// JWKS); tests give a fake. Thread-safe: every connection shares one gate.

#include "signaling/core/events.hpp"
#include "signaling/core/participant.hpp"
#include "signaling/core/token_bucket.hpp"
#include "signaling/protocol/message.hpp"

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchboard::core {

// Who a verified token names: its subject and its room claim, if any.
struct peer_identity {
  std::string subject;
  std::optional<std::string> room;  // no claim: the room-less group
};

// What the verifier says of one token.
struct token_verdict {
  std::optional<peer_identity> who;  // set when the token is good
  std::string reason;                // failure: a metrics::auth_failure_reasons label
  std::string message;               // failure: for the client and the log; never token text
};
using token_verifier = std::function<token_verdict(std::string_view token)>;

struct auth_gate_config {
  bool required = false;               // auth.mode jwt
  double failures_per_second = 0.2;    // failed authentications per client address, sustained
  double failure_burst = 10;           // bucket size
};

class auth_gate {
public:
  auth_gate(auth_gate_config cfg, token_verifier verify, signaling_events& events);

  bool required() const noexcept { return cfg_.required; }

  struct outcome {
    std::optional<peer_identity> who;  // set: authenticated
    protocol::error_code code = protocol::error_code::unauthorized;  // or rate_limited
    std::string reason;                // metric label of the failure
    std::string message;
  };
  // A start carrying `token` (empty: none) from `address`. Counted in
  // switchboard_auth_{successes,failures}_total.
  outcome check(std::string_view token, std::string_view address, steady_clock::time_point now);

  // Forgets addresses whose failure budget is full again.
  void sweep(steady_clock::time_point now);
  std::size_t tracked_addresses() const;

private:
  struct entry {
    entry(const auth_gate_config& c, steady_clock::time_point now) : bucket(c.failures_per_second, c.failure_burst, now) {}
    token_bucket bucket;
    steady_clock::time_point forget_after{};
  };
  outcome fail(std::string reason, std::string message, std::string_view address, steady_clock::time_point now);

  auth_gate_config cfg_;
  token_verifier verify_;
  signaling_events& events_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> failures_;  // addresses with a recent failure
};

}  // namespace switchboard::core

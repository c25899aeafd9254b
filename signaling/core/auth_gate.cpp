#include "signaling/core/auth_gate.hpp"

#include <chrono>
#include <sstream>

namespace switchboard::core {

auth_gate::auth_gate(auth_gate_config cfg, token_verifier verify, signaling_events& events)
    : cfg_(cfg), verify_(std::move(verify)), events_(events) {}

auth_gate::outcome auth_gate::check(std::string_view token, std::string_view address, steady_clock::time_point now) {
  {
    // Checked before verifying: a client over its budget costs no signature check.
    // The budget is spent by failures only (fail() below), so peek with a copy.
    std::lock_guard lock(mutex_);
    if (const auto found = failures_.find(std::string(address)); found != failures_.end()) {
      token_bucket probe = found->second.bucket;
      if (!probe.try_take(now)) {
        events_.auth_failed("throttled");
        std::ostringstream os;
        os << "too many failed authentications from your address; retry in "
           << static_cast<int>(1 / cfg_.failures_per_second + 0.999) << " s";
        return {std::nullopt, protocol::error_code::rate_limited, "throttled", os.str()};
      }
    }
  }
  if (token.empty()) return fail("missing_token", "a token is required: send start with data.token", address, now);
  token_verdict v = verify_ ? verify_(token) : token_verdict{std::nullopt, "unknown_key", "no keys are loaded"};
  if (!v.who) return fail(std::move(v.reason), std::move(v.message), address, now);
  events_.auth_succeeded();
  return {std::move(v.who), protocol::error_code::unauthorized, {}, {}};
}

auth_gate::outcome auth_gate::fail(std::string reason, std::string message, std::string_view address,
                                   steady_clock::time_point now) {
  events_.auth_failed(reason);
  std::lock_guard lock(mutex_);
  auto found = failures_.find(std::string(address));
  if (found == failures_.end()) found = failures_.try_emplace(std::string(address), cfg_, now).first;
  (void)found->second.bucket.try_take(now);
  const auto refill = std::chrono::duration<double>(cfg_.failure_burst / cfg_.failures_per_second);
  found->second.forget_after = now + std::chrono::duration_cast<steady_clock::duration>(refill);
  return {std::nullopt, protocol::error_code::unauthorized, std::move(reason), std::move(message)};
}

void auth_gate::sweep(steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::erase_if(failures_, [now](const auto& kv) { return now >= kv.second.forget_after; });
}

std::size_t auth_gate::tracked_addresses() const {
  std::lock_guard lock(mutex_);
  return failures_.size();
}

}  // namespace switchboard::core

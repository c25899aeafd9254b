#include "turn/stun/probe_result.hpp"

namespace switchboard::stun {

std::string_view to_string(probe_stage s) noexcept {
  switch (s) {
    case probe_stage::resolve: return "resolve";
    case probe_stage::binding: return "binding";
    case probe_stage::challenge: return "challenge";
    case probe_stage::allocate: return "allocate";
    case probe_stage::refresh: return "refresh";
  }
  return "unknown";
}

std::string_view to_string(probe_outcome o) noexcept {
  switch (o) {
    case probe_outcome::ok: return "ok";
    case probe_outcome::timeout: return "timeout";
    case probe_outcome::auth_rejected: return "auth_rejected";
    case probe_outcome::error_response: return "error_response";
    case probe_outcome::malformed_response: return "malformed_response";
    case probe_outcome::open_relay: return "open_relay";
    case probe_outcome::network_error: return "network_error";
    case probe_outcome::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string describe(const probe_result& r) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count();
  if (r.ok()) {
    std::string out = "ok in " + std::to_string(ms) + " ms";
    if (r.relayed) {
      out += " (relayed " + to_string(*r.relayed) + ")";
    } else if (r.mapped) {
      out += " (mapped " + to_string(*r.mapped) + ")";
    }
    return out;
  }
  return std::string(to_string(r.stage)) + ": " + r.reason + " after " + std::to_string(ms) + " ms";
}

}  // namespace switchboard::stun

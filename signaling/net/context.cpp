#include "signaling/net/context.hpp"

#include <spdlog/spdlog.h>

namespace switchboard::net {

std::string_view to_string(log_kind k) noexcept {
  switch (k) {
    case log_kind::accept_failed: return "accept failures";
    case log_kind::origin_refused: return "refused origins";
    case log_kind::upgrade_refused: return "refused upgrades";
    case log_kind::policy_close: return "policy closes";
    case log_kind::slow_consumer: return "slow consumers";
    case log_kind::too_large: return "oversized messages";
    case log_kind::auth_failed: return "failed authentications";
    case log_kind::count: break;
  }
  return "other";
}

bool shared_context::log_allowed(log_kind kind, std::string& note) {
  const auto v = log_limit.check(static_cast<std::size_t>(kind), std::chrono::steady_clock::now());
  if (!v.log) {
    metrics.log_suppressed.Increment();
    return false;
  }
  note = v.suppressed_before == 0 ? std::string() : "; " + log::suppressed_text(v.suppressed_before);
  return true;
}

void shared_context::log_suppressed_summary() {
  for (const auto& p : log_limit.flush(std::chrono::steady_clock::now())) {
    log->warn("{}: {}", to_string(static_cast<log_kind>(p.kind)), log::suppressed_text(p.suppressed));
  }
}

}  // namespace switchboard::net

#include "signaling/log/log_throttle.hpp"

#include <algorithm>

namespace switchboard::log {

log_throttle::log_throttle(std::size_t kinds, std::chrono::milliseconds window, std::size_t burst)
    : window_(window), burst_(burst), slots_(kinds + 1) {}

log_throttle::verdict log_throttle::check(std::size_t kind, time_point now) {
  const std::lock_guard lock(mutex_);
  slot& s = slots_[std::min(kind, slots_.size() - 1)];
  if (window_over(s, now)) {
    s.window_start = now;
    s.logged = 0;
    s.open = true;
  }
  if (s.logged >= burst_) {
    ++s.suppressed;
    return {false, 0};
  }
  ++s.logged;
  const verdict v{true, s.suppressed};
  s.suppressed = 0;
  return v;
}

std::vector<log_throttle::pending> log_throttle::flush(time_point now) {
  const std::lock_guard lock(mutex_);
  std::vector<pending> out;
  for (std::size_t kind = 0; kind < slots_.size(); ++kind) {
    slot& s = slots_[kind];
    if (s.suppressed == 0 || !window_over(s, now)) continue;
    out.push_back({kind, s.suppressed});
    s.suppressed = 0;
  }
  return out;
}

std::string suppressed_text(std::size_t count) {
  return "suppressed " + std::to_string(count) + (count == 1 ? " similar message" : " similar messages");
}

}  // namespace switchboard::log

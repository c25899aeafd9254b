#include "signaling/core/token_bucket.hpp"

#include <algorithm>

namespace switchboard::core {

token_bucket::token_bucket(double rate_per_second, double burst, clock::time_point now)
    : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

bool token_bucket::try_take(clock::time_point now) {
  // Time never runs backwards on a steady clock, but callers may pass stale
  // time points (a frame read before the last one was handled): no refill then.
  if (now > last_) {
    const std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    last_ = now;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace switchboard::core

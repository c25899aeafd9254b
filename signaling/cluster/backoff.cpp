#include "signaling/cluster/backoff.hpp"

#include <algorithm>

namespace switchboard::cluster {

backoff::backoff(duration initial, duration max)
    : initial_(std::max(initial, duration(1))), max_(std::max(max, initial_)), ceiling_(initial_) {}

backoff::duration backoff::next(std::uint64_t random) {
  const auto d = ceiling_.count();
  const auto half = d / 2;
  const auto span = static_cast<std::uint64_t>(d - half) + 1;
  const auto delay = duration(half + static_cast<duration::rep>(random % span));
  ceiling_ = std::min(max_, ceiling_ * 2);
  return delay;
}

}  // namespace switchboard::cluster

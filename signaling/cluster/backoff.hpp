#pragma once
// Reconnect delays: doubling from `initial` up to `max`, each one drawn
// uniformly from [d/2, d] so that replicas which lost Redis together do not
// all knock again in the same millisecond. Pure: the caller brings the randomness.

#include <chrono>
#include <cstdint>

namespace switchboard::cluster {

class backoff {
public:
  using duration = std::chrono::milliseconds;

  backoff(duration initial, duration max);

  // The delay before the next attempt; `random` is any uniformly random 64-bit value.
  duration next(std::uint64_t random);
  // After a successful connect: the next failure waits `initial` again.
  void reset() noexcept { ceiling_ = initial_; }

private:
  duration initial_;
  duration max_;
  duration ceiling_;
};

}  // namespace switchboard::cluster

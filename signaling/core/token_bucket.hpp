#pragma once
// Token bucket for the per-connection message rate limit. Not thread-safe:
// one per connection, used on that connection's strand.

#include <chrono>

namespace switchboard::core {

class token_bucket {
public:
  using clock = std::chrono::steady_clock;
  token_bucket(double rate_per_second, double burst, clock::time_point now);
  // Takes one token if available.
  bool try_take(clock::time_point now);

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace switchboard::core

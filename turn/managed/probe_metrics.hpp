#pragma once
// Prometheus series of the periodic TURN Allocate probe.

#include "turn/stun/probe_result.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>

namespace switchboard::turn {

class probe_metrics {
public:
  explicit probe_metrics(prometheus::Registry& registry);
  void record(const stun::probe_result& r);

  prometheus::Gauge& success;         // switchboard_turn_probe_success: 1 when the last probe passed
  prometheus::Histogram& duration;    // switchboard_turn_probe_duration_seconds

private:
  std::array<prometheus::Counter*, stun::n_probe_outcomes> outcomes_{};  // switchboard_turn_probes_total{outcome}
};

}  // namespace switchboard::turn

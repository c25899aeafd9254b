#include "turn/managed/probe_metrics.hpp"

#include <prometheus/family.h>

#include <chrono>
#include <string>

namespace switchboard::turn {

probe_metrics::probe_metrics(prometheus::Registry& registry)
    : success(prometheus::BuildGauge()
                  .Name("switchboard_turn_probe_success")
                  .Help("1 when the last TURN Allocate probe succeeded, 0 otherwise.")
                  .Register(registry)
                  .Add({})),
      duration(prometheus::BuildHistogram()
                   .Name("switchboard_turn_probe_duration_seconds")
                   .Help("Duration of TURN Allocate probes (Binding, 401, Allocate, Refresh 0).")
                   .Register(registry)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                   0.25, 0.5, 1, 2.5, 5})) {
  auto& family = prometheus::BuildCounter()
                     .Name("switchboard_turn_probes_total")
                     .Help("TURN Allocate probes, by outcome (ok, timeout, auth_rejected, ...).")
                     .Register(registry);
  for (std::size_t i = 0; i < outcomes_.size(); ++i) {
    outcomes_[i] = &family.Add({{"outcome", std::string(stun::to_string(static_cast<stun::probe_outcome>(i)))}});
  }
}

void probe_metrics::record(const stun::probe_result& r) {
  outcomes_[static_cast<std::size_t>(r.outcome)]->Increment();
  success.Set(r.ok() ? 1 : 0);
  if (r.outcome != stun::probe_outcome::cancelled) {
    duration.Observe(std::chrono::duration<double>(r.duration).count());
  }
}

}  // namespace switchboard::turn

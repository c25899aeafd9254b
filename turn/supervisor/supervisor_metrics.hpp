#pragma once
// The Prometheus series of the managed coturn process. The supervisor updates
// them itself when given a supervisor_metrics (supervisor_config::metrics).

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace switchboard::turn {

class supervisor_metrics {
public:
  explicit supervisor_metrics(prometheus::Registry& registry);

  prometheus::Gauge& up;                // switchboard_turn_process_up: 1 while the child runs
  prometheus::Gauge& ready;             // switchboard_turn_process_ready: 1 once its readiness check passed
  prometheus::Counter& restarts;        // switchboard_turn_process_restarts_total
  prometheus::Gauge& given_up;          // switchboard_turn_process_given_up: 1 after a crash loop
  prometheus::Counter& truncated_lines; // switchboard_turn_process_output_truncated_lines_total
  prometheus::Counter& cert_reloads;    // switchboard_turn_certificate_reloads_total (SIGUSR2 sent)
};

}  // namespace switchboard::turn

#include "turn/supervisor/supervisor_metrics.hpp"

namespace switchboard::turn {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

supervisor_metrics::supervisor_metrics(prometheus::Registry& r)
    : up(gauge(r, "switchboard_turn_process_up", "1 while the managed coturn process is running.")),
      ready(gauge(r, "switchboard_turn_process_ready",
                  "1 once the managed coturn process answered its readiness check.")),
      restarts(counter(r, "switchboard_turn_process_restarts_total",
                       "Restarts of the managed coturn process after it exited.")),
      given_up(gauge(r, "switchboard_turn_process_given_up",
                     "1 when the supervisor stopped restarting coturn after a crash loop.")),
      truncated_lines(counter(r, "switchboard_turn_process_output_truncated_lines_total",
                              "coturn output lines cut at the maximum line length.")),
      cert_reloads(counter(r, "switchboard_turn_certificate_reloads_total",
                           "Certificate reloads requested from coturn (SIGUSR2) after the files changed.")) {}

}  // namespace switchboard::turn

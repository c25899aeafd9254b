#include "signaling/app/metrics_http_stats.hpp"

#include <prometheus/family.h>

#include <string>

namespace switchboard::app {

std::string_view to_string(metrics_http_reject r) noexcept {
  switch (r) {
    case metrics_http_reject::max_connections: return "max_connections";
    case metrics_http_reject::timeout: return "timeout";
    case metrics_http_reject::bad_request: return "bad_request";
  }
  return "unknown";
}

metrics_http_stats::metrics_http_stats(prometheus::Registry& registry)
    : connections(prometheus::BuildGauge()
                      .Name("switchboard_metrics_http_connections")
                      .Help("Open connections on the metrics port.")
                      .Register(registry)
                      .Add({})),
      scrapes(prometheus::BuildCounter()
                  .Name("switchboard_metrics_http_scrapes_total")
                  .Help("Requests for /metrics answered with 200 (GET or HEAD).")
                  .Register(registry)
                  .Add({})) {
  auto& family = prometheus::BuildCounter()
                     .Name("switchboard_metrics_http_rejected_total")
                     .Help("Metrics port connections refused or closed early: max_connections, timeout, bad_request.")
                     .Register(registry);
  // Every reason exists from the start, so rate() and alerts see a 0, not an absent series.
  for (std::size_t i = 0; i < n_metrics_http_reject; ++i) {
    rejected_[i] = &family.Add({{"reason", std::string(to_string(static_cast<metrics_http_reject>(i)))}});
  }
}

}  // namespace switchboard::app

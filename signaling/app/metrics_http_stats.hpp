#pragma once
// The metrics port's own series, on the registry it serves:
//   switchboard_metrics_http_connections                 gauge
//   switchboard_metrics_http_scrapes_total               counter
//   switchboard_metrics_http_rejected_total{reason}      counter

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace switchboard::app {

// Why the metrics port dropped a connection or refused a request.
enum class metrics_http_reject {
  max_connections,  // over metrics_http_limits::max_connections: 503, closed
  timeout,          // request header not complete in time, or a response not written in time
  bad_request,      // unparsable or oversized header, or a GET/HEAD with a body: 400/431, closed
};
inline constexpr std::size_t n_metrics_http_reject = 3;

std::string_view to_string(metrics_http_reject r) noexcept;

class metrics_http_stats {
public:
  explicit metrics_http_stats(prometheus::Registry& registry);

  prometheus::Gauge& connections;  // open connections being served
  prometheus::Counter& scrapes;    // /metrics requests answered 200 (GET or HEAD)

  prometheus::Counter& rejected(metrics_http_reject r) { return *rejected_[static_cast<std::size_t>(r)]; }

private:
  std::array<prometheus::Counter*, n_metrics_http_reject> rejected_{};
};

}  // namespace switchboard::app

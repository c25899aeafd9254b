#pragma once
// Relay metrics derived from coturn's log, registered on the service's
// Prometheus registry. Counters add coturn's per-session deltas, so they never
// wrap the way coturn's own 32-bit totals can. Labels hold only fixed values.
//
// Not thread-safe: call apply() and on_coturn_exit() from the one place that
// reads coturn's output.

#include "turn/coturn/log_event.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <unordered_map>

namespace switchboard::turn {

class relay_metrics {
public:
  // `max_tracked` bounds the set of active session ids (set it >= total_quota);
  // allocations beyond it are counted as created and untracked, never in the gauge.
  explicit relay_metrics(prometheus::Registry& registry, std::size_t max_tracked = 65536);

  void apply(const coturn_event& event);

  // coturn exited: its allocations died with it. Counts each as closed
  // {reason="restart"} and empties the gauge.
  void on_coturn_exit();

  std::size_t active() const noexcept { return sessions_.size(); }

private:
  struct session_state {
    bool released = false;  // refreshed with lifetime 0: the client asked to close
  };
  struct traffic_series {
    prometheus::Counter* received_bytes;
    prometheus::Counter* received_packets;
    prometheus::Counter* sent_bytes;
    prometheus::Counter* sent_packets;
  };

  void on(const allocation_created& e);
  void on(const allocation_refreshed& e);
  void on(const allocation_deleted& e);
  void on(const traffic_usage& e);
  void on(const session_closed& e);
  void on(const request_failed& e);
  template <typename Other>
  void on(const Other&) {}
  void close(session_id id, close_reason reason);

  std::size_t max_tracked_;
  std::unordered_map<session_id, session_state> sessions_;
  std::array<traffic_series, 2> traffic_{};  // by traffic_side
  prometheus::Gauge& allocations_;
  prometheus::Counter& created_;
  prometheus::Counter& untracked_;
  std::array<prometheus::Counter*, n_close_reasons> closed_{};
  prometheus::Counter& auth_failures_;
  prometheus::Counter& quota_rejections_;
  prometheus::Counter& peer_denied_;
  prometheus::Counter& usage_rejected_;
};

}  // namespace switchboard::turn

#pragma once
// switchboard_cluster_* (docs/metrics.md): the Redis connections, the bus,
// hand-offs, dead replicas and degraded mode. Registered only when
// cluster.enabled; the hub reports through core::cluster_events, the Redis
// layer through the hook functions below.

#include "signaling/core/hub.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>

namespace switchboard::metrics {

class cluster_metrics final : public core::cluster_events {
public:
  explicit cluster_metrics(prometheus::Registry& registry);

  void published() override;
  void received() override;
  void envelope_dropped(dropped why) override;
  void handoff_done(handoff kind) override;
  void dead_node_adopted(std::size_t peers) override;
  void dead_node_peer_left() override;
  void degraded(bool on) override;
  void reasserted(std::size_t peers, std::size_t lost) override;

  // The Redis layer (signaling/cluster's hooks).
  void redis_up(bool subscriber, bool up);
  void redis_reconnect();
  void command_latency(std::chrono::steady_clock::duration d);
  void command_timeout();
  void bus_refused();
  // Sampled every heartbeat: the bus backlog, and time spent degraded.
  void sample(std::size_t bus_queued, std::chrono::steady_clock::duration degraded_for);

private:
  std::array<prometheus::Gauge*, 2> redis_up_{};  // command, subscriber
  prometheus::Counter& reconnects_;
  prometheus::Histogram& latency_;
  prometheus::Counter& timeouts_;
  prometheus::Counter& published_;
  prometheus::Counter& received_;
  prometheus::Counter& refused_;
  std::array<prometheus::Counter*, 4> dropped_{};   // malformed, duplicate, stale, gap
  std::array<prometheus::Counter*, 4> handoffs_{};  // in, out, timed_out, close_timed_out
  prometheus::Counter& adopted_;
  prometheus::Counter& dead_left_;
  prometheus::Gauge& degraded_;
  prometheus::Counter& degraded_seconds_;
  prometheus::Counter& reasserted_;
  prometheus::Counter& lost_;
  prometheus::Gauge& bus_queue_;
};

}  // namespace switchboard::metrics

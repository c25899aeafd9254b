#include "signaling/metrics/cluster_metrics.hpp"

#include <string>

namespace switchboard::metrics {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help,
                             const prometheus::Labels& labels = {}) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

cluster_metrics::cluster_metrics(prometheus::Registry& r)
    : reconnects_(counter(r, "switchboard_cluster_redis_reconnects_total",
                          "Reconnect attempts to Redis after a failure or a lost connection.")),
      latency_(prometheus::BuildHistogram()
                   .Name("switchboard_cluster_redis_command_duration_seconds")
                   .Help("Redis commands, written to answered.")
                   .Register(r)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                    0.01, 0.025, 0.05, 0.1, 0.25, 1.0})),
      timeouts_(counter(r, "switchboard_cluster_redis_timeouts_total", "Redis commands that got no answer in time.")),
      published_(counter(r, "switchboard_cluster_messages_published_total",
                         "Messages handed to the bus for other replicas.")),
      received_(counter(r, "switchboard_cluster_messages_received_total", "Messages from other replicas.")),
      refused_(counter(r, "switchboard_cluster_messages_refused_total",
                       "Messages for other replicas refused at once: the bus was down or at its bound.")),
      adopted_(counter(r, "switchboard_cluster_dead_node_peers_adopted_total",
                       "Peers taken over from replicas whose liveness ran out.")),
      dead_left_(counter(r, "switchboard_cluster_dead_node_peers_left_total",
                         "Peers of dead replicas announced left after their resume grace.")),
      degraded_(gauge(r, "switchboard_cluster_degraded",
                      "1 while this replica cannot reach the others (Redis down): only same-replica calls work.")),
      degraded_seconds_(counter(r, "switchboard_cluster_degraded_seconds_total", "Time spent degraded.")),
      reasserted_(counter(r, "switchboard_cluster_peers_reasserted_total",
                          "Peers written back to the directory after Redis came back.")),
      lost_(counter(r, "switchboard_cluster_peers_lost_total",
                    "Peers another replica took over while this one was cut off (their clients resume there).")),
      bus_queue_(gauge(r, "switchboard_cluster_bus_queue_depth",
                       "Messages handed to Redis and not yet acknowledged.")) {
  auto& up = prometheus::BuildGauge()
                 .Name("switchboard_cluster_redis_up")
                 .Help("1 while the Redis connection (command or subscriber) is up and ready.")
                 .Register(r);
  redis_up_[0] = &up.Add({{"connection", "command"}});
  redis_up_[1] = &up.Add({{"connection", "subscriber"}});
  auto& drops = prometheus::BuildCounter()
                      .Name("switchboard_cluster_messages_dropped_total")
                      .Help("Messages from other replicas not delivered as they came, by reason.")
                      .Register(r);
  const std::array<const char*, 4> reasons{"malformed", "duplicate", "stale", "gap"};
  for (std::size_t i = 0; i < reasons.size(); ++i) dropped_[i] = &drops.Add({{"reason", reasons[i]}});
  auto& handoffs = prometheus::BuildCounter()
                       .Name("switchboard_cluster_handoffs_total")
                       .Help("Peers moved between replicas by a resume: in, out, timed_out (the previous "
                             "owner never answered), close_timed_out (handed out before the drained connection "
                             "answered its close).")
                       .Register(r);
  const std::array<const char*, 4> kinds{"in", "out", "timed_out", "close_timed_out"};
  for (std::size_t i = 0; i < kinds.size(); ++i) handoffs_[i] = &handoffs.Add({{"kind", kinds[i]}});
}

void cluster_metrics::published() { published_.Increment(); }
void cluster_metrics::received() { received_.Increment(); }
void cluster_metrics::envelope_dropped(dropped why) { dropped_.at(static_cast<std::size_t>(why))->Increment(); }
void cluster_metrics::handoff_done(handoff kind) { handoffs_.at(static_cast<std::size_t>(kind))->Increment(); }
void cluster_metrics::dead_node_adopted(std::size_t peers) { adopted_.Increment(static_cast<double>(peers)); }
void cluster_metrics::dead_node_peer_left() { dead_left_.Increment(); }
void cluster_metrics::degraded(bool on) { degraded_.Set(on ? 1 : 0); }
void cluster_metrics::reasserted(std::size_t peers, std::size_t lost) {
  reasserted_.Increment(static_cast<double>(peers));
  lost_.Increment(static_cast<double>(lost));
}

void cluster_metrics::redis_up(bool subscriber, bool up) { redis_up_[subscriber ? 1 : 0]->Set(up ? 1 : 0); }
void cluster_metrics::redis_reconnect() { reconnects_.Increment(); }
void cluster_metrics::command_latency(std::chrono::steady_clock::duration d) {
  latency_.Observe(std::chrono::duration<double>(d).count());
}
void cluster_metrics::command_timeout() { timeouts_.Increment(); }
void cluster_metrics::bus_refused() { refused_.Increment(); }

void cluster_metrics::sample(std::size_t bus_queued, std::chrono::steady_clock::duration degraded_for) {
  bus_queue_.Set(static_cast<double>(bus_queued));
  if (degraded_for.count() > 0) degraded_seconds_.Increment(std::chrono::duration<double>(degraded_for).count());
}

}  // namespace switchboard::metrics

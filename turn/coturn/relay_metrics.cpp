#include "turn/coturn/relay_metrics.hpp"

#include <prometheus/family.h>

#include <string>
#include <variant>

namespace switchboard::turn {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& r, const char* name,
                                                        const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

// coturn prints a session's usage each time its four packet counters reach
// 4,096 together (and at close), and no read exceeds 64 KiB; a larger delta
// was forged into the log (4.6.1 prints unauthenticated usernames unescaped,
// newlines included) and is dropped rather than inflate the counters.
bool plausible(const traffic_usage& e) {
  constexpr std::uint64_t max_packets = 4096;
  constexpr std::uint64_t max_packet_bytes = 65536;
  if (e.received_packets > max_packets || e.sent_packets > max_packets) return false;  // no overflow below
  return e.received_packets + e.sent_packets <= max_packets &&
         e.received_bytes <= e.received_packets * max_packet_bytes && e.sent_bytes <= e.sent_packets * max_packet_bytes;
}

}  // namespace

relay_metrics::relay_metrics(prometheus::Registry& r, std::size_t max_tracked)
    : max_tracked_(max_tracked),
      allocations_(prometheus::BuildGauge()
                       .Name("switchboard_turn_allocations")
                       .Help("Active TURN allocations on the managed coturn")
                       .Register(r)
                       .Add({})),
      created_(counter(r, "switchboard_turn_allocations_created_total", "TURN allocations created")),
      untracked_(counter(r, "switchboard_turn_allocations_untracked_total",
                         "Allocations created while the tracked-session set was full (not in the gauge)")),
      auth_failures_(counter(r, "switchboard_turn_auth_failures_total",
                             "TURN requests refused with 401 although they carried a username")),
      quota_rejections_(counter(r, "switchboard_turn_quota_rejections_total",
                                "Allocations refused with 486 (user or total quota, bandwidth quota)")),
      peer_denied_(counter(r, "switchboard_turn_peer_denied_total",
                           "Permissions and channel binds refused with 403 Forbidden IP (denied peer)")),
      usage_rejected_(counter(r, "switchboard_turn_usage_lines_rejected_total",
                              "coturn usage lines dropped as implausible (more than one report's worth)")) {
  auto& rb = counter_family(r, "switchboard_turn_traffic_received_bytes_total",
                            "Bytes the relay received (side=client: from clients, side=peer: from peers)");
  auto& rp = counter_family(r, "switchboard_turn_traffic_received_packets_total", "Packets the relay received");
  auto& sb = counter_family(r, "switchboard_turn_traffic_sent_bytes_total",
                            "Bytes the relay sent (side=client: to clients, side=peer: to peers)");
  auto& sp = counter_family(r, "switchboard_turn_traffic_sent_packets_total", "Packets the relay sent");
  for (auto side : {traffic_side::client, traffic_side::peer}) {
    prometheus::Labels l{{"side", std::string(to_string(side))}};
    traffic_[static_cast<std::size_t>(side)] = {&rb.Add(l), &rp.Add(l), &sb.Add(l), &sp.Add(l)};
  }
  auto& closed = counter_family(r, "switchboard_turn_allocations_closed_total", "TURN allocations closed, by reason");
  for (std::size_t i = 0; i < n_close_reasons; ++i) {
    closed_[i] = &closed.Add({{"reason", std::string(to_string(static_cast<close_reason>(i)))}});
  }
}

void relay_metrics::apply(const coturn_event& event) {
  std::visit([this](const auto& e) { on(e); }, event);
}

void relay_metrics::on(const allocation_created& e) {
  if (sessions_.contains(e.session)) return;  // a repeated line is not a second allocation
  created_.Increment();
  if (sessions_.size() >= max_tracked_) {
    untracked_.Increment();
    return;
  }
  sessions_.emplace(e.session, session_state{});
  allocations_.Set(static_cast<double>(sessions_.size()));
}

void relay_metrics::on(const allocation_refreshed& e) {
  if (e.lifetime_s != 0) return;
  if (auto it = sessions_.find(e.session); it != sessions_.end()) it->second.released = true;
}

// coturn prints "closed (2nd stage)" and then "delete:"; whichever comes first
// closes the allocation, so a missing close line still brings the gauge down.
void relay_metrics::on(const allocation_deleted& e) { close(e.session, close_reason::other); }

void relay_metrics::on(const session_closed& e) { close(e.session, e.reason); }

void relay_metrics::close(session_id id, close_reason reason) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;  // never allocated (e.g. a refused request) or already closed
  if (reason == close_reason::expired && it->second.released) reason = close_reason::released;
  sessions_.erase(it);
  closed_[static_cast<std::size_t>(reason)]->Increment();
  allocations_.Set(static_cast<double>(sessions_.size()));
}

void relay_metrics::on(const traffic_usage& e) {
  if (!plausible(e)) {
    usage_rejected_.Increment();
    return;
  }
  auto& t = traffic_[static_cast<std::size_t>(e.side)];
  t.received_bytes->Increment(static_cast<double>(e.received_bytes));
  t.received_packets->Increment(static_cast<double>(e.received_packets));
  t.sent_bytes->Increment(static_cast<double>(e.sent_bytes));
  t.sent_packets->Increment(static_cast<double>(e.sent_packets));
}

void relay_metrics::on(const request_failed& e) {
  if (!e.summary) return;  // the method-specific copy of a failure also printed as the summary
  switch (e.kind) {
    case failure_kind::unauthorized: auth_failures_.Increment(); break;
    case failure_kind::quota: quota_rejections_.Increment(); break;
    case failure_kind::forbidden_peer: peer_denied_.Increment(); break;
    case failure_kind::challenge:
    case failure_kind::other: break;
  }
}

void relay_metrics::on_coturn_exit() {
  closed_[static_cast<std::size_t>(close_reason::restart)]->Increment(static_cast<double>(sessions_.size()));
  sessions_.clear();
  allocations_.Set(0);
}

}  // namespace switchboard::turn

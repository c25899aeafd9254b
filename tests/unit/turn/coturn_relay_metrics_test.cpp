// relay_metrics: exact values from the captured coturn logs, and the gauge's
// robustness against repeated, unknown and excess sessions.

#include "turn/coturn/log_parser.hpp"
#include "turn/coturn/relay_metrics.hpp"

#include <prometheus/registry.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace {

using namespace switchboard::turn;

// The value of series `name` whose labels include `labels`; -1 when absent.
double value(prometheus::Registry& registry, const std::string& name,
             const std::map<std::string, std::string>& labels = {}) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      std::size_t matched = 0;
      for (const auto& l : m.label) matched += labels.contains(l.name) && labels.at(l.name) == l.value ? 1 : 0;
      if (matched != labels.size()) continue;
      return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  }
  return -1;
}

double closed(prometheus::Registry& r, close_reason reason) {
  return value(r, "switchboard_turn_allocations_closed_total", {{"reason", std::string(to_string(reason))}});
}

struct traffic {
  double rp, rb, sp, sb;
};

struct fixture_case {
  std::string file;
  traffic client;
  traffic peer;
  double created;
  std::map<close_reason, double> closed;  // reasons not listed must be 0
  double active;
  double auth_failures;
  double quota_rejections;
  double peer_denied;
};

// Names the row in failure messages instead of dumping its bytes.
void PrintTo(const fixture_case& c, std::ostream* os) { *os << c.file; }

class CoturnFixture : public ::testing::TestWithParam<fixture_case> {};

// Expected values were added up from the fixture files by hand (awk over the
// usage lines; see tests/fixtures/coturn/README.md), independently of the parser.
TEST_P(CoturnFixture, MetricsMatchTheLog) {
  const auto& c = GetParam();
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  std::ifstream in(std::string(SWITCHBOARD_SOURCE_DIR) + "/tests/fixtures/coturn/" + c.file);
  ASSERT_TRUE(in) << c.file;
  for (std::string line; std::getline(in, line);) {
    if (auto e = parse_coturn_line(line)) metrics.apply(*e);
  }
  for (auto [side, t] : {std::pair{"client", c.client}, std::pair{"peer", c.peer}}) {
    std::map<std::string, std::string> l{{"side", side}};
    EXPECT_EQ(value(registry, "switchboard_turn_traffic_received_packets_total", l), t.rp) << side;
    EXPECT_EQ(value(registry, "switchboard_turn_traffic_received_bytes_total", l), t.rb) << side;
    EXPECT_EQ(value(registry, "switchboard_turn_traffic_sent_packets_total", l), t.sp) << side;
    EXPECT_EQ(value(registry, "switchboard_turn_traffic_sent_bytes_total", l), t.sb) << side;
  }
  EXPECT_EQ(value(registry, "switchboard_turn_allocations_created_total"), c.created);
  for (std::size_t i = 0; i < n_close_reasons; ++i) {
    auto reason = static_cast<close_reason>(i);
    double expected = c.closed.contains(reason) ? c.closed.at(reason) : 0;
    EXPECT_EQ(closed(registry, reason), expected) << to_string(reason);
  }
  EXPECT_EQ(value(registry, "switchboard_turn_allocations"), c.active);
  EXPECT_EQ(metrics.active(), static_cast<std::size_t>(c.active));
  EXPECT_EQ(value(registry, "switchboard_turn_auth_failures_total"), c.auth_failures);
  EXPECT_EQ(value(registry, "switchboard_turn_quota_rejections_total"), c.quota_rejections);
  EXPECT_EQ(value(registry, "switchboard_turn_peer_denied_total"), c.peer_denied);
  EXPECT_EQ(value(registry, "switchboard_turn_allocations_untracked_total"), 0);
  EXPECT_EQ(value(registry, "switchboard_turn_usage_lines_rejected_total"), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Captured, CoturnFixture,
    ::testing::Values(
        // 5,000 x 200-byte messages echoed by turnutils_peer; uclient's first
        // allocation was still open when coturn was stopped.
        fixture_case{"allocation_traffic.log", {5011, 1021308, 5011, 1020924}, {5000, 1000000, 5000, 1000000},
                     2, {{close_reason::released, 1}}, 1, 0, 0, 0},
        // 31 retries with a wrong password, each a 401 naming the user.
        fixture_case{"auth_failure.log", {0, 0, 0, 0}, {0, 0, 0, 0}, 0, {}, 0, 31, 0, 0},
        // user-quota=1: the second allocation is refused.
        fixture_case{"quota.log", {0, 0, 0, 0}, {0, 0, 0, 0}, 1, {}, 1, 0, 1, 0},
        // Loopback peer refused (no allow-loopback-peers); three TLS sessions
        // closed, one of them never allocated.
        fixture_case{"tls_denied_peer.log", {7, 744, 7, 696}, {0, 0, 0, 0}, 2, {{close_reason::client_closed, 2}}, 0,
                     0, 0, 1}),
    [](const ::testing::TestParamInfo<fixture_case>& p) { return p.param.file.substr(0, p.param.file.find('.')); });

TEST(CoturnRelayMetrics, GaugeIgnoresRepeatsAndUnknownSessions) {
  struct step {
    coturn_event event;
    double active_after;
  };
  const std::vector<step> steps = {
      {allocation_created{1, 600}, 1},
      {allocation_created{1, 600}, 1},  // repeated line
      {allocation_refreshed{1, 600}, 1},
      {allocation_created{2, 600}, 2},
      {allocation_deleted{99}, 2},  // never seen
      {session_closed{98, close_reason::client_closed}, 2},
      {session_closed{1, close_reason::client_closed}, 1},
      {allocation_deleted{1}, 1},  // the delete that follows the close
      {session_closed{1, close_reason::client_closed}, 1},
      {allocation_deleted{2}, 0},  // a delete without a close line still closes
      {allocation_deleted{2}, 0},
  };
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    metrics.apply(steps[i].event);
    EXPECT_EQ(value(registry, "switchboard_turn_allocations"), steps[i].active_after) << "step " << i;
  }
  EXPECT_EQ(value(registry, "switchboard_turn_allocations_created_total"), 2);
  EXPECT_EQ(closed(registry, close_reason::client_closed), 1);
  EXPECT_EQ(closed(registry, close_reason::other), 1);
}

TEST(CoturnRelayMetrics, TimeoutAfterReleaseIsReleased) {
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  for (coturn_event e : {coturn_event{allocation_created{1, 600}}, coturn_event{allocation_created{2, 600}},
                         coturn_event{allocation_refreshed{1, 0}}, coturn_event{allocation_refreshed{3, 0}},
                         coturn_event{session_closed{1, close_reason::expired}},
                         coturn_event{session_closed{2, close_reason::expired}}}) {
    metrics.apply(e);
  }
  EXPECT_EQ(closed(registry, close_reason::released), 1);
  EXPECT_EQ(closed(registry, close_reason::expired), 1);
  EXPECT_EQ(metrics.active(), 0u);
}

TEST(CoturnRelayMetrics, BoundedSessionSet) {
  prometheus::Registry registry;
  relay_metrics metrics(registry, 3);
  for (session_id id = 1; id <= 5; ++id) metrics.apply(allocation_created{id, 600});
  EXPECT_EQ(value(registry, "switchboard_turn_allocations"), 3);
  EXPECT_EQ(value(registry, "switchboard_turn_allocations_created_total"), 5);
  EXPECT_EQ(value(registry, "switchboard_turn_allocations_untracked_total"), 2);
  metrics.apply(allocation_deleted{5});  // untracked: the gauge must not go below what it counted
  metrics.apply(allocation_deleted{1});
  EXPECT_EQ(value(registry, "switchboard_turn_allocations"), 2);
  metrics.apply(allocation_created{6, 600});  // room again
  EXPECT_EQ(value(registry, "switchboard_turn_allocations"), 3);
}

TEST(CoturnRelayMetrics, CoturnExitClosesEverything) {
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  for (session_id id = 1; id <= 4; ++id) metrics.apply(allocation_created{id, 600});
  metrics.on_coturn_exit();
  EXPECT_EQ(value(registry, "switchboard_turn_allocations"), 0);
  EXPECT_EQ(closed(registry, close_reason::restart), 4);
  metrics.apply(allocation_created{1, 600});  // coturn numbers sessions afresh after a restart
  EXPECT_EQ(value(registry, "switchboard_turn_allocations"), 1);
}

TEST(CoturnRelayMetrics, FailuresCountOnlySummaries) {
  struct row {
    request_failed event;
    double auth, quota, denied;
  };
  const row rows[] = {
      {{1, 401, failure_kind::challenge, true}, 0, 0, 0},
      {{1, 401, failure_kind::unauthorized, true}, 1, 0, 0},
      {{1, 486, failure_kind::quota, false}, 1, 0, 0},  // method line: its summary follows
      {{1, 486, failure_kind::quota, true}, 1, 1, 0},
      {{1, 403, failure_kind::forbidden_peer, false}, 1, 1, 0},
      {{1, 403, failure_kind::forbidden_peer, true}, 1, 1, 1},
      {{1, 437, failure_kind::other, true}, 1, 1, 1},
  };
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  for (const auto& r : rows) {
    metrics.apply(r.event);
    EXPECT_EQ(value(registry, "switchboard_turn_auth_failures_total"), r.auth) << r.event.code;
    EXPECT_EQ(value(registry, "switchboard_turn_quota_rejections_total"), r.quota) << r.event.code;
    EXPECT_EQ(value(registry, "switchboard_turn_peer_denied_total"), r.denied) << r.event.code;
  }
}

TEST(CoturnRelayMetrics, TrafficSumsPastFourGibibytes) {
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  // The largest genuine report: 4,096 packets of 64 KiB between both directions.
  const traffic_usage report{1, traffic_side::peer, 2048, 2048ULL * 65536, 2048, 2048ULL * 65536};
  for (int i = 0; i < 40; ++i) metrics.apply(report);
  std::map<std::string, std::string> peer{{"side", "peer"}};
  EXPECT_EQ(value(registry, "switchboard_turn_traffic_received_bytes_total", peer), 40.0 * 2048 * 65536);
  EXPECT_GT(value(registry, "switchboard_turn_traffic_received_bytes_total", peer), 4294967296.0);
  EXPECT_EQ(value(registry, "switchboard_turn_traffic_sent_packets_total", peer), 40 * 2048);
  EXPECT_EQ(value(registry, "switchboard_turn_traffic_received_bytes_total", {{"side", "client"}}), 0);
  EXPECT_EQ(value(registry, "switchboard_turn_usage_lines_rejected_total"), 0);
}

// coturn 4.6.1 prints an unauthenticated username raw, so a client can put a
// line break and a fake usage line into the log (seen with the real server).
TEST(CoturnRelayMetrics, ImplausibleUsageIsDropped) {
  struct row {
    traffic_usage usage;
    bool counted;
  };
  const row rows[] = {
      {{1, traffic_side::client, 2048, 2048 * 65536ULL, 2048, 2048 * 65536ULL}, true},
      {{1, traffic_side::client, 0, 0, 0, 0}, true},
      {{1, traffic_side::client, 2049, 100, 2048, 100}, false},  // more packets than one report
      {{1, traffic_side::client, 1, 65537, 0, 0}, false},        // more bytes than packets can carry
      {{1, traffic_side::peer, 0, 0, 1, 70000}, false},
      {{1, traffic_side::client, 5000000000ULL, 6000000000000ULL, 1, 2}, false},
      {{1, traffic_side::client, ~0ULL, 1, 1, 1}, false},  // the sum would wrap to 0
  };
  for (const auto& r : rows) {
    prometheus::Registry registry;
    relay_metrics metrics(registry);
    metrics.apply(r.usage);
    std::map<std::string, std::string> side{{"side", std::string(to_string(r.usage.side))}};
    EXPECT_EQ(value(registry, "switchboard_turn_traffic_received_bytes_total", side),
              r.counted ? static_cast<double>(r.usage.received_bytes) : 0)
        << r.usage.received_packets;
    EXPECT_EQ(value(registry, "switchboard_turn_usage_lines_rejected_total"), r.counted ? 0 : 1);
  }
}

TEST(CoturnRelayMetrics, LabelsAreAFixedSet) {
  prometheus::Registry registry;
  relay_metrics metrics(registry);
  metrics.apply(*parse_coturn_line(
      "1: : session 000000000000000009: closed (2nd stage), user <secret-user> realm <r> origin <>, local a, "
      "remote 198.51.100.1:1, reason: some brand new text"));
  for (const auto& family : registry.Collect()) {
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        EXPECT_TRUE(l.name == "side" || l.name == "reason") << family.name << " " << l.name;
        EXPECT_EQ(l.value.find("secret-user"), std::string::npos);
        EXPECT_EQ(l.value.find("198.51.100.1"), std::string::npos);
      }
    }
  }
  // Every closed series exists from the start, so rate() works before the first close.
  EXPECT_EQ(closed(registry, close_reason::peer_closed), 0);
}

}  // namespace

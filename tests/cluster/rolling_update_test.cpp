// A rolling update under load (issue 10): three real replicas on one real
// redis-server behind a real HAProxy (leastconn, /readyz checks), all on
// ports the test picks. 50 pairs of peers exchange numbered messages both
// ways through HAProxy while each replica in turn gets SIGTERM (it drains:
// its clients are closed with 1001, spread over the drain period), exits 0
// and comes back on its port with a new node ID, as a new pod would. Every
// client closed resumes through HAProxy on another replica and keeps going.
// Afterwards: every peer kept its ID, every direction received exactly 1..N
// in order, nobody heard peerLeft, and the hand-off counters moved.

#include "tests/cluster/pair_traffic.hpp"
#include "tests/integration/signaling_helpers.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/haproxy_fixture.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <stop_token>
#include <thread>
#include <unistd.h>

namespace switchboard::test {
namespace {

constexpr auto in_series = R"(switchboard_cluster_handoffs_total{kind="in"})";
constexpr auto timed_out_series = R"(switchboard_cluster_handoffs_total{kind="timed_out"})";
constexpr auto gap_series = R"(switchboard_cluster_messages_dropped_total{reason="gap"})";
// Pacing of the clients' rounds: at most one message per direction per round.
constexpr auto round_period = 20ms;

struct replica {
  std::string name;  // HAProxy's server name
  std::uint16_t port = 0;
  int generation = 0;
  std::unique_ptr<server_fixture> server;
  std::vector<std::unique_ptr<server_fixture>> retired;  // stopped generations (their output, on failure)
};

// What the clients' thread tells the thread that restarts replicas.
struct progress {
  std::atomic<bool> all_started{false};
  std::atomic<std::uint64_t> min_received{0};
  std::atomic<bool> rolled{false};  // every replica was restarted (or it failed)
};

struct counters {
  double handoffs_in = 0;
  double timed_out = 0;
  double gaps = 0;
  void add(const server_fixture& s) {
    handoffs_in += s.metric_value(in_series).value_or(0);
    timed_out += s.metric_value(timed_out_series).value_or(0);
    gaps += s.metric_value(gap_series).value_or(0);
  }
};

class rolling_update : public ::testing::Test {
protected:
  std::unique_ptr<server_fixture> launch(const replica& r) const {
    auto server = std::make_unique<server_fixture>(with_sets({
        "server.listen=127.0.0.1:" + std::to_string(r.port),
        "server.drain_period=3s",
        "cluster.enabled=true",
        "cluster.redis.url=" + redis.url(),
        "cluster.node_id=" + r.name + "-" + std::to_string(r.generation),
        "cluster.key_prefix=\"" + prefix + "\"",
        "cluster.node_ttl=1500ms",
        "cluster.heartbeat_interval=500ms",
        "cluster.handoff_timeout=2s",
        // Every client comes from HAProxy's address.
        "server.max_connections_per_ip=100000",
        "peers.max_per_address=100000",
        "peers.id_rate_limit.per_second=100000",
        "peers.id_rate_limit.burst=100000",
        "server.rate_limit.messages_per_second=100000",
        "server.rate_limit.burst=100000",
    }));
    const auto joined = server->wait_metric("switchboard_cluster_degraded", [](double d) { return d == 0; }, within(10s));
    if (!joined || *joined != 0) ADD_FAILURE() << r.name << " did not join the bus";
    return server;
  }

  void start_replicas() {
    for (const char* name : {"r0", "r1", "r2"}) {
      replica r{name, 0, 0, nullptr, {}};
      // A port someone else took between the pick and the listen: another one.
      for (int tries = 0; !r.server && tries < 5; ++tries) {
        r.port = pick_free_port();
        try {
          r.server = launch(r);
        } catch (const std::runtime_error& e) {
          std::cerr << "replica " << name << " did not start on " << r.port << ": " << e.what() << "\n";
        }
      }
      ASSERT_TRUE(r.server) << "replica " << name << " did not start";
      replicas.push_back(std::move(r));
    }
    haproxy_options o;
    for (const auto& r : replicas) o.servers.push_back({r.name, r.port});
    proxy = std::make_unique<haproxy_fixture>(o);
    for (const auto& r : replicas) ASSERT_TRUE(proxy->wait_status(r.name, "UP", within(10s))) << r.name;
  }

  // Until every client is started and every direction received `more` messages since the call.
  static bool wait_progress(const progress& p, std::uint64_t more, std::stop_token stop) {
    const auto mark = p.min_received.load();
    const auto until = within(20s);
    while (!stop.stop_requested() && clock::now() < until) {
      if (p.all_started && p.min_received >= mark + more) return true;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "traffic did not go on (least received per direction: " << p.min_received << ", was " << mark
                  << ")";
    return false;
  }

  // SIGTERM, a clean exit after the drain, back on the same port; then the next one.
  void roll(progress& p, std::stop_token stop) {
    for (auto& r : replicas) {
      if (!wait_progress(p, 10, stop)) return;
      before.add(*r.server);
      r.server->proc().signal(SIGTERM);
      EXPECT_TRUE(proxy->wait_status(r.name, "DOWN", within(5s))) << r.name << " stayed in the pool while draining";
      const auto status = r.server->proc().wait_exit(within(15s));
      ASSERT_TRUE(status) << r.name << " still running 15 s after SIGTERM";
      ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << r.name << ": " << describe_status(*status);
      r.retired.push_back(std::move(r.server));
      ++r.generation;
      try {
        r.server = launch(r);
      } catch (const std::runtime_error& e) {
        FAIL() << r.name << " did not come back on port " << r.port << ": " << e.what();
      }
      ASSERT_TRUE(proxy->wait_status(r.name, "UP", within(10s))) << r.name << " did not rejoin the pool";
    }
    wait_progress(p, 10, stop);
  }

  redis_server redis;
  std::string prefix = "t" + std::to_string(::getpid()) + ":";
  std::vector<replica> replicas;
  std::unique_ptr<haproxy_fixture> proxy;
  counters before;  // of each replica's generation that was stopped
};

TEST_F(rolling_update, fifty_pairs_keep_their_ids_and_every_message_in_order) {
  const auto began = clock::now();
  start_replicas();
  if (HasFatalFailure()) return;
  pair_traffic traffic({proxy->port(), 50, 16});
  ASSERT_TRUE(traffic.start_all());
  progress p;
  std::jthread roller([&](std::stop_token stop) {
    roll(p, stop);
    p.rolled = true;
  });
  // Messages keep going until every replica was restarted, then the last ones land.
  const auto until = within(100s);
  auto next = clock::now();
  bool sending = true;
  while (clock::now() < until) {
    traffic.step(sending);
    p.all_started = traffic.all_started();
    p.min_received = traffic.min_received();
    if (p.rolled) sending = false;
    if (!sending && traffic.settled()) break;
    next = std::max(next + round_period, clock::now() - round_period);
    std::this_thread::sleep_until(next);
  }
  roller.request_stop();
  roller.join();
  counters after = before;
  for (const auto& r : replicas) {
    if (r.server) after.add(*r.server);
  }
  std::cerr << traffic.summary() << "; hand-offs in " << after.handoffs_in << "; "
            << std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - began).count() << " ms\n";
  ASSERT_TRUE(traffic.settled()) << "traffic did not settle: " << traffic.summary();
  traffic.check();

  EXPECT_GE(after.handoffs_in, 100) << "every peer was taken over by another replica at least once";
  EXPECT_EQ(after.timed_out, 0) << "a draining replica did not hand a peer over in time";
  EXPECT_EQ(after.gaps, 0) << "messages between replicas were given up as lost";
  traffic.close_all();
}

}  // namespace
}  // namespace switchboard::test

// Three real replicas (the switchboard binary) on one real redis-server, each
// started by the test on ports it picks: calls across replicas, resume on
// another replica, peerLeft, a replica killed with SIGKILL, Redis stopped and
// started again, Redis killing the replica's connections, and a subscriber
// too slow for Redis' output buffer limit (docs/cluster.md).

#include "tests/integration/signaling_helpers.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_fixture.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <set>
#include <unistd.h>

namespace switchboard::test {
namespace {

struct cluster_options {
  std::string resume_grace = "30s";
  std::string node_ttl = "1500ms";
  std::string heartbeat = "500ms";
};

class replicas : public ::testing::Test {
protected:
  // A replica named `node`, joined to the test's Redis under the test's prefix.
  std::unique_ptr<server_fixture> start_replica(const std::string& node, const cluster_options& o = {}) {
    auto server = std::make_unique<server_fixture>(with_sets({
        "cluster.enabled=true",
        "cluster.redis.url=" + redis.url(),
        "cluster.node_id=" + node,
        "cluster.key_prefix=\"" + prefix + "\"",
        "cluster.node_ttl=" + o.node_ttl,
        "cluster.heartbeat_interval=" + o.heartbeat,
        "cluster.handoff_timeout=1s",
        "peers.resume_grace=" + o.resume_grace,
        "server.rate_limit.messages_per_second=100000",
        "server.rate_limit.burst=100000",
        "server.send_queue_messages=4096",
        "server.send_queue_bytes=16777216",
    }));
    wait_joined(*server);
    return server;
  }
  static void wait_joined(const server_fixture& s) {
    const auto v = s.wait_metric("switchboard_cluster_degraded", [](double d) { return d == 0; }, within(10s));
    ASSERT_TRUE(v && *v == 0) << "the replica did not join the bus";
  }
  void start_three(const cluster_options& o = {}) {
    for (const char* name : {"r0", "r1", "r2"}) r.push_back(start_replica(name, o));
  }
  static std::string candidate_text(const json::object& msg) {
    return str(msg.at("data").at("candidate").as_object(), "candidate");
  }

  redis_server redis;
  std::string prefix = "t" + std::to_string(::getpid()) + ":";
  std::vector<std::unique_ptr<server_fixture>> r;
};

TEST_F(replicas, call_across_replicas_keeps_a_thousand_messages_in_order) {
  start_three();
  auto a = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  exchange_offer_answer(a, b);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "c" + std::to_string(i), 0)));
  }
  for (int i = 0; i < 1000; ++i) {
    auto msg = expect_action(b.ws, "iceCandidate", within(10s));
    ASSERT_TRUE(msg) << "message " << i;
    ASSERT_EQ(candidate_text(*msg), "c" + std::to_string(i));
    ASSERT_EQ(str(*msg, "from"), a.id);
  }
  EXPECT_TRUE(stays_quiet(a.ws, 200ms)) << "no error came back to the sender";
  const auto sent = r[0]->metric_value("switchboard_cluster_messages_published_total");
  EXPECT_GE(sent.value_or(0), 1000);
}

TEST_F(replicas, an_id_unknown_to_the_cluster_is_peer_not_found) {
  start_three();
  auto a = start_peer(*r[0]);
  ASSERT_TRUE(a.ws.send_text(offer_message("NoSuchPeerAnywhere000", "v=0")));
  EXPECT_TRUE(expect_error(a.ws, "peer-not-found"));
}

TEST_F(replicas, resume_on_another_replica_gets_the_queued_messages_and_a_wrong_token_fails) {
  start_three();
  auto a = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  exchange_offer_answer(a, b);
  b.ws.drop();
  const auto detached = r[1]->wait_metric("switchboard_peers_detached", [](double v) { return v == 1; }, within(5s));
  ASSERT_TRUE(detached && *detached == 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "q" + std::to_string(i), 0)));
  // Wrong token first, on a third replica: refused, and it changes nothing.
  ws_client forged = r[0]->connect();
  ASSERT_TRUE(forged.send_text(resume_message(b.id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));
  EXPECT_TRUE(expect_error(forged, "resume-failed"));
  ws_client again = r[2]->connect();
  ASSERT_TRUE(again.send_text(resume_message(b.id, b.token)));
  auto reply = expect_action(again, "start", within(10s));
  ASSERT_TRUE(reply);
  EXPECT_EQ(str(*reply, "id"), b.id);
  EXPECT_EQ(reply->at("resumed"), true);
  for (int i = 0; i < 5; ++i) {
    auto msg = expect_action(again, "iceCandidate");
    ASSERT_TRUE(msg) << "queued message " << i;
    EXPECT_EQ(candidate_text(*msg), "q" + std::to_string(i));
  }
  // Traffic follows it, both ways, and the old replica no longer holds it.
  ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "after", 0)));
  auto after = expect_action(again, "iceCandidate");
  ASSERT_TRUE(after);
  EXPECT_EQ(candidate_text(*after), "after");
  ASSERT_TRUE(again.send_text(candidate_message(a.id, "back", 0)));
  auto back = expect_action(a.ws, "iceCandidate");
  ASSERT_TRUE(back);
  EXPECT_EQ(str(*back, "from"), b.id);
  const auto peers_r1 = r[1]->wait_metric("switchboard_peers", [](double v) { return v == 0; }, within(5s));
  EXPECT_EQ(peers_r1.value_or(-1), 0);
}

TEST_F(replicas, peer_left_reaches_contacts_on_every_replica) {
  start_three();
  auto a = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  auto c = start_peer(*r[2]);
  exchange_offer_answer(a, b);
  exchange_offer_answer(a, c);
  ASSERT_TRUE(a.ws.close(1000));
  for (peer* p : {&b, &c}) {
    auto left = expect_action(p->ws, "peerLeft");
    ASSERT_TRUE(left);
    EXPECT_EQ(str(*left, "id"), a.id);
  }
}

TEST_F(replicas, a_killed_replicas_peers_resume_elsewhere_and_the_rest_are_announced_left) {
  cluster_options o;
  o.resume_grace = "4s";
  start_three(o);
  auto a = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  auto c = start_peer(*r[1]);
  exchange_offer_answer(a, b);
  exchange_offer_answer(a, c);
  r[1]->proc().signal(SIGKILL);
  (void)r[1]->stop();
  // b comes back on another replica within the grace.
  ws_client b2 = r[2]->connect();
  ASSERT_TRUE(b2.send_text(resume_message(b.id, b.token)));
  auto reply = expect_action(b2, "start", within(10s));
  ASSERT_TRUE(reply);
  EXPECT_EQ(str(*reply, "id"), b.id);
  // r0 may still have r1 cached as b's owner until r2's "moved" reaches it: a
  // send in that window is answered `unavailable` at once (nobody listens for
  // r1), and the client retries as the error tells it to.
  std::optional<json::object> msg, early_left;
  int unavailable = 0;
  ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "still-here", 0)));
  for (const deadline until = within(10s); !msg && clock::now() < until;) {
    if (auto m = read_json(b2, within(50ms))) {
      ASSERT_EQ(str(*m, "action"), "iceCandidate") << to_text(*m);
      msg = std::move(m);
    } else if (auto err = read_json(a.ws, within(50ms))) {
      if (str(*err, "action") == "peerLeft") {  // c's, if this loop ran that long
        early_left = std::move(err);
        continue;
      }
      ASSERT_EQ(str(*err, "code"), "unavailable") << to_text(*err);
      ASSERT_EQ(str(*err, "ref"), "iceCandidate") << to_text(*err);
      ++unavailable;
      ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "still-here", 0)));
    }
  }
  ASSERT_TRUE(msg) << "after " << unavailable << " unavailable answer(s)";
  EXPECT_EQ(candidate_text(*msg), "still-here");
  EXPECT_LE(unavailable, 3) << "the stale owner must be corrected at once";
  // c does not: once the crash is detected and its grace is over, a hears peerLeft for c only.
  auto left = early_left ? early_left : skip_until_action(a.ws, "peerLeft", within(20s));
  ASSERT_TRUE(left);
  EXPECT_EQ(str(*left, "id"), c.id);
  EXPECT_TRUE(stays_quiet(a.ws, 500ms)) << "no peerLeft for the peer that resumed";
  double adopted = 0;
  for (int i : {0, 2}) adopted += r[i]->metric_value("switchboard_cluster_dead_node_peers_left_total").value_or(0);
  EXPECT_EQ(adopted, 1);
}

TEST_F(replicas, redis_outage_keeps_local_calls_answers_unavailable_and_recovers_without_restarts) {
  start_three();
  auto a1 = start_peer(*r[0]);
  auto a2 = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  exchange_offer_answer(a1, b);
  redis.stop();
  const auto degraded = r[0]->wait_metric("switchboard_cluster_degraded", [](double v) { return v == 1; }, within(5s));
  ASSERT_TRUE(degraded && *degraded == 1);
  // Same replica: still works.
  exchange_offer_answer(a1, a2);
  // Another replica: an explicit error within a second.
  ASSERT_TRUE(a1.ws.send_text(candidate_message(b.id, "x", 0)));
  EXPECT_TRUE(expect_error(a1.ws, "unavailable", "iceCandidate", within(1s)));
  // Readiness does not follow Redis (every replica would go unready at once).
  EXPECT_EQ(r[0]->metric_value("switchboard_cluster_degraded").value_or(0), 1);
  redis.start();
  for (auto& s : r) wait_joined(*s);
  // Both directions work again, with the peers written back.
  const auto until = within(10s);
  bool through = false;
  while (!through && clock::now() < until) {
    ASSERT_TRUE(a1.ws.send_text(candidate_message(b.id, "again", 0)));
    auto got = read_json(b.ws, within(500ms));
    through = got && str(*got, "action") == "iceCandidate";
    (void)read_json(a1.ws, within(50ms));  // an unavailable while the directory refills
  }
  EXPECT_TRUE(through) << "cross-replica relay did not recover";
  ASSERT_TRUE(b.ws.send_text(candidate_message(a1.id, "back", 0)));
  EXPECT_TRUE(skip_until_action(a1.ws, "iceCandidate", within(5s)));
}

TEST_F(replicas, redis_killing_a_replicas_connections_is_recovered_from) {
  start_three();
  auto a = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  exchange_offer_answer(a, b);
  const auto before = r[1]->metric_value("switchboard_cluster_redis_reconnects_total").value_or(0);
  EXPECT_GE(redis.kill_clients_named("switchboard-r1-bus") + redis.kill_clients_named("switchboard-r1"), 2);
  const auto reconnected = r[1]->wait_metric("switchboard_cluster_redis_reconnects_total",
                                             [before](double v) { return v > before; }, within(5s));
  ASSERT_TRUE(reconnected && *reconnected > before);
  wait_joined(*r[1]);
  const auto until = within(10s);
  bool through = false;
  while (!through && clock::now() < until) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "k", 0)));
    auto got = read_json(b.ws, within(500ms));
    through = got && str(*got, "action") == "iceCandidate";
    (void)read_json(a.ws, within(50ms));
  }
  EXPECT_TRUE(through);
}

TEST_F(replicas, a_subscriber_too_slow_for_redis_is_cut_off_and_reconnects) {
  cluster_options o;
  o.node_ttl = "6s";
  o.heartbeat = "1s";
  start_three(o);
  auto a = start_peer(*r[0]);
  auto b = start_peer(*r[1]);
  exchange_offer_answer(a, b);
  redis.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 4kb 4kb 1"});
  const auto before = r[1]->metric_value("switchboard_cluster_redis_reconnects_total").value_or(0);
  // Replica r1 stops reading (SIGSTOP) while messages pile up for it.
  r[1]->proc().signal(SIGSTOP);
  // Redis closes the subscriber once its output buffer passes the limit. The
  // kernel's socket buffers take the first messages (how much varies from
  // run to run), so a keeps sending until the cut: up to 190 × 32 KB, within
  // the per-connection burst.
  const std::string filler(32000, 'x');
  int sent = 0;
  const auto until = within(10s);
  while (redis.has_client_named("switchboard-r1-bus") && clock::now() < until) {
    for (int i = 0; i < 10 && sent < 190; ++i, ++sent) {
      ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, filler, 0)));
    }
    (void)read_json(a.ws, within(100ms));
  }
  const bool cut = !redis.has_client_named("switchboard-r1-bus");
  r[1]->proc().signal(SIGCONT);
  ASSERT_TRUE(cut) << "Redis did not close the slow subscriber after " << sent << " messages";
  const auto reconnected = r[1]->wait_metric("switchboard_cluster_redis_reconnects_total",
                                             [before](double v) { return v > before; }, within(10s));
  ASSERT_TRUE(reconnected && *reconnected > before);
  wait_joined(*r[1]);
  redis.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"});
  bool through = false;
  const auto again = within(10s);
  while (!through && clock::now() < again) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "fresh", 0)));
    // Anything still on its way from before the cut comes first.
    for (auto got = read_json(b.ws, within(500ms)); got && !through; got = read_json(b.ws, within(100ms))) {
      through = str(*got, "action") == "iceCandidate" && candidate_text(*got) == "fresh";
    }
  }
  EXPECT_TRUE(through);
}

}  // namespace
}  // namespace switchboard::test

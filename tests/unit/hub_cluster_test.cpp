// Several hubs in one process, joined through the in-memory directory and
// bus (core/memory_cluster): the cluster behaviour of docs/cluster.md with a
// hand-driven event queue, so every interleaving here is deterministic. The
// same behaviour against real replicas and Redis: tests/cluster.

#include "core_fakes.hpp"
#include "signaling/core/memory_cluster.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>

namespace switchboard::core::test {
namespace {

// Handlers posted by the memory cluster, run when the test says so.
struct manual_queue {
  std::deque<std::function<void()>> queue;
  void post(std::function<void()> f) { queue.push_back(std::move(f)); }
  // Runs until nothing is left (handlers may post more).
  void run() {
    for (int guard = 0; !queue.empty() && guard < 1000000; ++guard) {
      auto f = std::move(queue.front());
      queue.pop_front();
      f();
    }
  }
};

struct recorded_cluster_events : cluster_events {
  void handoff_done(handoff kind) override { ++handoffs[kind]; }
  void dead_node_adopted(std::size_t peers) override { adopted += peers; }
  void dead_node_peer_left() override { ++dead_left; }
  void degraded(bool on) override { degraded_now = on; }
  void envelope_dropped(dropped why) override { ++drops[why]; }
  std::map<handoff, int> handoffs;
  std::map<dropped, int> drops;
  std::size_t adopted = 0;
  int dead_left = 0;
  bool degraded_now = false;
};

struct node {
  node(memory_cluster& shared, const std::string& name, hub_config cfg)
      : hub_((sources.prefix = name + "-", cfg), make_memory_registry(), sources.make(), metrics),
        dir(make_memory_directory(shared)),
        bus(make_memory_bus(shared, name)) {
    hub_cluster_config cc;
    cc.node = name;
    cc.handoff_timeout = 2s;
    cc.node_ttl = 5s;
    cc.heartbeat_interval = 1s;
    hub_.join_cluster(cc, *dir, *bus, events);
    bus->start();
  }
  ~node() { bus->close(); }

  prometheus::Registry registry;
  metrics::signaling_metrics metrics{registry};
  recorded_cluster_events events;
  fake_sources sources;
  hub hub_;
  std::unique_ptr<peer_directory> dir;
  std::unique_ptr<message_bus> bus;
};

class HubClusterTest : public ::testing::Test {
protected:
  HubClusterTest() {
    for (const char* name : {"a", "b", "c"}) nodes[name] = std::make_unique<node>(shared, name, test_hub_config());
    settle();
    for (auto& [name, n] : nodes) n->hub_.cluster_tick(steady_clock::now());  // liveness
    settle();
  }

  void settle() { q.run(); }
  hub& at(const std::string& name) { return nodes.at(name)->hub_; }

  // Starts a peer on `name`; settles, so the directory has it and the start
  // reply is out.
  peer start_on(const std::string& name) {
    peer p;
    auto r = at(name).start(p.conn, std::nullopt, steady_clock::now());
    apply(r.fx, *p.conn);
    p.id = r.id;
    settle();
    auto msgs = p.conn->take();
    EXPECT_EQ(msgs.size(), 1u);
    if (!msgs.empty()) p.token = str(msgs[0], "resumeToken");
    return p;
  }
  // Resumes on `name`; settles so a hand-off from another replica completes.
  peer resume_on(const std::string& name, const peer& old) {
    peer p = resume_peer(at(name), old.id, old.token, steady_clock::now());
    settle();
    const auto msgs = p.conn->take();
    p.id = p.id.empty() ? p.conn->started_as : p.id;
    for (const auto& m : msgs) {
      if (str(m, "action") == "start") p.token = str(m, "resumeToken");
      inbox[p.conn.get()].push_back(m);
    }
    return p;
  }
  void relay(const std::string& name, peer& from, const std::string& text) {
    send(at(name), from, text, steady_clock::now());
  }
  // What `p` received (including what resume_on set aside), in order.
  std::vector<json::object> take(peer& p) {
    auto out = std::move(inbox[p.conn.get()]);
    inbox.erase(p.conn.get());
    for (auto& m : p.conn->take()) out.push_back(std::move(m));
    return out;
  }
  static std::vector<std::string> candidates(const std::vector<json::object>& msgs) {
    std::vector<std::string> out;
    for (const auto& m : msgs) {
      if (str(m, "action") != "iceCandidate") continue;
      const auto& data = m.at("data").as_object();
      out.push_back(str(data.at("candidate").as_object(), "candidate"));
    }
    return out;
  }
  static std::vector<std::string> numbered(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back("c" + std::to_string(i));
    return out;
  }

  manual_queue q;
  steady_clock::time_point clock = steady_clock::now();
  memory_cluster shared{[this](std::function<void()> f) { q.post(std::move(f)); }, [this] { return clock; }};
  std::map<std::string, std::unique_ptr<node>> nodes;
  std::map<const participant*, std::vector<json::object>> inbox;
};

TEST_F(HubClusterTest, RelaysAcrossReplicasInOrderAndStampsTheSender) {
  peer a = start_on("a");
  peer b = start_on("b");
  relay("a", a, offer_to(b.id));
  for (int i = 0; i < 1000; ++i) relay("a", a, candidate_to(b.id, i));
  EXPECT_TRUE(a.conn->received.empty()) << "no error for the sender";
  settle();
  auto got = take(b);
  ASSERT_EQ(got.size(), 1001u);
  EXPECT_EQ(str(got[0], "action"), "offer");
  EXPECT_EQ(str(got[0], "from"), a.id);
  EXPECT_EQ(candidates(got), numbered(0, 1000));
  relay("b", b, answer_to(a.id));
  settle();
  auto back = take(a);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(str(back[0], "action"), "answer");
  EXPECT_EQ(str(back[0], "from"), b.id);
}

// The registration race: a client that has its start reply may hand its ID
// to a peer on another replica at once, so the reply waits for the directory.
TEST_F(HubClusterTest, TheStartReplyWaitsUntilTheDirectoryHasTheId) {
  peer local = start_on("a");
  peer a;
  auto r = at("a").start(a.conn, std::nullopt, steady_clock::now());
  apply(r.fx, *a.conn);
  a.id = r.id;
  ASSERT_FALSE(a.id.empty());
  EXPECT_TRUE(a.conn->received.empty()) << "no reply before the directory answers";
  // Something sent to it meanwhile (its ID guessed) waits behind the reply.
  relay("a", local, offer_to(a.id));
  EXPECT_TRUE(a.conn->received.empty());
  settle();
  auto msgs = a.conn->take();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(str(msgs[0], "action"), "start");
  EXPECT_EQ(str(msgs[1], "from"), local.id);
  // The moment it has its reply, a peer on another replica finds it.
  peer c = start_on("c");
  relay("c", c, offer_to(a.id));
  settle();
  auto got = a.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "from"), c.id);
  EXPECT_TRUE(take(c).empty()) << "no peer-not-found";
}

TEST_F(HubClusterTest, DegradedTheStartReplyIsNotHeld) {
  shared.set_down(true);
  settle();
  peer a;
  auto r = at("a").start(a.conn, std::nullopt, steady_clock::now());
  apply(r.fx, *a.conn);
  auto msgs = a.conn->take();
  ASSERT_EQ(msgs.size(), 1u) << "answered at once while Redis is away";
  EXPECT_EQ(str(msgs[0], "action"), "start");
  shared.set_down(false);
  settle();
}

TEST_F(HubClusterTest, AnIdUnknownToTheWholeClusterIsPeerNotFound) {
  peer a = start_on("a");
  relay("a", a, offer_to("nobody-anywhere"));
  settle();
  auto got = take(a);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "error");
  EXPECT_EQ(str(got[0], "code"), "peer-not-found");
}

TEST_F(HubClusterTest, PeerLeftReachesContactsOnOtherReplicas) {
  peer a = start_on("a");
  peer b = start_on("b");
  peer c = start_on("c");
  relay("a", a, offer_to(b.id));
  relay("a", a, offer_to(c.id));
  settle();
  take(b);
  take(c);
  apply(at("a").disconnect(a.id, a.conn.get(), true, steady_clock::now()), *a.conn);
  settle();
  for (peer* p : {&b, &c}) {
    auto got = take(*p);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(str(got[0], "action"), "peerLeft");
    EXPECT_EQ(str(got[0], "id"), a.id);
  }
  relay("b", b, offer_to(a.id));
  settle();
  auto err = take(b);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(str(err[0], "code"), "peer-not-found");
}

TEST_F(HubClusterTest, ResumeOnAnotherReplicaGetsQueuedMessagesInOrder) {
  peer a = start_on("a");
  peer b = start_on("b");
  relay("a", a, offer_to(b.id));
  settle();
  take(b);
  // b's connection drops; a keeps sending (queued on replica b).
  apply(at("b").disconnect(b.id, b.conn.get(), false, steady_clock::now()), *b.conn);
  for (int i = 0; i < 3; ++i) relay("a", a, candidate_to(b.id, i));
  settle();
  peer b2 = resume_on("c", b);
  EXPECT_EQ(b2.id, b.id);
  EXPECT_EQ(b2.conn->started_as, b.id);
  auto got = take(b2);
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "start");
  EXPECT_EQ(str(got[0], "id"), b.id);
  EXPECT_EQ(got[0].at("resumed"), json::value(true));
  EXPECT_EQ(candidates(got), numbered(0, 3));
  EXPECT_EQ(at("b").peer_count(), 0u) << "the old replica no longer holds it";
  // Later messages follow it (through the old replica, then straight).
  for (int i = 3; i < 6; ++i) relay("a", a, candidate_to(b.id, i));
  settle();
  for (int i = 6; i < 9; ++i) relay("a", a, candidate_to(b.id, i));
  settle();
  EXPECT_EQ(candidates(take(b2)), numbered(3, 9));
  EXPECT_TRUE(take(a).empty()) << "no errors";
  EXPECT_EQ(nodes.at("c")->events.handoffs[cluster_events::handoff::resume_in], 1);
  EXPECT_EQ(nodes.at("b")->events.handoffs[cluster_events::handoff::resume_out], 1);
}

TEST_F(HubClusterTest, ResumeElsewhereWhileStillConnectedReplacesTheOldConnection) {
  peer a = start_on("a");
  peer b = start_on("b");
  peer b2 = resume_on("c", b);
  EXPECT_EQ(b2.id, b.id);
  EXPECT_EQ(b.conn->closed, close_code::replaced);
  relay("a", a, offer_to(b.id));
  settle();
  EXPECT_EQ(take(b2).size(), 2u);  // the start reply, then the offer
  EXPECT_TRUE(b.conn->take().empty());
}

TEST_F(HubClusterTest, MessagesSentDuringTheMoveStayInOrder) {
  peer a = start_on("a");
  peer b = start_on("b");
  relay("a", a, candidate_to(b.id, 0));
  settle();
  // a's replica has b's owner cached: while b moves to c, a's messages go to
  // b's old replica and are passed on, then straight to c.
  peer b2 = resume_peer(at("c"), b.id, b.token, steady_clock::now());
  for (int i = 1; i < 200; ++i) {
    relay("a", a, candidate_to(b.id, i));
    if (i % 7 == 0) q.run();  // interleave deliveries with sends
  }
  settle();
  auto old_conn = candidates(b.conn->take());
  auto new_conn = candidates(b2.conn->take());
  std::vector<std::string> all = old_conn;
  all.insert(all.end(), new_conn.begin(), new_conn.end());
  EXPECT_EQ(all, numbered(0, 200)) << "none lost, duplicated or reordered";
  EXPECT_TRUE(take(a).empty());
}

// A drain closes b's connection (1001) and its client resumes on c before b
// has read the last messages that client sent: the hand-off waits for them.
TEST_F(HubClusterTest, ADrainedConnectionsLastMessagesGoBeforeTheHandOff) {
  peer a = start_on("a");
  peer b = start_on("b");
  relay("b", b, candidate_to(a.id, 0));
  settle();
  apply(at("b").closing(b.id, b.conn.get(), steady_clock::now()), *b.conn);
  peer b2 = resume_peer(at("c"), b.id, b.token, steady_clock::now());
  settle();
  EXPECT_TRUE(b2.conn->received.empty()) << "the resume waits for b's state";
  relay("b", b, candidate_to(a.id, 1));  // read by b's closing connection only now
  apply(at("b").disconnect(b.id, b.conn.get(), false, steady_clock::now()), *b.conn);
  settle();
  auto resumed = b2.conn->take();
  ASSERT_FALSE(resumed.empty());
  EXPECT_EQ(str(resumed[0], "action"), "start");
  EXPECT_EQ(b2.conn->started_as, b.id);
  b2.id = b2.conn->started_as;
  relay("c", b2, candidate_to(a.id, 2));
  settle();
  EXPECT_EQ(candidates(take(a)), numbered(0, 3)) << "none lost, none overtaken";
  EXPECT_TRUE(b.conn->received.empty()) << "no error for the closing connection";
  EXPECT_EQ(nodes.at("c")->events.handoffs[cluster_events::handoff::resume_in], 1);
  EXPECT_EQ(nodes.at("c")->events.handoffs[cluster_events::handoff::timed_out], 0);
  EXPECT_EQ(nodes.at("b")->events.handoffs[cluster_events::handoff::resume_out], 1);
  EXPECT_EQ(nodes.at("b")->events.handoffs[cluster_events::handoff::close_timed_out], 0) << "it closed in time";
  EXPECT_EQ(at("b").peer_count(), 0u);
}

// ... but a client that never answers the close does not hold the hand-off
// until the new owner gives up on it.
TEST_F(HubClusterTest, ADrainedConnectionThatNeverEndsHoldsTheHandOffOnlyBriefly) {
  peer b = start_on("b");
  apply(at("b").closing(b.id, b.conn.get(), steady_clock::now()), *b.conn);
  peer b2 = resume_peer(at("c"), b.id, b.token, steady_clock::now());
  settle();
  EXPECT_TRUE(b2.conn->received.empty());
  at("b").cluster_tick(steady_clock::now() + 100ms);
  settle();
  EXPECT_TRUE(b2.conn->received.empty()) << "not yet: the connection may still end";
  EXPECT_EQ(nodes.at("b")->events.handoffs[cluster_events::handoff::close_timed_out], 0);
  at("b").cluster_tick(steady_clock::now() + 600ms);  // a quarter of the 2 s hand-off timeout
  settle();
  auto resumed = b2.conn->take();
  ASSERT_FALSE(resumed.empty());
  EXPECT_EQ(str(resumed[0], "action"), "start");
  EXPECT_EQ(nodes.at("c")->events.handoffs[cluster_events::handoff::resume_in], 1);
  EXPECT_EQ(nodes.at("c")->events.handoffs[cluster_events::handoff::timed_out], 0);
  EXPECT_EQ(nodes.at("b")->events.handoffs[cluster_events::handoff::close_timed_out], 1) << "counted, so it shows";
  EXPECT_EQ(nodes.at("b")->events.handoffs[cluster_events::handoff::resume_out], 1);
  EXPECT_EQ(at("b").peer_count(), 0u);
  apply(at("b").disconnect(b.id, b.conn.get(), false, steady_clock::now()), *b.conn);  // ends at last: nothing left
}

// A relay that asked the directory where its target is, while the target's
// resume on this very replica was on its way: delivered here, not
// peer-not-found ("ours, but not here" by the time the answer comes).
TEST_F(HubClusterTest, ARelayWaitingForTheDirectoryFindsATargetThatResumedHere) {
  peer a = start_on("a");
  peer b = start_on("b");
  peer b2 = resume_peer(at("a"), b.id, b.token, steady_clock::now());
  relay("a", a, offer_to(b.id));  // a has never sent to b: it asks the directory
  settle();
  const auto got = b2.conn->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(str(got[0], "action"), "start");
  EXPECT_EQ(str(got[1], "action"), "offer");
  EXPECT_EQ(str(got[1], "from"), a.id);
  EXPECT_TRUE(take(a).empty()) << "no peer-not-found";
}

TEST_F(HubClusterTest, AWrongTokenIsResumeFailedOnAnyReplica) {
  peer b = start_on("b");
  peer forged = b;
  forged.token = "not-the-token";
  peer attempt = resume_on("c", forged);
  auto got = take(attempt);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "code"), "resume-failed");
  EXPECT_TRUE(attempt.conn->started_as.empty());
  EXPECT_EQ(at("b").peer_count(), 1u);
  EXPECT_FALSE(b.conn->closed.has_value()) << "the owner keeps it";
  peer unknown = b;
  unknown.id = "never-existed";
  peer nobody = resume_on("c", unknown);
  EXPECT_EQ(str(take(nobody).at(0), "code"), "resume-failed");
}

TEST_F(HubClusterTest, ADeadReplicasPeersResumeElsewhereOrLeaveAfterTheGrace) {
  peer a1 = start_on("a");
  peer a2 = start_on("a");
  peer c = start_on("c");
  relay("c", c, offer_to(a1.id));
  relay("c", c, offer_to(a2.id));
  settle();
  // Replica a dies: no goodbye, its liveness runs out.
  nodes.erase("a");
  clock += 6s;
  for (const char* name : {"b", "c"}) at(name).cluster_tick(steady_clock::now());  // the survivors' heartbeats
  settle();
  const auto later = steady_clock::now() + 10s;  // past node_ttl + heartbeat since b and c came up
  at("b").cluster_tick(later);
  settle();
  at("c").cluster_tick(later);
  settle();
  const auto adopted = nodes.at("b")->events.adopted + nodes.at("c")->events.adopted;
  EXPECT_EQ(adopted, 2u) << "one survivor adopted both";
  // a1 comes back through the load balancer on b.
  peer back = resume_on("b", a1);
  EXPECT_EQ(back.id, a1.id);
  EXPECT_EQ(str(take(back).at(0), "action"), "start");
  // a2 does not: after resume_grace its contact hears peerLeft.
  for (const char* name : {"b", "c"}) apply(at(name).expire(steady_clock::now() + 31s), *c.conn);
  settle();
  auto got = take(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "peerLeft");
  EXPECT_EQ(str(got[0], "id"), a2.id);
  EXPECT_EQ(nodes.at("b")->events.dead_left + nodes.at("c")->events.dead_left, 1);
}

TEST_F(HubClusterTest, DuringAnOutageLocalCallsWorkAndRemoteOnesAreUnavailable) {
  peer a1 = start_on("a");
  peer a2 = start_on("a");
  peer b = start_on("b");
  shared.set_down(true);
  settle();
  EXPECT_TRUE(at("a").degraded());
  EXPECT_TRUE(nodes.at("a")->events.degraded_now);
  relay("a", a1, offer_to(a2.id));
  relay("a", a1, offer_to(b.id));
  auto local = take(a2);
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(str(local[0], "action"), "offer");
  auto err = take(a1);
  ASSERT_EQ(err.size(), 1u) << "answered at once, not after a timeout";
  EXPECT_EQ(str(err[0], "code"), "unavailable");
  // A new peer during the outage is registered once the store is back.
  peer late = start_on("a");
  shared.set_down(false);
  settle();
  EXPECT_FALSE(at("a").degraded());
  relay("b", b, offer_to(late.id));
  settle();
  auto got = take(late);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "from"), b.id);
}

TEST_F(HubClusterTest, RoomsHoldAcrossReplicas) {
  peer_identity red{"alice", std::string("red")};
  peer_identity blue{"bob", std::string("blue")};
  peer_identity red2{"carol", std::string("red")};
  auto start_as = [&](const std::string& name, const peer_identity& who) {
    peer p;
    auto r = at(name).start(p.conn, std::nullopt, steady_clock::now(), {}, &who);
    apply(r.fx, *p.conn);
    p.id = r.id;
    settle();
    p.conn->take();
    return p;
  };
  peer a = start_as("a", red);
  peer b = start_as("b", blue);
  peer c = start_as("c", red2);
  relay("a", a, offer_to(b.id));
  relay("a", a, offer_to(c.id));
  settle();
  auto err = take(a);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(str(err[0], "code"), "peer-not-found") << "another room's peer does not exist";
  EXPECT_TRUE(take(b).empty());
  auto got = take(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "fromIdentity"), "alice");
}

TEST_F(HubClusterTest, MalformedBusMessagesAreDroppedAndCounted) {
  peer a = start_on("a");
  ASSERT_TRUE(nodes.at("b")->bus->send("a", "not an envelope"));
  settle();
  EXPECT_EQ(nodes.at("a")->events.drops[cluster_events::dropped::malformed], 1);
  EXPECT_TRUE(take(a).empty());
}

}  // namespace
}  // namespace switchboard::core::test

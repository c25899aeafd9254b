// The hub's bounds against one hostile address: per-address peer and new-ID
// limits, the global cap on detached peers and on their queued bytes.

#include "core_fakes.hpp"
#include "signaling/core/address_limits.hpp"

#include <gtest/gtest.h>

namespace switchboard::core::test {
namespace {

// A started peer from `address`, or an empty id with the error code it got.
struct start_outcome {
  peer p;
  std::string error;
};

start_outcome start_from(hub& h, std::string_view address, steady_clock::time_point now) {
  start_outcome out;
  auto r = h.start(out.p.conn, std::nullopt, now, address);
  apply(r.fx, *out.p.conn);
  out.p.id = r.id;
  const auto msgs = out.p.conn->take();
  if (!msgs.empty()) {
    out.error = str(msgs[0], "code");
    if (out.error.empty()) out.p.token = str(msgs[0], "resumeToken");
  }
  return out;
}

hub_config limited(std::size_t max_peers, double rate, double burst) {
  hub_config cfg = test_hub_config();
  cfg.addresses = {max_peers, rate, burst};
  return cfg;
}

TEST(AddressLimits, BurstThenSustainedRate) {
  address_limits lim({100, 2, 5});
  const auto t0 = steady_clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(lim.admit_new("a", t0), address_limits::verdict::ok) << i;
  EXPECT_EQ(lim.admit_new("a", t0), address_limits::verdict::id_rate);
  EXPECT_EQ(lim.admit_new("b", t0), address_limits::verdict::ok);  // another address has its own bucket
  EXPECT_EQ(lim.admit_new("a", t0 + 500ms), address_limits::verdict::ok);  // one token back after 1/rate
  EXPECT_EQ(lim.admit_new("a", t0 + 500ms), address_limits::verdict::id_rate);
  EXPECT_EQ(lim.peers("a"), 6u);
}

TEST(AddressLimits, MaxPeersCountsUntilRemoved) {
  address_limits lim({2, 100, 100});
  const auto t0 = steady_clock::time_point{} + 1h;
  EXPECT_EQ(lim.admit_new("a", t0), address_limits::verdict::ok);
  EXPECT_EQ(lim.admit_new("a", t0), address_limits::verdict::ok);
  EXPECT_EQ(lim.admit_new("a", t0), address_limits::verdict::max_peers);
  lim.remove("a");
  EXPECT_EQ(lim.admit_new("a", t0), address_limits::verdict::ok);
  lim.add("a", t0);  // a resume is never refused
  EXPECT_EQ(lim.peers("a"), 3u);
}

TEST(AddressLimits, SweepForgetsOnlyIdleAddressesWithFullBuckets) {
  address_limits lim({10, 1, 4});
  const auto t0 = steady_clock::time_point{} + 1h;
  ASSERT_EQ(lim.admit_new("gone", t0), address_limits::verdict::ok);
  ASSERT_EQ(lim.admit_new("stays", t0), address_limits::verdict::ok);
  lim.remove("gone");
  lim.sweep(t0 + 1s);  // bucket still refilling: a fresh entry would hand out a new burst
  EXPECT_EQ(lim.size(), 2u);
  lim.sweep(t0 + 4s);
  EXPECT_EQ(lim.size(), 1u);
  EXPECT_EQ(lim.peers("stays"), 1u);
}

TEST(HubLimits, NewIdsPerAddressAreRateLimited) {
  hub_env env(limited(100, 1, 3));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(start_from(env.hub_, "10.0.0.1", env.t0).error, "") << i;
  const auto refused = start_from(env.hub_, "10.0.0.1", env.t0);
  EXPECT_TRUE(refused.p.id.empty());
  EXPECT_EQ(refused.error, "rate-limited");
  EXPECT_EQ(env.metrics.peers_refused(peer_refusal::id_rate).Value(), 1);
  EXPECT_EQ(start_from(env.hub_, "10.0.0.2", env.t0).error, "");
  EXPECT_EQ(start_from(env.hub_, "10.0.0.1", env.t0 + 1s).error, "");
}

TEST(HubLimits, PeersPerAddressIncludeDetachedOnes) {
  hub_env env(limited(2, 100, 100));
  auto a = start_from(env.hub_, "10.0.0.1", env.t0);
  auto b = start_from(env.hub_, "10.0.0.1", env.t0);
  apply(env.hub_.disconnect(b.p.id, b.p.conn.get(), false, env.t0), *b.p.conn);  // detached: still counts
  EXPECT_EQ(start_from(env.hub_, "10.0.0.1", env.t0).error, "rate-limited");
  EXPECT_EQ(env.metrics.peers_refused(peer_refusal::max_per_address).Value(), 1);
  apply(env.hub_.disconnect(a.p.id, a.p.conn.get(), true, env.t0), *a.p.conn);  // left: frees its place
  EXPECT_EQ(start_from(env.hub_, "10.0.0.1", env.t0).error, "");
}

TEST(HubLimits, ResumeFromAnotherAddressMovesTheCount) {
  hub_env env(limited(1, 100, 100));
  auto a = start_from(env.hub_, "10.0.0.1", env.t0);
  apply(env.hub_.disconnect(a.p.id, a.p.conn.get(), false, env.t0), *a.p.conn);
  auto r = env.hub_.start(std::make_shared<fake_participant>(), protocol::resume_request{a.p.id, a.p.token},
                          env.t0 + 1s, "10.0.0.9");
  EXPECT_EQ(r.id, a.p.id);
  EXPECT_EQ(start_from(env.hub_, "10.0.0.1", env.t0 + 1s).error, "");  // the old address is free again
  EXPECT_EQ(start_from(env.hub_, "10.0.0.9", env.t0 + 1s).error, "rate-limited");
}

TEST(HubLimits, OldestDetachedPeerLeavesAtTheCap) {
  hub_config cfg = test_hub_config();
  cfg.max_detached = 2;
  hub_env env(cfg);
  peer watcher = start_peer(env.hub_, env.t0);
  std::vector<peer> peers;
  for (int i = 0; i < 3; ++i) peers.push_back(start_peer(env.hub_, env.t0));
  send(env.hub_, watcher, offer_to(peers[0].id), env.t0);  // watcher is a contact of the oldest
  watcher.conn->take();
  for (int i = 0; i < 3; ++i) {
    auto fx = env.hub_.disconnect(peers[i].id, peers[i].conn.get(), false, env.t0 + std::chrono::seconds(i));
    apply(fx, *peers[i].conn);
  }
  EXPECT_EQ(env.hub_.detached_count(), 2u);
  EXPECT_EQ(env.metrics.peers_evicted.Value(), 1);
  const auto got = watcher.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "peerLeft");
  EXPECT_EQ(str(got[0], "id"), peers[0].id);
  // The evicted peer can no longer resume; the others can.
  auto gone = resume_peer(env.hub_, peers[0].id, peers[0].token, env.t0 + 5s);
  EXPECT_TRUE(gone.id.empty());
  auto back = resume_peer(env.hub_, peers[2].id, peers[2].token, env.t0 + 5s);
  EXPECT_EQ(back.id, peers[2].id);
}

TEST(HubLimits, QueuedBytesOfAllDetachedPeersAreCapped) {
  hub_config cfg = test_hub_config();
  cfg.max_queued_messages = 100;
  cfg.max_queued_bytes = 64 * 1024;
  cfg.max_queued_bytes_total = 1000;
  hub_env env(cfg);
  peer sender = start_peer(env.hub_, env.t0);
  peer x = start_peer(env.hub_, env.t0);
  peer y = start_peer(env.hub_, env.t0);
  apply(env.hub_.disconnect(x.id, x.conn.get(), false, env.t0), *x.conn);
  apply(env.hub_.disconnect(y.id, y.conn.get(), false, env.t0), *y.conn);
  const std::string big = R"({"action":"offer","data":{"remoteId":"ID","offer":")" + std::string(300, 'v') + "\"}}";
  const auto to = [&](const std::string& id) {
    std::string m = big;
    m.replace(m.find("ID"), 2, id);
    return m;
  };
  send(env.hub_, sender, to(x.id), env.t0);
  send(env.hub_, sender, to(y.id), env.t0);
  EXPECT_TRUE(sender.conn->take().empty());  // both kept (about 2 × 370 bytes)
  send(env.hub_, sender, to(x.id), env.t0);  // over 1000 in all
  const auto refused = sender.conn->take();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(str(refused[0], "code"), "queue-full");
  // A resume hands the queue over and gives its bytes back.
  const std::size_t before = env.hub_.queued_bytes_total();
  resume_peer(env.hub_, y.id, y.token, env.t0 + 1s);
  EXPECT_LT(env.hub_.queued_bytes_total(), before);
  send(env.hub_, sender, to(x.id), env.t0 + 1s);
  EXPECT_TRUE(sender.conn->take().empty());
}

}  // namespace
}  // namespace switchboard::core::test

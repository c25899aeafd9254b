#include "core_fakes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace switchboard::core::test {
namespace {

TEST(Hub, StartIssuesIdTokenAndCredentials) {
  hub_env env;
  peer a;
  auto r = env.hub_.start(a.conn, std::nullopt, env.t0);
  EXPECT_EQ(r.id, "peer-1");
  ASSERT_EQ(r.fx.to_self.size(), 1u);
  const auto reply = to_json(r.fx.to_self[0]);
  EXPECT_EQ(str(reply, "action"), "start");
  EXPECT_EQ(str(reply, "id"), "peer-1");
  EXPECT_EQ(str(reply, "resumeToken"), "token-1");
  EXPECT_EQ(reply.at("ttl").to_number<int>(), 600);
  EXPECT_EQ(str(reply.at("iceServers").as_array()[0].as_object(), "username"), "user-peer-1");
  EXPECT_FALSE(reply.contains("resumed"));
  EXPECT_EQ(env.metrics.credentials_issued.Value(), 1);
  EXPECT_EQ(env.metrics.peers.Value(), 1);
  EXPECT_EQ(env.hub_.peer_count(), 1u);
}

TEST(Hub, RetriesOnIdCollision) {
  hub_env env;
  env.sources.forced_ids = {"dup", "dup", "dup", "fresh"};
  const peer a = start_peer(env.hub_, env.t0);
  const peer b = start_peer(env.hub_, env.t0);
  EXPECT_EQ(a.id, "dup");
  EXPECT_EQ(b.id, "fresh");
}

TEST(Hub, GivesUpOnEndlessCollisions) {
  hub_env env;
  env.sources.forced_ids = std::deque<std::string>(20, "dup");
  start_peer(env.hub_, env.t0);
  auto conn = std::make_shared<fake_participant>();
  auto r = env.hub_.start(conn, std::nullopt, env.t0);
  EXPECT_TRUE(r.id.empty());
  ASSERT_EQ(r.fx.to_self.size(), 1u);
  EXPECT_EQ(str(to_json(r.fx.to_self[0]), "code"), "internal");
  EXPECT_EQ(env.metrics.error_sent(protocol::error_code::internal).Value(), 1);
}

TEST(Hub, TutorialExchange) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);

  send(h, a, offer_to(b.id), env.t0);
  auto got = b.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "offer");
  EXPECT_EQ(str(got[0].at("data").as_object(), "remoteId"), a.id);  // the tutorial answers to it
  EXPECT_EQ(str(got[0], "from"), a.id);
  EXPECT_EQ(str(got[0].at("data").as_object().at("offer").as_object(), "sdp"), "v=0");

  send(h, b, answer_to(a.id), env.t0);
  send(h, b, candidate_to(a.id, 1), env.t0);
  send(h, a, candidate_to(b.id, 2), env.t0);
  got = a.conn->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(str(got[0], "action"), "answer");
  EXPECT_FALSE(got[0].at("data").as_object().contains("remoteId"));
  EXPECT_EQ(str(got[0], "from"), b.id);
  EXPECT_EQ(str(got[1], "action"), "iceCandidate");
  EXPECT_EQ(str(got[1].at("data").as_object().at("candidate").as_object(), "candidate"), "c1");
  got = b.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0].at("data").as_object().at("candidate").as_object(), "candidate"), "c2");

  EXPECT_EQ(env.metrics.relayed(protocol::action::offer).Value(), 1);
  EXPECT_EQ(env.metrics.relayed(protocol::action::answer).Value(), 1);
  EXPECT_EQ(env.metrics.relayed(protocol::action::ice_candidate).Value(), 2);
}

TEST(Hub, RelayedMessageKeepsReceiveTime) {
  hub_env env;
  peer a = start_peer(env.hub_, env.t0);
  peer b = start_peer(env.hub_, env.t0);
  auto fx = env.hub_.relay(a.id, req_of(offer_to(b.id)), env.t0 + 5ms);
  ASSERT_EQ(fx.deliveries.size(), 1u);
  EXPECT_EQ(fx.deliveries[0].to, b.conn);
  EXPECT_TRUE(fx.deliveries[0].msg->relayed);
  EXPECT_EQ(fx.deliveries[0].msg->received, env.t0 + 5ms);
}

struct relay_error_case {
  const char* name;
  bool to_self;  // else to an unknown id
  protocol::error_code code;
  const char* message_part;
  std::optional<undeliverable_reason> undeliverable;
};

class HubRelayError : public ::testing::TestWithParam<relay_error_case> {};

TEST_P(HubRelayError, RepliesToSenderOnly) {
  const auto& c = GetParam();
  hub_env env;
  peer a = start_peer(env.hub_, env.t0);
  peer b = start_peer(env.hub_, env.t0);
  send(env.hub_, a, answer_to(c.to_self ? a.id : "nobody"), env.t0);
  auto got = a.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "code"), protocol::to_string(c.code));
  EXPECT_EQ(str(got[0], "ref"), "answer");
  EXPECT_NE(str(got[0], "message").find(c.message_part), std::string::npos);
  EXPECT_TRUE(b.conn->received.empty());
  EXPECT_EQ(env.metrics.error_sent(c.code).Value(), 1);
  EXPECT_EQ(env.metrics.relayed(protocol::action::answer).Value(), 0);
  if (c.undeliverable) {
    EXPECT_EQ(env.metrics.undeliverable(*c.undeliverable).Value(), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HubRelayError,
    ::testing::Values(relay_error_case{"unknown_target", false, protocol::error_code::peer_not_found,
                                       "names no connected peer", undeliverable_reason::peer_not_found},
                      relay_error_case{"self_target", true, protocol::error_code::bad_request,
                                       "must not be your own id", std::nullopt}),
    [](const ::testing::TestParamInfo<relay_error_case>& row) { return std::string(row.param.name); });

TEST(Hub, IceServersMintsCredentials) {
  hub_env env;
  peer a = start_peer(env.hub_, env.t0);
  const auto reply = to_json(env.hub_.ice_servers(a.id));
  EXPECT_EQ(str(reply, "action"), "iceServers");
  EXPECT_EQ(reply.at("ttl").to_number<int>(), 600);
  EXPECT_EQ(str(reply.at("iceServers").as_array()[0].as_object(), "username"), "user-" + a.id);
  EXPECT_EQ(env.metrics.credentials_issued.Value(), 2);  // start + iceServers
}

TEST(Hub, StaleConnectionDisconnectIsIgnored) {
  hub_env env;
  peer a = start_peer(env.hub_, env.t0);
  fake_participant stranger;
  auto fx = env.hub_.disconnect(a.id, &stranger, true, env.t0);
  EXPECT_TRUE(fx.deliveries.empty());
  EXPECT_EQ(env.hub_.peer_count(), 1u);
  EXPECT_EQ(env.metrics.peers_detached.Value(), 0);
  EXPECT_EQ(env.metrics.peers_left.Value(), 0);
}

// ------------------------------------------------------------------ resume

std::vector<std::string> actions_of(const std::vector<json::object>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) out.push_back(str(m, "action"));
  return out;
}

TEST(HubResume, DetachedPeerGetsQueuedMessagesInOrder) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  apply(h.disconnect(b.id, b.conn.get(), false, env.t0), *b.conn);
  EXPECT_EQ(env.metrics.peers_detached.Value(), 1);
  EXPECT_EQ(h.peer_count(), 2u);

  send(h, a, offer_to(b.id), env.t0 + 1s);
  send(h, a, candidate_to(b.id, 1), env.t0 + 2s);
  send(h, a, candidate_to(b.id, 2), env.t0 + 3s);
  EXPECT_TRUE(a.conn->received.empty());  // queued, no error

  peer b2 = resume_peer(h, b.id, b.token, env.t0 + 10s);
  EXPECT_EQ(b2.id, b.id);
  auto got = b2.conn->take();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(actions_of(got), (std::vector<std::string>{"start", "offer", "iceCandidate", "iceCandidate"}));
  EXPECT_EQ(got[0].at("resumed"), json::value(true));
  EXPECT_EQ(str(got[0], "id"), b.id);
  EXPECT_NE(str(got[0], "resumeToken"), b.token);  // rotated
  EXPECT_EQ(str(got[2].at("data").as_object().at("candidate").as_object(), "candidate"), "c1");
  EXPECT_EQ(str(got[3].at("data").as_object().at("candidate").as_object(), "candidate"), "c2");
  EXPECT_EQ(env.metrics.resumes(resume_result::ok).Value(), 1);
  EXPECT_EQ(env.metrics.peers_detached.Value(), 0);
  EXPECT_EQ(env.metrics.credentials_issued.Value(), 3);

  // The old token is spent: only the rotated one resumes now.
  peer again = resume_peer(h, b.id, b.token, env.t0 + 11s);
  EXPECT_TRUE(again.id.empty());
  EXPECT_EQ(env.metrics.resumes(resume_result::bad_token).Value(), 1);
}

TEST(HubResume, AttachedPeerMovesAndOldConnectionIsReplaced) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  auto r = h.start(std::make_shared<fake_participant>(), protocol::resume_request{b.id, b.token}, env.t0);
  ASSERT_EQ(r.fx.to_close.size(), 1u);
  EXPECT_EQ(r.fx.to_close[0], b.conn);
  EXPECT_EQ(r.id, b.id);

  peer b2 = resume_peer(h, b.id, str(to_json(r.fx.to_self[0]), "resumeToken"), env.t0);
  ASSERT_FALSE(b2.id.empty());
  // The replaced connection's own close must not detach or remove the peer.
  EXPECT_TRUE(h.disconnect(b.id, b.conn.get(), true, env.t0).deliveries.empty());
  EXPECT_EQ(h.peer_count(), 2u);
  EXPECT_EQ(env.metrics.peers_left.Value(), 0);

  b2.conn->take();
  send(h, a, offer_to(b.id), env.t0);
  EXPECT_EQ(b2.conn->take().size(), 1u);
  EXPECT_TRUE(b.conn->received.empty());
}

TEST(HubResume, WrongTokenIsNoTakeover) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  auto r = h.start(std::make_shared<fake_participant>(), protocol::resume_request{b.id, "token-x"}, env.t0);
  EXPECT_TRUE(r.id.empty());
  EXPECT_TRUE(r.fx.to_close.empty());
  ASSERT_EQ(r.fx.to_self.size(), 1u);
  const auto err = to_json(r.fx.to_self[0]);
  EXPECT_EQ(str(err, "code"), "resume-failed");
  EXPECT_EQ(str(err, "ref"), "start");
  EXPECT_EQ(env.metrics.resumes(resume_result::bad_token).Value(), 1);
  EXPECT_EQ(env.metrics.error_sent(protocol::error_code::resume_failed).Value(), 1);

  send(h, a, offer_to(b.id), env.t0);
  EXPECT_EQ(b.conn->take().size(), 1u);  // still routed to the original connection
  EXPECT_EQ(resume_peer(h, b.id, b.token, env.t0).id, b.id);  // and its token still works
}

TEST(HubResume, UnknownIdFails) {
  hub_env env;
  peer p = resume_peer(env.hub_, "ghost", "token-1", env.t0);
  EXPECT_TRUE(p.id.empty());
  const auto got = p.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "code"), "resume-failed");
  EXPECT_EQ(env.metrics.resumes(resume_result::unknown_peer).Value(), 1);
  EXPECT_EQ(env.hub_.peer_count(), 0u);
}

struct grace_case {
  const char* name;
  bool run_expire;  // the expiry timer ran before the resume
  resume_result counted;
};

class HubResumeAfterGrace : public ::testing::TestWithParam<grace_case> {};

TEST_P(HubResumeAfterGrace, Fails) {
  const auto& c = GetParam();
  hub_env env;
  hub& h = env.hub_;
  peer b = start_peer(h, env.t0);
  h.disconnect(b.id, b.conn.get(), false, env.t0);
  const auto late = env.t0 + 30s;
  if (c.run_expire) h.expire(late);
  peer p = resume_peer(h, b.id, b.token, late);
  EXPECT_TRUE(p.id.empty());
  EXPECT_EQ(str(p.conn->take().at(0), "code"), "resume-failed");
  EXPECT_EQ(env.metrics.resumes(c.counted).Value(), 1);
  EXPECT_EQ(h.peer_count(), 0u);
  EXPECT_EQ(env.metrics.peers_left.Value(), 1);
  EXPECT_EQ(env.metrics.peers_detached.Value(), 0);
}

INSTANTIATE_TEST_SUITE_P(Cases, HubResumeAfterGrace,
                         ::testing::Values(grace_case{"expired_by_timer", true, resume_result::unknown_peer},
                                           grace_case{"expired_before_timer", false, resume_result::expired}),
                         [](const ::testing::TestParamInfo<grace_case>& row) { return std::string(row.param.name); });

// ------------------------------------------------------------- leaving

TEST(HubLeave, ExpiryTellsContactsOnly) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  peer c = start_peer(h, env.t0);
  send(h, b, offer_to(a.id), env.t0);  // a and b are contacts; c is not
  a.conn->take();
  h.disconnect(a.id, a.conn.get(), false, env.t0);
  send(h, b, candidate_to(a.id, 1), env.t0);  // queued for a, then dropped

  EXPECT_TRUE(h.expire(env.t0 + 29s).deliveries.empty());
  EXPECT_EQ(h.peer_count(), 3u);
  apply(h.expire(env.t0 + 30s), *c.conn);
  const auto got = b.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "action"), "peerLeft");
  EXPECT_EQ(str(got[0], "id"), a.id);
  EXPECT_TRUE(c.conn->received.empty());
  EXPECT_EQ(h.peer_count(), 2u);
  EXPECT_EQ(env.metrics.peers_left.Value(), 1);
  EXPECT_EQ(env.metrics.peers.Value(), 2);
  EXPECT_EQ(env.metrics.undeliverable(undeliverable_reason::expired).Value(), 1);
}

TEST(HubLeave, GoodbyeLeavesAtOnceAndTellsContacts) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  peer c = start_peer(h, env.t0);
  send(h, a, offer_to(b.id), env.t0);
  b.conn->take();
  apply(h.disconnect(a.id, a.conn.get(), true, env.t0), *a.conn);
  EXPECT_EQ(actions_of(b.conn->take()), std::vector<std::string>{"peerLeft"});
  EXPECT_TRUE(c.conn->received.empty());
  EXPECT_EQ(h.peer_count(), 2u);
  send(h, b, answer_to(a.id), env.t0);
  EXPECT_EQ(str(b.conn->take().at(0), "code"), "peer-not-found");
}

TEST(HubLeave, PeerLeftIsQueuedForDetachedContact) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  send(h, a, offer_to(b.id), env.t0);
  h.disconnect(b.id, b.conn.get(), false, env.t0);
  h.disconnect(a.id, a.conn.get(), true, env.t0 + 1s);
  peer b2 = resume_peer(h, b.id, b.token, env.t0 + 2s);
  EXPECT_EQ(actions_of(b2.conn->take()), (std::vector<std::string>{"start", "peerLeft"}));
}

TEST(HubLeave, HangupEndsTheContact) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  send(h, a, offer_to(b.id), env.t0);
  send(h, a, hangup_to(b.id), env.t0);
  const auto got = b.conn->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(str(got[1], "action"), "hangup");
  EXPECT_EQ(str(got[1], "from"), a.id);
  EXPECT_FALSE(got[1].at("data").as_object().contains("remoteId"));
  EXPECT_EQ(env.metrics.relayed(protocol::action::hangup).Value(), 1);
  h.disconnect(a.id, a.conn.get(), true, env.t0);
  EXPECT_TRUE(b.conn->received.empty());  // no peerLeft for a finished call
}

// ------------------------------------------------------------- queue bounds

struct queue_case {
  const char* name;
  std::size_t max_messages;
  std::size_t max_bytes;
  std::size_t accepted;  // offers queued before queue-full
};

class HubQueueBound : public ::testing::TestWithParam<queue_case> {};

TEST_P(HubQueueBound, RefusesPastBound) {
  const auto& c = GetParam();
  hub_config cfg = test_hub_config();
  cfg.max_queued_messages = c.max_messages;
  cfg.max_queued_bytes = c.max_bytes;
  hub_env env(cfg);
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  h.disconnect(b.id, b.conn.get(), false, env.t0);
  for (std::size_t i = 0; i < c.accepted; ++i) send(h, a, offer_to(b.id), env.t0);
  EXPECT_TRUE(a.conn->received.empty());
  send(h, a, offer_to(b.id), env.t0);
  const auto got = a.conn->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0], "code"), "queue-full");
  EXPECT_EQ(str(got[0], "ref"), "offer");
  EXPECT_EQ(env.metrics.undeliverable(undeliverable_reason::queue_full).Value(), 1);
  EXPECT_EQ(env.metrics.error_sent(protocol::error_code::queue_full).Value(), 1);
  peer b2 = resume_peer(h, b.id, b.token, env.t0);
  EXPECT_EQ(b2.conn->take().size(), 1 + c.accepted);
}

// One forwarded offer is about 116 bytes: 300 bytes hold two, not three.
INSTANTIATE_TEST_SUITE_P(Bounds, HubQueueBound,
                         ::testing::Values(queue_case{"by_count", 3, 64 * 1024, 3},
                                           queue_case{"by_bytes", 100, 300, 2},
                                           queue_case{"zero", 0, 64 * 1024, 0}),
                         [](const ::testing::TestParamInfo<queue_case>& row) { return std::string(row.param.name); });

// ------------------------------------------------------------- threads

// Sessions on several event-loop threads share one hub: every relay must be
// routed exactly once (run under TSan to check the locking).
TEST(HubThreads, ConcurrentRelaysAreAllRouted) {
  hub_env env;
  constexpr int n_peers = 4;
  constexpr int per_thread = 500;
  std::vector<peer> peers;
  for (int i = 0; i < n_peers; ++i) peers.push_back(start_peer(env.hub_, env.t0));
  std::atomic<int> delivered{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n_peers; ++i) {
    threads.emplace_back([&, i] {
      const auto req = req_of(candidate_to(peers[(i + 1) % n_peers].id, i));
      for (int k = 0; k < per_thread; ++k) {
        delivered += static_cast<int>(env.hub_.relay(peers[i].id, req, env.t0).deliveries.size());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(delivered.load(), n_peers * per_thread);
  EXPECT_EQ(env.metrics.relayed(protocol::action::ice_candidate).Value(), n_peers * per_thread);
}

}  // namespace
}  // namespace switchboard::core::test

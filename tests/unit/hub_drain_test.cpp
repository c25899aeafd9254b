// A drain on one node (hub::closing, hub::requeue): the peer is detached the
// moment its connection starts closing with 1001, that connection still
// relays what its client sent before it saw the close, and messages that
// reached it too late go back in front of the queue kept for the resume.
// Then the resume: what is sent while the kept messages are handed out comes
// after them (hub::flushed).

#include "core_fakes.hpp"

#include <gtest/gtest.h>

namespace switchboard::core::test {
namespace {

std::vector<std::string> candidates_of(const std::vector<json::object>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) {
    if (str(m, "action") == "iceCandidate") {
      out.push_back(str(m.at("data").as_object().at("candidate").as_object(), "candidate"));
    }
  }
  return out;
}

TEST(HubDrain, ClosingDetachesAtOnceAndTheConnectionStillRelays) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  send(h, a, offer_to(b.id), env.t0);
  b.conn->take();
  apply(h.closing(b.id, b.conn.get(), env.t0), *b.conn);
  EXPECT_EQ(env.metrics.peers_detached.Value(), 1);
  // Sent to b from now on: kept for its resume, not written to the closing socket.
  send(h, a, candidate_to(b.id, 1), env.t0);
  EXPECT_TRUE(b.conn->received.empty());
  EXPECT_TRUE(a.conn->received.empty()) << "queued: no error";
  // What b's client sent before it saw the close still goes through.
  send(h, b, candidate_to(a.id, 7), env.t0);
  EXPECT_EQ(candidates_of(a.conn->take()), std::vector<std::string>{"c7"});
  EXPECT_TRUE(b.conn->received.empty()) << "no error to the closing connection";
  // Its client's close answers ours: no goodbye, the peer waits for its resume.
  apply(h.disconnect(b.id, b.conn.get(), true, env.t0), *b.conn);
  EXPECT_TRUE(a.conn->received.empty()) << "no peerLeft";
  EXPECT_EQ(h.peer_count(), 2u);
  peer b2 = resume_peer(h, b.id, b.token, env.t0 + 1s);
  const auto got = b2.conn->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(str(got[0], "action"), "start");
  EXPECT_EQ(candidates_of(got), std::vector<std::string>{"c1"});
}

TEST(HubDrain, MessagesThatCameTooLateGoBeforeThoseRoutedAfterTheClose) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  // Routed to b's connection while attached, they reach it after its close frame.
  send(h, a, candidate_to(b.id, 1), env.t0);
  send(h, a, candidate_to(b.id, 2), env.t0);
  auto late = std::move(b.conn->received);
  b.conn->received.clear();
  ASSERT_EQ(late.size(), 2u);
  apply(h.closing(b.id, b.conn.get(), env.t0), *b.conn);
  send(h, a, candidate_to(b.id, 3), env.t0);
  EXPECT_TRUE(h.requeue(b.id, late[0]));
  EXPECT_TRUE(h.requeue(b.id, late[1]));
  apply(h.disconnect(b.id, b.conn.get(), false, env.t0), *b.conn);
  peer b2 = resume_peer(h, b.id, b.token, env.t0 + 1s);
  EXPECT_EQ(candidates_of(b2.conn->take()), (std::vector<std::string>{"c1", "c2", "c3"}));
}

TEST(HubDrain, RequeueNeedsAPeerWaitingForItsResume) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  const auto msg = make_relayed("{}", env.t0);
  EXPECT_FALSE(h.requeue(a.id, msg)) << "attached: the message is late for this connection only";
  EXPECT_FALSE(h.requeue("nobody", msg));
  EXPECT_TRUE(a.conn->received.empty());
}

TEST(HubDrain, RequeueKeepsTheQueueBound) {
  hub_env env;  // max_queued_messages 4
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  apply(h.closing(a.id, a.conn.get(), env.t0), *a.conn);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(h.requeue(a.id, make_relayed("{}", env.t0)));
  EXPECT_FALSE(h.requeue(a.id, make_relayed("{}", env.t0)));
}

TEST(HubDrain, ClosingAnotherConnectionOfThePeerChangesNothing) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  fake_participant stranger;
  apply(h.closing(a.id, &stranger, env.t0), *a.conn);
  EXPECT_EQ(env.metrics.peers_detached.Value(), 0);
  peer b = start_peer(h, env.t0);
  send(h, b, offer_to(a.id), env.t0);
  EXPECT_EQ(a.conn->take().size(), 1u) << "still delivered to its connection";
}

// The resumed connection gets its start reply and the kept messages from
// effects its caller performs after the hub's lock is released; a message
// relayed by another thread in between must not overtake them.
TEST(HubResume, MessagesSentWhileTheKeptOnesAreHandedOutComeAfterThem) {
  hub_env env;
  hub& h = env.hub_;
  peer a = start_peer(h, env.t0);
  peer b = start_peer(h, env.t0);
  apply(h.disconnect(b.id, b.conn.get(), false, env.t0), *b.conn);
  send(h, a, candidate_to(b.id, 1), env.t0);
  send(h, a, candidate_to(b.id, 2), env.t0);
  peer b2;
  auto r = h.start(b2.conn, protocol::resume_request{b.id, b.token}, env.t0 + 1s);
  ASSERT_EQ(r.id, b.id);
  send(h, a, candidate_to(b.id, 3), env.t0 + 1s);  // before the resumed connection performed r.fx
  EXPECT_TRUE(b2.conn->received.empty()) << "not ahead of the start reply and the kept messages";
  apply(r.fx, *b2.conn);
  const auto got = b2.conn->take();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(str(got[0], "action"), "start");
  EXPECT_EQ(candidates_of(got), (std::vector<std::string>{"c1", "c2", "c3"}));
  send(h, a, candidate_to(b.id, 4), env.t0 + 2s);
  EXPECT_EQ(candidates_of(b2.conn->take()), std::vector<std::string>{"c4"}) << "direct again";
  EXPECT_TRUE(a.conn->received.empty());
}

}  // namespace
}  // namespace switchboard::core::test

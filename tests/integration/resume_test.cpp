// Resume: a peer whose connection dropped reclaims its id with its token,
// gets a new token and the messages queued while it was away, in order.

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

constexpr auto ok_resumes = R"(switchboard_resumes_total{result="ok"})";
constexpr auto bad_token_resumes = R"(switchboard_resumes_total{result="bad_token"})";
constexpr auto unknown_resumes = R"(switchboard_resumes_total{result="unknown_peer"})";

// Waits until the server has noticed a dropped connection.
void wait_connections(const server_fixture& server, double n) {
  const auto seen = server.wait_metric(
      "switchboard_connections", [n](double v) { return v == n; }, within(5s));
  ASSERT_TRUE(seen && *seen == n) << "switchboard_connections stayed at " << seen.value_or(-1);
}

TEST(resume, valid_token_restores_id_and_delivers_queued_messages_in_order) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  b.ws.drop();
  wait_connections(server, 1);

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "candidate:" + std::to_string(i), 0)));
  }
  ws_client again = server.connect();
  ASSERT_TRUE(again.send_text(resume_message(b.id, b.token)));
  auto reply = expect_action(again, "start");
  ASSERT_TRUE(reply);
  EXPECT_EQ(str(*reply, "id"), b.id);
  ASSERT_TRUE(reply->contains("resumed"));
  EXPECT_EQ(reply->at("resumed"), true);
  const auto new_token = str(*reply, "resumeToken");
  EXPECT_FALSE(new_token.empty());
  EXPECT_NE(new_token, b.token);
  for (int i = 0; i < 5; ++i) {
    auto msg = expect_action(again, "iceCandidate");
    ASSERT_TRUE(msg) << "queued message " << i;
    EXPECT_EQ(str(*msg, "from"), a.id);
    EXPECT_EQ(str(msg->at("data").at("candidate").as_object(), "candidate"), "candidate:" + std::to_string(i));
  }
  // Live traffic flows both ways on the new connection.
  ASSERT_TRUE(again.send_text(hangup_message(a.id)));
  EXPECT_TRUE(expect_action(a.ws, "hangup"));
  EXPECT_TRUE(stays_quiet(a.ws, 200ms)) << "a resume is not a peerLeft";
  EXPECT_EQ(server.metric_value(ok_resumes), 1);

  // The old token was single-use: it no longer works, the new one does.
  again.drop();
  wait_connections(server, 1);
  ws_client third = server.connect();
  ASSERT_TRUE(third.send_text(resume_message(b.id, b.token)));
  expect_error(third, "resume-failed", "start");
  ASSERT_TRUE(third.send_text(resume_message(b.id, new_token)));
  auto second = expect_action(third, "start");
  ASSERT_TRUE(second);
  EXPECT_EQ(str(*second, "id"), b.id);
}

TEST(resume, wrong_token_fails_and_leaves_the_original_peer_untouched) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  ws_client thief = server.connect();
  ASSERT_TRUE(thief.send_text(resume_message(b.id, b.token + "x")));
  expect_error(thief, "resume-failed", "start");
  EXPECT_TRUE(thief.is_open());
  // b still owns its id on its original connection.
  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, "v=0")));
  auto offer = expect_action(b.ws, "offer");
  ASSERT_TRUE(offer);
  EXPECT_EQ(str(*offer, "from"), a.id);
  EXPECT_TRUE(b.ws.is_open());
  EXPECT_TRUE(stays_quiet(thief, 200ms));
  EXPECT_EQ(server.metric_value(bad_token_resumes), 1);
}

TEST(resume, wrong_token_for_a_detached_peer_keeps_it_resumable) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto b = start_peer(server);
  b.ws.drop();
  wait_connections(server, 0);
  ws_client thief = server.connect();
  ASSERT_TRUE(thief.send_text(resume_message(b.id, "not-the-token")));
  expect_error(thief, "resume-failed", "start");
  ws_client owner = server.connect();
  ASSERT_TRUE(owner.send_text(resume_message(b.id, b.token)));
  auto reply = expect_action(owner, "start");
  ASSERT_TRUE(reply);
  EXPECT_EQ(str(*reply, "id"), b.id);
}

TEST(resume, unknown_id_fails) {
  server_fixture server;
  ws_client ws = server.connect();
  ASSERT_TRUE(ws.send_text(resume_message("CCCCCCCCCCCCCCCCCCCCC", "token")));
  expect_error(ws, "resume-failed", "start");
  EXPECT_EQ(server.metric_value(unknown_resumes), 1);
}

TEST(resume, takeover_closes_the_old_connection_with_4000) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  ws_client replacement = server.connect();
  ASSERT_TRUE(replacement.send_text(resume_message(b.id, b.token)));
  auto reply = expect_action(replacement, "start");
  ASSERT_TRUE(reply);
  EXPECT_EQ(str(*reply, "id"), b.id);
  ASSERT_TRUE(b.ws.drain_until_closed(within(5s))) << "old connection was not closed";
  EXPECT_EQ(b.ws.close_code(), 4000);
  // Messages for b now reach the replacement, and a was not told b left.
  ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "candidate:after-takeover", 0)));
  auto msg = expect_action(replacement, "iceCandidate");
  ASSERT_TRUE(msg);
  EXPECT_EQ(str(*msg, "from"), a.id);
  EXPECT_TRUE(stays_quiet(a.ws, 300ms));
}

TEST(resume, fails_after_the_grace_period) {
  server_fixture server(with_sets({"peers.resume_grace=1s"}));
  auto b = start_peer(server);
  b.ws.drop();
  wait_connections(server, 0);
  ASSERT_TRUE(server.wait_metric(
      "switchboard_peers", [](double v) { return v == 0; }, within(5s)));
  ws_client late = server.connect();
  ASSERT_TRUE(late.send_text(resume_message(b.id, b.token)));
  expect_error(late, "resume-failed", "start");
}

}  // namespace
}  // namespace switchboard::test

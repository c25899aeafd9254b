// peerLeft: everyone a peer exchanged messages with is told when it leaves for
// good, at once on a clean close, after peers.resume_grace on an abrupt drop.

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

void expect_peer_left(ws_client& ws, const std::string& id, deadline until) {
  auto msg = read_json(ws, until);
  ASSERT_TRUE(msg) << "no peerLeft for " << id;
  const json::object want{{"action", "peerLeft"}, {"id", id}};
  EXPECT_EQ(*msg, want) << to_text(*msg);
}

TEST(peer_left, clean_close_1000_is_reported_at_once) {
  // A long grace: a prompt peerLeft can only come from the goodbye.
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  auto stranger = start_peer(server);
  exchange_offer_answer(a, b);
  ASSERT_TRUE(b.ws.close(1000));
  expect_peer_left(a.ws, b.id, within(3s));
  EXPECT_TRUE(stays_quiet(stranger.ws, 200ms)) << "only contacts hear about it";
}

TEST(peer_left, going_away_1001_is_a_goodbye_too) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  ASSERT_TRUE(a.ws.close(1001));
  expect_peer_left(b.ws, a.id, within(3s));
}

TEST(peer_left, a_peer_that_only_received_is_told_too) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, "v=0")));
  ASSERT_TRUE(expect_action(b.ws, "offer"));
  ASSERT_TRUE(a.ws.close(1000));
  expect_peer_left(b.ws, a.id, within(3s));
}

TEST(peer_left, no_peer_left_after_a_hangup) {
  server_fixture server(with_sets({"peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  auto c = start_peer(server);
  exchange_offer_answer(a, b);
  exchange_offer_answer(c, b);
  ASSERT_TRUE(a.ws.send_text(hangup_message(b.id)));
  ASSERT_TRUE(expect_action(b.ws, "hangup"));
  ASSERT_TRUE(b.ws.close(1000));
  // c still counted b as a contact; a hung up on it.
  expect_peer_left(c.ws, b.id, within(3s));
  EXPECT_TRUE(stays_quiet(a.ws, 300ms));
}

TEST(peer_left, abrupt_drop_is_reported_after_the_grace_period) {
  server_fixture server(with_sets({"peers.resume_grace=1s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  auto c = start_peer(server);
  exchange_offer_answer(a, b);
  exchange_offer_answer(c, b);
  const auto dropped_at = clock::now();
  b.ws.drop();
  expect_peer_left(a.ws, b.id, within(6s));
  const auto waited = clock::now() - dropped_at;
  EXPECT_GE(waited, 900ms) << "peerLeft came before the resume grace ran out";
  expect_peer_left(c.ws, b.id, within(2s));
  // b's id is gone: relaying to it fails now.
  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, "v=0")));
  expect_error(a.ws, "peer-not-found", "offer");
}

TEST(peer_left, other_close_codes_wait_for_the_grace_period) {
  server_fixture server(with_sets({"peers.resume_grace=1s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  const auto closed_at = clock::now();
  ASSERT_TRUE(b.ws.close(4100));
  expect_peer_left(a.ws, b.id, within(6s));
  EXPECT_GE(clock::now() - closed_at, 900ms);
}

TEST(peer_left, resume_within_grace_means_no_peer_left) {
  server_fixture server(with_sets({"peers.resume_grace=2s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  b.ws.drop();
  ws_client again = server.connect();
  ASSERT_TRUE(again.send_text(resume_message(b.id, b.token)));
  ASSERT_TRUE(expect_action(again, "start"));
  // Well past the grace: still no peerLeft, because b came back.
  EXPECT_TRUE(stays_quiet(a.ws, 2500ms));
}

}  // namespace
}  // namespace switchboard::test

// Every error code of the protocol, provoked on purpose; an error never
// closes the connection that caused it.

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

// The connection still serves requests after an error.
void expect_still_works(peer& p) {
  ASSERT_TRUE(p.ws.send_text(R"({"action":"iceServers"})")) << p.ws.last_error();
  EXPECT_TRUE(expect_action(p.ws, "iceServers"));
  EXPECT_TRUE(p.ws.is_open());
}

TEST(errors, peer_not_found_for_an_unknown_target) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(offer_message("AAAAAAAAAAAAAAAAAAAAA", "v=0")));
  expect_error(a.ws, "peer-not-found", "offer");
  expect_still_works(a);
}

TEST(errors, bad_request_for_text_that_is_not_json) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_TRUE(a.ws.send_text("this is not json"));
  expect_error(a.ws, "bad-request");
  expect_still_works(a);
}

TEST(errors, unknown_action_names_the_action) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(R"({"action":"teleport","data":{}})"));
  expect_error(a.ws, "unknown-action", "teleport");
  expect_still_works(a);
}

TEST(errors, not_started_for_relay_before_start) {
  server_fixture server;
  auto a = start_peer(server);
  auto fresh = server.connect();
  ASSERT_TRUE(fresh.send_text(offer_message(a.id, "v=0")));
  expect_error(fresh, "not-started", "offer");
  // Nothing reached the target, and the connection can still start.
  EXPECT_TRUE(stays_quiet(a.ws, 200ms));
  EXPECT_TRUE(send_start(fresh));
}

TEST(errors, too_large_over_max_message_bytes) {
  server_fixture server(with_sets({"server.max_message_bytes=2048"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, std::string(4000, 'x'))));
  expect_error(a.ws, "too-large");
  EXPECT_TRUE(stays_quiet(b.ws, 200ms));
  // Just under the limit still goes through.
  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, std::string(1500, 'y'))));
  EXPECT_TRUE(expect_action(b.ws, "offer"));
  expect_still_works(a);
}

TEST(errors, rate_limited_once_per_episode_then_recovers) {
  server_fixture server(with_sets({"server.rate_limit.messages_per_second=1", "server.rate_limit.burst=5"}));
  auto a = start_peer(server);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(a.ws.send_text(R"({"action":"iceServers"})"));
  int replies = 0;
  int limited = 0;
  while (auto msg = read_json(a.ws, clock::now() + 500ms)) {
    if (str(*msg, "action") == "iceServers") ++replies;
    if (str(*msg, "action") == "error") {
      EXPECT_EQ(str(*msg, "code"), "rate-limited") << to_text(*msg);
      ++limited;
    }
  }
  EXPECT_EQ(limited, 1) << "one error per limited episode";
  EXPECT_LT(replies, 30);
  EXPECT_GE(replies, 4);  // the burst, less the start
  EXPECT_TRUE(a.ws.is_open());
  // The bucket refills: within a few seconds a request is served again.
  bool served = false;
  for (const auto until = within(5s); !served && clock::now() < until;) {
    ASSERT_TRUE(a.ws.send_text(R"({"action":"iceServers"})"));
    while (auto msg = read_json(a.ws, clock::now() + 300ms))
      served = served || str(*msg, "action") == "iceServers";
  }
  EXPECT_TRUE(served);
}

TEST(errors, resume_failed_for_an_unknown_id) {
  server_fixture server;
  ws_client ws = server.connect();
  ASSERT_TRUE(ws.send_text(resume_message("BBBBBBBBBBBBBBBBBBBBB", "no-such-token")));
  expect_error(ws, "resume-failed", "start");
  // A plain start on the same connection works afterwards.
  EXPECT_TRUE(send_start(ws));
}

// queue-full: the target dropped without a goodbye, is kept for resume, and
// its bounded queue (peers.max_queued_messages) fills up.
TEST(errors, queue_full_when_a_reconnecting_peer_queue_is_full) {
  server_fixture server(with_sets({"peers.max_queued_messages=3", "peers.resume_grace=30s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  b.ws.drop();
  ASSERT_TRUE(server.wait_metric(
      "switchboard_connections", [](double v) { return v == 1; }, within(5s)));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "candidate:q", 0)));
  EXPECT_TRUE(stays_quiet(a.ws, 300ms)) << "queued messages are not errors";
  ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "candidate:overflow", 0)));
  expect_error(a.ws, "queue-full", "iceCandidate");
  expect_still_works(a);
}

TEST(errors, errors_never_close_the_connection) {
  server_fixture server;
  auto a = start_peer(server);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(a.ws.send_text(i % 2 == 0 ? "{" : R"({"action":"nope"})"));
    ASSERT_TRUE(expect_action(a.ws, "error")) << "message " << i;
  }
  expect_still_works(a);
}

}  // namespace
}  // namespace switchboard::test

// Bounds: total and per-IP connection limits refuse the upgrade with 503; a
// client that stops reading is cut off (4001) while everyone else carries on.

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace switchboard::test {
namespace {

TEST(limits, max_connections_refuses_with_503_and_frees_slots) {
  server_fixture server(with_sets({"server.max_connections=2"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  ws_client extra;
  const auto refused = extra.connect(server.ws_options());
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.http_status, 503) << refused.error;
  EXPECT_GE(server.metric_value(R"(switchboard_connections_rejected_total{reason="max_connections"})"), 1);
  // Existing connections are unaffected.
  exchange_offer_answer(a, b);
  // Once one leaves, a newcomer fits again.
  ASSERT_TRUE(b.ws.close(1000));
  ASSERT_TRUE(server.wait_metric(
      "switchboard_connections", [](double v) { return v == 1; }, within(5s)));
  ws_client later;
  const auto accepted = later.connect(server.ws_options());
  EXPECT_TRUE(accepted.ok) << accepted.error << " HTTP " << accepted.http_status;
}

TEST(limits, max_connections_per_ip_counts_each_address) {
  server_fixture server(with_sets({"server.max_connections_per_ip=2"}));
  std::vector<ws_client> held(2);
  for (auto& ws : held) ASSERT_TRUE(ws.connect(server.ws_options()).ok);
  ws_client third;
  const auto refused = third.connect(server.ws_options());
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.http_status, 503) << refused.error;
  EXPECT_GE(server.metric_value(R"(switchboard_connections_rejected_total{reason="max_connections_per_ip"})"),
            1);
  // Another loopback address is another client.
  auto other_ip = server.ws_options();
  other_ip.local_address = "127.0.0.2";
  ws_client elsewhere;
  const auto accepted = elsewhere.connect(other_ip);
  EXPECT_TRUE(accepted.ok) << accepted.error << " HTTP " << accepted.http_status;
  EXPECT_TRUE(send_start(elsewhere));
}

// Sends ~4 KB candidates from `sender` to `target_id` until the server reports
// a slow consumer; reads (and discards) whatever the sender is sent meanwhile.
bool flood_until_cut_off(const server_fixture& server, peer& sender, const std::string& target_id) {
  const std::string filler(4000, 'c');
  const auto until = within(20s);
  while (clock::now() < until) {
    for (int i = 0; i < 256; ++i) {
      if (!sender.ws.send_text(candidate_message(target_id, filler, 0))) return false;
    }
    while (sender.ws.read(clock::now())) {
    }
    const auto closed = server.metric_value("switchboard_slow_consumers_closed_total");
    if (closed && *closed >= 1) return true;
  }
  return false;
}

TEST(limits, slow_consumer_is_closed_with_4001_while_others_keep_working) {
  server_fixture server(with_sets({"server.send_queue_bytes=262144", "server.send_queue_messages=256",
                                   "server.rate_limit.messages_per_second=100000",
                                   "server.rate_limit.burst=100000", "peers.resume_grace=1s"}));
  auto sender = start_peer(server);
  auto other_a = start_peer(server);
  auto other_b = start_peer(server);
  // The stuck client: a small receive buffer, and from now on it never reads.
  peer stuck;
  auto opts = server.ws_options();
  opts.receive_buffer_bytes = 16 * 1024;
  ASSERT_TRUE(stuck.ws.connect(opts).ok);
  auto reply = send_start(stuck.ws);
  ASSERT_TRUE(reply);
  stuck.id = str(*reply, "id");

  ASSERT_TRUE(flood_until_cut_off(server, sender, stuck.id)) << "no slow consumer was detected";
  EXPECT_EQ(server.metric_value("switchboard_slow_consumers_closed_total"), 1);

  // Everyone else is fine: the sender and an unrelated pair still exchange messages.
  exchange_offer_answer(other_a, other_b);
  ASSERT_TRUE(sender.ws.send_text(offer_message(other_a.id, "v=0 after-flood")));
  ASSERT_TRUE(expect_action(other_a.ws, "offer"));
  ASSERT_TRUE(other_a.ws.send_text(answer_message(sender.id, "v=0")));
  EXPECT_TRUE(skip_until_action(sender.ws, "answer"));  // past queue-full errors for the stuck peer

  // The stuck client finally reads: after whatever was in flight, close code 4001.
  const auto discarded = stuck.ws.drain_until_closed(within(10s));
  ASSERT_TRUE(discarded) << "the stuck connection was never closed: " << stuck.ws.last_error();
  EXPECT_EQ(stuck.ws.close_code(), 4001) << stuck.ws.last_error();
}

}  // namespace
}  // namespace switchboard::test

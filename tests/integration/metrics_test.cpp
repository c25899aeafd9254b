// The metrics port: every documented series is exported, and the values move
// with what clients do (relayed by type, errors by code, credentials issued).

#include "tests/integration/signaling_helpers.hpp"

#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

double value(const server_fixture& server, std::string_view series) {
  const auto v = server.metric_value(series);
  EXPECT_TRUE(v) << "series missing: " << series;
  return v.value_or(-1);
}

// Counters are updated after the reply is written, so poll briefly for the expected value.
void expect_metric(const server_fixture& server, std::string_view series, double want) {
  const auto seen = server.wait_metric(
      series, [want](double v) { return v == want; }, within(3s));
  EXPECT_EQ(seen.value_or(-1), want) << series;
}

TEST(metrics, documented_series_are_exported) {
  server_fixture server;
  const auto res = http_get(server.metrics_port(), "/metrics");
  ASSERT_EQ(res.status, 200) << res.error;
  for (const char* name :
       {"switchboard_connections", "switchboard_connections_accepted_total",
        "switchboard_connections_rejected_total", "switchboard_peers", "switchboard_messages_relayed_total",
        "switchboard_errors_sent_total", "switchboard_messages_undeliverable_total",
        "switchboard_slow_consumers_closed_total", "switchboard_resumes_total",
        "switchboard_turn_credentials_issued_total", "switchboard_relay_latency_seconds_bucket",
        "switchboard_websocket_received_bytes_total", "switchboard_websocket_sent_bytes_total",
        "switchboard_build_info"}) {
    EXPECT_NE(res.body.find(std::string("\n") + name), std::string::npos) << name << " missing";
  }
  EXPECT_EQ(
      server.metric_value(std::string(R"(switchboard_build_info{version=")") + SWITCHBOARD_VERSION + "\"}"), 1);
}

TEST(metrics, connections_and_peers_follow_clients) {
  server_fixture server;
  expect_metric(server, "switchboard_connections", 0);
  auto a = start_peer(server);
  ws_client idle = server.connect();
  expect_metric(server, "switchboard_connections", 2);
  expect_metric(server, "switchboard_peers", 1);
  EXPECT_EQ(value(server, "switchboard_connections_accepted_total"), 2);
  ASSERT_TRUE(a.ws.close(1000));
  expect_metric(server, "switchboard_connections", 1);
  expect_metric(server, "switchboard_peers", 0);
}

TEST(metrics, relayed_messages_are_counted_by_type) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "candidate:" + std::to_string(i), 0)));
    ASSERT_TRUE(expect_action(b.ws, "iceCandidate"));
  }
  ASSERT_TRUE(b.ws.send_text(hangup_message(a.id)));
  ASSERT_TRUE(expect_action(a.ws, "hangup"));
  expect_metric(server, R"(switchboard_messages_relayed_total{type="offer"})", 1);
  expect_metric(server, R"(switchboard_messages_relayed_total{type="answer"})", 1);
  expect_metric(server, R"(switchboard_messages_relayed_total{type="iceCandidate"})", 3);
  expect_metric(server, R"(switchboard_messages_relayed_total{type="hangup"})", 1);
  expect_metric(server, "switchboard_relay_latency_seconds_count", 6);
  EXPECT_GT(value(server, "switchboard_websocket_received_bytes_total"), 0);
  EXPECT_GT(value(server, "switchboard_websocket_sent_bytes_total"), 0);
}

// Messages per send call (docs/performance.md) is sent_messages / writes:
// each message awaited before the next is sent goes out in a write of its own.
TEST(metrics, messages_sent_and_writes_are_counted) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  expect_metric(server, "switchboard_websocket_sent_messages_total", 4);  // two start replies, offer, answer
  const double writes = value(server, "switchboard_websocket_writes_total");
  EXPECT_GE(writes, 4);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, "candidate:" + std::to_string(i), 0)));
    ASSERT_TRUE(expect_action(b.ws, "iceCandidate"));
  }
  expect_metric(server, "switchboard_websocket_sent_messages_total", 9);
  expect_metric(server, "switchboard_websocket_writes_total", writes + 5);
}

TEST(metrics, errors_are_counted_by_code) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_TRUE(a.ws.send_text("not json"));
  ASSERT_TRUE(expect_error(a.ws, "bad-request"));
  ASSERT_TRUE(a.ws.send_binary("\x01\x02"));
  ASSERT_TRUE(expect_error(a.ws, "bad-request"));
  ASSERT_TRUE(a.ws.send_text(R"({"action":"juggle"})"));
  ASSERT_TRUE(expect_error(a.ws, "unknown-action"));
  ASSERT_TRUE(a.ws.send_text(offer_message("DDDDDDDDDDDDDDDDDDDDD", "v=0")));
  ASSERT_TRUE(expect_error(a.ws, "peer-not-found"));
  expect_metric(server, R"(switchboard_errors_sent_total{code="bad-request"})", 2);
  expect_metric(server, R"(switchboard_errors_sent_total{code="unknown-action"})", 1);
  expect_metric(server, R"(switchboard_errors_sent_total{code="peer-not-found"})", 1);
  expect_metric(server, R"(switchboard_errors_sent_total{code="not-started"})", 0);
  expect_metric(server, R"(switchboard_messages_undeliverable_total{reason="peer_not_found"})", 1);
}

TEST(metrics, turn_credentials_issued_by_start_ice_servers_and_rest_api) {
  server_fixture server(with_sets({"turn.rest_api=true"}));
  expect_metric(server, "switchboard_turn_credentials_issued_total", 0);
  auto a = start_peer(server);
  expect_metric(server, "switchboard_turn_credentials_issued_total", 1);
  ASSERT_TRUE(a.ws.send_text(R"({"action":"iceServers"})"));
  ASSERT_TRUE(expect_action(a.ws, "iceServers"));
  expect_metric(server, "switchboard_turn_credentials_issued_total", 2);
  ASSERT_EQ(http_get(server.port(), "/api/v1/turn-credentials?service=turn&username=u").status, 200);
  expect_metric(server, "switchboard_turn_credentials_issued_total", 3);
}

}  // namespace
}  // namespace switchboard::test

// The exchange the tutorial page performs, checked message by message with
// exact shapes (docs/protocol.md): start, start, offer, answer, candidates
// both ways, hangup. Forwarded messages carry "from" at the top level and in
// data; an offer's data.remoteId names the sender, other types drop it.

#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>

namespace switchboard::test {
namespace {

bool url_safe(std::string_view id) {
  for (const char c : id) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(tutorial_exchange, start_reply_has_id_ice_servers_ttl_and_token) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_FALSE(a.id.empty());
  const auto& reply = a.start_reply;
  EXPECT_EQ(reply.at("action"), "start");
  EXPECT_EQ(a.id.size(), 21u) << a.id;
  EXPECT_TRUE(url_safe(a.id)) << a.id;
  ASSERT_TRUE(reply.contains("iceServers") && reply.at("iceServers").is_array()) << to_text(reply);
  EXPECT_FALSE(reply.at("iceServers").as_array().empty());
  ASSERT_TRUE(reply.contains("ttl") && reply.at("ttl").is_number()) << to_text(reply);
  EXPECT_GT(reply.at("ttl").to_number<double>(), 0);
  EXPECT_FALSE(a.token.empty()) << to_text(reply);
  const auto* resumed = reply.if_contains("resumed");
  EXPECT_TRUE(resumed == nullptr || *resumed == false) << to_text(reply);
}

TEST(tutorial_exchange, every_start_gets_a_distinct_id) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server);
  auto c = start_peer(server, "/");
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(b.id, c.id);
  EXPECT_NE(a.id, c.id);
  EXPECT_NE(a.token, b.token);
}

// What the target of a relayed message receives (docs/protocol.md).
json::object forwarded(std::string_view action, const std::string& from, json::object data) {
  data["from"] = from;
  return {{"action", action}, {"data", std::move(data)}, {"from", from}};
}

// `sender` sends, `receiver` must get exactly `want` next.
void relay_exactly(peer& sender, const std::string& text, peer& receiver, const json::object& want) {
  ASSERT_TRUE(sender.ws.send_text(text)) << sender.ws.last_error();
  auto got = read_json(receiver.ws);
  ASSERT_TRUE(got) << "nothing arrived for " << text;
  EXPECT_EQ(*got, want) << to_text(*got);
}

std::string candidate_line(int i, std::string_view host) {
  return "candidate:" + std::to_string(i) + " 1 udp 2122260223 " + std::string(host) + " 5000" +
         std::to_string(i);
}

// Candidates trickle both ways, interleaved; each side sees its peer's in order.
void trickle_candidates(peer& a, peer& b, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, candidate_line(i, "10.0.0.1"), i % 2)));
    ASSERT_TRUE(b.ws.send_text(candidate_message(a.id, candidate_line(i, "10.0.0.2"), i % 2)));
  }
  for (int i = 0; i < n; ++i) {
    auto at_b = read_json(b.ws);
    auto at_a = read_json(a.ws);
    ASSERT_TRUE(at_b && at_a) << "candidate " << i << " missing";
    const auto want_b = forwarded("iceCandidate", a.id,
                                  {{"candidate", sample_candidate(candidate_line(i, "10.0.0.1"), i % 2)}});
    const auto want_a = forwarded("iceCandidate", b.id,
                                  {{"candidate", sample_candidate(candidate_line(i, "10.0.0.2"), i % 2)}});
    EXPECT_EQ(*at_b, want_b) << to_text(*at_b);
    EXPECT_EQ(*at_a, want_a) << to_text(*at_a);
  }
}

TEST(tutorial_exchange, full_exchange_with_exact_shapes) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server, "/");  // the root path is a WebSocket endpoint too
  ASSERT_FALSE(a.id.empty());
  ASSERT_FALSE(b.id.empty());

  relay_exactly(a, offer_message(b.id, "v=0 offer-sdp"), b,
                forwarded("offer", a.id, {{"remoteId", a.id}, {"offer", sample_offer("v=0 offer-sdp")}}));
  relay_exactly(b, answer_message(a.id, "v=0 answer-sdp"), a,
                forwarded("answer", b.id, {{"answer", sample_answer("v=0 answer-sdp")}}));
  trickle_candidates(a, b, 4);
  // The end of candidates is a null candidate; it is relayed too.
  relay_exactly(a, R"({"action":"iceCandidate","data":{"remoteId":")" + b.id + R"(","candidate":null}})", b,
                forwarded("iceCandidate", a.id, {{"candidate", nullptr}}));
  relay_exactly(b, hangup_message(a.id), a, forwarded("hangup", b.id, {}));

  // Nothing else was sent to either side: no echoes, no duplicates.
  EXPECT_TRUE(stays_quiet(a.ws, 200ms));
  EXPECT_TRUE(stays_quiet(b.ws, 50ms));
}

TEST(tutorial_exchange, sdp_as_a_plain_string_is_relayed_unchanged) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(R"({"action":"offer","data":{"remoteId":")" + b.id +
                             R"(","offer":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}})"));
  auto offer = expect_action(b.ws, "offer");
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->at("data").at("offer"), "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
  EXPECT_EQ(offer->at("data").at("remoteId"), json::value(a.id));
}

TEST(tutorial_exchange, extra_data_fields_pass_through_and_from_cannot_be_spoofed) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(R"({"action":"answer","from":"mallory","data":{"remoteId":")" + b.id +
                             R"(","from":"mallory","answer":"v=0","callId":"c-17","meta":{"n":[1,2]}}})"));
  auto answer = read_json(b.ws);
  ASSERT_TRUE(answer);
  const auto want =
      forwarded("answer", a.id, {{"answer", "v=0"}, {"callId", "c-17"}, {"meta", {{"n", {1, 2}}}}});
  EXPECT_EQ(*answer, want) << to_text(*answer);
}

TEST(tutorial_exchange, ice_servers_action_returns_fresh_servers) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(R"({"action":"iceServers"})"));
  auto reply = expect_action(a.ws, "iceServers");
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->contains("iceServers") && reply->at("iceServers").is_array()) << to_text(*reply);
  EXPECT_EQ(reply->at("iceServers").as_array().size(), a.start_reply.at("iceServers").as_array().size());
  ASSERT_TRUE(reply->contains("ttl") && reply->at("ttl").is_number());
  EXPECT_GT(reply->at("ttl").to_number<double>(), 0);
}

TEST(tutorial_exchange, custom_ws_path_is_served) {
  server_fixture server(with_sets({"server.ws_path=/signal"}));
  auto a = start_peer(server, "/signal");
  auto b = start_peer(server, "/");
  ASSERT_FALSE(a.id.empty());
  ASSERT_FALSE(b.id.empty());
  exchange_offer_answer(a, b);
}

}  // namespace
}  // namespace switchboard::test

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
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_';
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

TEST(tutorial_exchange, full_exchange_with_exact_shapes) {
  server_fixture server;
  auto a = start_peer(server);
  auto b = start_peer(server, "/");  // the root path is a WebSocket endpoint too
  ASSERT_FALSE(a.id.empty());
  ASSERT_FALSE(b.id.empty());

  ASSERT_TRUE(a.ws.send_text(offer_message(b.id, "v=0 offer-sdp")));
  auto offer = read_json(b.ws);
  ASSERT_TRUE(offer);
  const json::object want_offer{{"action", "offer"},
                                {"data", {{"remoteId", a.id}, {"from", a.id}, {"offer", sample_offer("v=0 offer-sdp")}}},
                                {"from", a.id}};
  EXPECT_EQ(*offer, want_offer) << to_text(*offer);

  ASSERT_TRUE(b.ws.send_text(answer_message(a.id, "v=0 answer-sdp")));
  auto answer = read_json(a.ws);
  ASSERT_TRUE(answer);
  const json::object want_answer{
      {"action", "answer"}, {"data", {{"from", b.id}, {"answer", sample_answer("v=0 answer-sdp")}}}, {"from", b.id}};
  EXPECT_EQ(*answer, want_answer) << to_text(*answer);

  // Candidates trickle both ways, interleaved; each side sees its peer's in order.
  for (int i = 0; i < 4; ++i) {
    const auto from_a = "candidate:" + std::to_string(i) + " 1 udp 2122260223 10.0.0.1 5000" + std::to_string(i);
    const auto from_b = "candidate:" + std::to_string(i) + " 1 udp 2122260223 10.0.0.2 6000" + std::to_string(i);
    ASSERT_TRUE(a.ws.send_text(candidate_message(b.id, from_a, i % 2)));
    ASSERT_TRUE(b.ws.send_text(candidate_message(a.id, from_b, i % 2)));
  }
  for (int i = 0; i < 4; ++i) {
    const auto from_a = "candidate:" + std::to_string(i) + " 1 udp 2122260223 10.0.0.1 5000" + std::to_string(i);
    const auto from_b = "candidate:" + std::to_string(i) + " 1 udp 2122260223 10.0.0.2 6000" + std::to_string(i);
    auto at_b = read_json(b.ws);
    auto at_a = read_json(a.ws);
    ASSERT_TRUE(at_b && at_a);
    const json::object want_b{{"action", "iceCandidate"},
                              {"data", {{"from", a.id}, {"candidate", sample_candidate(from_a, i % 2)}}},
                              {"from", a.id}};
    const json::object want_a{{"action", "iceCandidate"},
                              {"data", {{"from", b.id}, {"candidate", sample_candidate(from_b, i % 2)}}},
                              {"from", b.id}};
    EXPECT_EQ(*at_b, want_b) << to_text(*at_b);
    EXPECT_EQ(*at_a, want_a) << to_text(*at_a);
  }

  // The end of candidates is a null candidate; it is relayed too.
  ASSERT_TRUE(a.ws.send_text(R"({"action":"iceCandidate","data":{"remoteId":")" + b.id +
                             R"(","candidate":null}})"));
  auto end_of_candidates = read_json(b.ws);
  ASSERT_TRUE(end_of_candidates);
  const json::object want_end{{"action", "iceCandidate"}, {"data", {{"from", a.id}, {"candidate", nullptr}}}, {"from", a.id}};
  EXPECT_EQ(*end_of_candidates, want_end) << to_text(*end_of_candidates);

  ASSERT_TRUE(b.ws.send_text(hangup_message(a.id)));
  auto hangup = read_json(a.ws);
  ASSERT_TRUE(hangup);
  const json::object want_hangup{{"action", "hangup"}, {"data", {{"from", b.id}}}, {"from", b.id}};
  EXPECT_EQ(*hangup, want_hangup) << to_text(*hangup);

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
  const json::object want{{"action", "answer"},
                          {"data", {{"from", a.id}, {"answer", "v=0"}, {"callId", "c-17"}, {"meta", {{"n", {1, 2}}}}}},
                          {"from", a.id}};
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

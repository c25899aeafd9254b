// auth.mode jwt against the real binary: start and retry, rooms,
// fromIdentity, resume without a JWT, the hello timeout, the failed-auth
// throttle and the per-identity limit. Keys rotate in auth_rotation_test.cpp.
#include "tests/integration/auth_helpers.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

using auth::algorithm;

TEST(auth, start_is_refused_without_a_valid_token_and_can_be_retried) {
  const auto key = make_key(algorithm::eddsa, "k1");
  const auto other = make_key(algorithm::eddsa, "k1");  // same kid, another key: bad signature
  server_fixture server(jwt_server(jwks_of({&key})));
  auto ws = server.connect();
  ASSERT_TRUE(ws.send_text(R"({"action":"iceServers"})"));
  ASSERT_TRUE(expect_error(ws, "unauthorized", "iceServers"));
  ASSERT_TRUE(ws.send_text(R"({"action":"start"})"));
  ASSERT_TRUE(expect_error(ws, "unauthorized", "start"));
  struct refusal {
    std::string token;
    std::string words;
  };
  const std::vector<refusal> refusals{
      {mint(key, {.exp_in = std::chrono::seconds(-600)}), "expired"},
      {mint(key, {.aud = "elsewhere"}), "audience"},
      {mint(other, {}), "signature"},
      {mint(key, {.exp_in = std::chrono::seconds(7200)}), "lifetime"},
      {"not.a.jwt", ""},
  };
  for (const auto& r : refusals) {
    const auto reply = start_with(ws, r.token);
    ASSERT_TRUE(reply);
    EXPECT_EQ(str(*reply, "code"), "unauthorized") << to_text(*reply);
    EXPECT_EQ(str(*reply, "ref"), "start");
    EXPECT_NE(str(*reply, "message").find(r.words), std::string::npos) << to_text(*reply);
  }
  // Still open: a fresh token now works on the same connection.
  const auto ok = start_with(ws, mint(key, {}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(*ok, "action"), "start") << to_text(*ok);
  EXPECT_FALSE(str(*ok, "id").empty());
  EXPECT_TRUE(server.wait_metric(R"(switchboard_auth_failures_total{reason="expired"})",
                                 [](double v) { return v == 1; }, within(5s)));
  EXPECT_TRUE(server.wait_metric(R"(switchboard_auth_failures_total{reason="missing_token"})",
                                 [](double v) { return v == 1; }, within(5s)));
  EXPECT_TRUE(server.wait_metric("switchboard_auth_successes_total", [](double v) { return v == 1; }, within(5s)));
  // The start line maps the peer ID to its identity.
  EXPECT_TRUE(server.proc().wait_for_line("peer " + str(*ok, "id") + " started: identity alice", within(5s)));
}

TEST(auth, rooms_confine_calls_and_offers_name_the_caller) {
  const auto key = make_key(algorithm::es256, "k1");
  server_fixture server(jwt_server(jwks_of({&key})));
  auto alice = start_authenticated(server, mint(key, {.sub = "alice", .room = "red"}));
  auto bob = start_authenticated(server, mint(key, {.sub = "bob", .room = "red"}));
  auto carol = start_authenticated(server, mint(key, {.sub = "carol", .room = "blue"}));
  auto dave = start_authenticated(server, mint(key, {.sub = "dave"}));
  ASSERT_FALSE(alice.id.empty() || bob.id.empty() || carol.id.empty() || dave.id.empty());
  ASSERT_TRUE(alice.ws.send_text(offer_message(bob.id, "v=0")));
  const auto offer = expect_action(bob.ws, "offer");
  ASSERT_TRUE(offer);
  EXPECT_EQ(str(*offer, "from"), alice.id);
  EXPECT_EQ(str(*offer, "fromIdentity"), "alice");
  EXPECT_EQ(str(offer->at("data").as_object(), "fromIdentity"), "alice");
  for (auto* other : {&carol, &dave}) {
    ASSERT_TRUE(alice.ws.send_text(offer_message(other->id, "v=0")));
    EXPECT_TRUE(expect_error(alice.ws, "peer-not-found", "offer"));
    EXPECT_TRUE(stays_quiet(other->ws, 200ms));
  }
}

TEST(auth, resume_needs_only_the_resume_token) {
  const auto key = make_key(algorithm::rs256, "k1");
  server_fixture server(jwt_server(jwks_of({&key})));
  auto alice = start_authenticated(server, mint(key, {}));
  ASSERT_FALSE(alice.id.empty());
  alice.ws.drop();  // a network change: no close frame
  auto again = server.connect();
  ASSERT_TRUE(again.send_text(resume_message(alice.id, alice.token)));
  const auto reply = expect_action(again, "start");
  ASSERT_TRUE(reply);
  EXPECT_EQ(str(*reply, "id"), alice.id);
  EXPECT_TRUE(reply->contains("resumed"));
}

TEST(auth, a_connection_that_does_not_start_is_closed_with_4002) {
  const auto key = make_key(algorithm::hs256, "k1");
  server_fixture server(jwt_server(jwks_of({&key}), {"auth.hello_timeout=1s"}));
  auto idle = server.connect();
  auto failing = server.connect();
  ASSERT_TRUE(start_with(failing, "bad"));  // a refused start does not stop the clock
  EXPECT_TRUE(idle.drain_until_closed(within(10s)));
  EXPECT_EQ(idle.close_code(), std::optional<std::uint16_t>(4002));
  EXPECT_TRUE(failing.drain_until_closed(within(10s)));
  EXPECT_EQ(failing.close_code(), std::optional<std::uint16_t>(4002));
  auto started = start_authenticated(server, mint(key, {}));  // a started one stays
  EXPECT_TRUE(stays_quiet(started.ws, 1500ms));
  EXPECT_TRUE(started.ws.is_open());
  EXPECT_TRUE(server.wait_metric("switchboard_auth_hello_timeouts_total", [](double v) { return v == 2; },
                                 within(5s)));
}

TEST(auth, failed_authentications_are_throttled_per_address) {
  const auto key = make_key(algorithm::eddsa, "k1");
  server_fixture server(jwt_server(
      jwks_of({&key}), {"auth.failure_rate_limit.per_second=0.01", "auth.failure_rate_limit.burst=3"}));
  auto ws = server.connect();
  for (int i = 0; i < 3; ++i) {
    const auto reply = start_with(ws, "bad." + std::to_string(i) + ".token");
    ASSERT_TRUE(reply);
    EXPECT_EQ(str(*reply, "code"), "unauthorized");
  }
  const auto limited = start_with(ws, mint(key, {}));  // even a good token waits now
  ASSERT_TRUE(limited);
  EXPECT_EQ(str(*limited, "code"), "rate-limited") << to_text(*limited);
  EXPECT_EQ(str(*limited, "ref"), "start");
  // Another address is not affected.
  auto opts = server.ws_options();
  opts.local_address = "127.0.0.2";
  ws_client elsewhere;
  ASSERT_TRUE(elsewhere.connect(opts).ok);
  const auto ok = start_with(elsewhere, mint(key, {}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(*ok, "action"), "start") << to_text(*ok);
  EXPECT_TRUE(server.wait_metric(R"(switchboard_auth_failures_total{reason="throttled"})",
                                 [](double v) { return v == 1; }, within(5s)));
}

TEST(auth, peers_per_identity_are_limited) {
  const auto key = make_key(algorithm::eddsa, "k1");
  server_fixture server(jwt_server(jwks_of({&key}), {"auth.max_connections_per_identity=2"}));
  auto a1 = start_authenticated(server, mint(key, {}));
  auto a2 = start_authenticated(server, mint(key, {}));
  auto a3 = server.connect();
  const auto refused = start_with(a3, mint(key, {}));
  ASSERT_TRUE(refused);
  EXPECT_EQ(str(*refused, "code"), "rate-limited") << to_text(*refused);
  auto bob = start_authenticated(server, mint(key, {.sub = "bob"}));
  EXPECT_FALSE(bob.id.empty());
  ASSERT_TRUE(a1.ws.close(1000));  // a goodbye frees the slot
  const auto later = [&] {
    for (const deadline until = within(5s); clock::now() < until;) {
      ws_client ws = server.connect();
      const auto reply = start_with(ws, mint(key, {}));
      if (reply && str(*reply, "action") == "start") return true;
    }
    return false;
  };
  EXPECT_TRUE(later());
  EXPECT_TRUE(server.wait_metric(R"(switchboard_peers_refused_total{reason="max_per_identity"})",
                                 [](double v) { return v >= 1; }, within(5s)));
}

}  // namespace
}  // namespace switchboard::test

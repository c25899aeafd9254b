// auth.mode jwt, the keys: the JWKS re-read when its file changes and on
// SIGHUP without dropping anyone, a broken file keeping the keys in use;
// the REST API with bearer tokens; tokens never reaching the log.
#include "tests/integration/auth_helpers.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

namespace switchboard::test {
namespace {

using auth::algorithm;

// Replaces the file the way an editor or a config-management tool does: a new file renamed over it.
void replace_file(const std::string& path, const std::string& text) {
  const auto tmp = path + ".new";
  std::ofstream(tmp) << text;
  std::filesystem::rename(tmp, path);
}

// Whether a fresh connection starts with `token`.
bool starts(const server_fixture& server, const std::string& token) {
  ws_client ws = server.connect();
  const auto reply = start_with(ws, token);
  return reply && str(*reply, "action") == "start";
}

// The server's log line with `text`, once it is there.
bool logged(server_fixture& server, std::string_view text) {
  return server.proc()
      .wait_for_line([&](std::string_view l) { return l.find(text) != std::string_view::npos; }, within(10s))
      .has_value();
}

TEST(auth_rotation, jwks_changes_on_disk_and_on_sighup_without_dropping_peers) {
  const auto k1 = make_key(algorithm::eddsa, "k1");
  const auto k2 = make_key(algorithm::es256, "k2");
  server_fixture server(jwt_server(jwks_of({&k1}), {"auth.failure_rate_limit.burst=1000"}));
  const auto jwks_path = server.dir().path() + "/jwks.json";
  auto alice = start_authenticated(server, mint(k1, {}));
  ASSERT_FALSE(alice.id.empty());

  // Step 1 of a rotation: the new key is added. Picked up from the file alone.
  EXPECT_FALSE(starts(server, mint(k2, {.sub = "bob"})));
  replace_file(jwks_path, jwks_of({&k1, &k2}));
  ASSERT_TRUE(logged(server, "changed: 2 key(s) loaded"));
  EXPECT_TRUE(starts(server, mint(k2, {.sub = "bob"})));
  // Step 3: the old key goes; its tokens are refused as signed by an unknown key.
  replace_file(jwks_path, jwks_of({&k2}));
  ASSERT_TRUE(logged(server, "changed: 1 key(s) loaded"));
  auto ws = server.connect();
  const auto refused = start_with(ws, mint(k1, {}));
  ASSERT_TRUE(refused);
  EXPECT_EQ(str(*refused, "code"), "unauthorized");

  // A broken file keeps the keys in use, with the reason in the log.
  replace_file(jwks_path, R"({"keys":[{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}]})");
  EXPECT_TRUE(logged(server, "keeping the keys in use"));
  EXPECT_TRUE(starts(server, mint(k2, {.sub = "carol"})));
  // SIGHUP re-reads it too (still broken: counted as failed, keys kept), then a good one.
  const auto failed_before = server.metric_value(R"(switchboard_auth_jwks_reloads_total{result="failed"})");
  server.proc().signal(SIGHUP);
  EXPECT_TRUE(logged(server, "JWKS kept"));
  EXPECT_TRUE(server.wait_metric(R"(switchboard_auth_jwks_reloads_total{result="failed"})",
                                 [&](double v) { return v > failed_before.value_or(0); }, within(5s)));
  replace_file(jwks_path, jwks_of({&k1, &k2}));
  server.proc().signal(SIGHUP);
  EXPECT_TRUE(logged(server, "JWKS reloaded (2 key(s))"));
  EXPECT_TRUE(starts(server, mint(k1, {.sub = "dave"})));

  // alice, started with the retired key, was never disconnected.
  ASSERT_TRUE(alice.ws.send_text(R"({"action":"iceServers"})"));
  EXPECT_TRUE(skip_until_action(alice.ws, "iceServers"));
}

TEST(auth_rotation, rest_credentials_take_the_user_from_the_token) {
  const auto key = make_key(algorithm::rs256, "k1");
  server_fixture server(jwt_server(jwks_of({&key}), {"turn.rest_api=true"}));
  http_request req;
  req.port = server.port();
  req.target = "/api/v1/turn-credentials?service=turn&username=mallory";
  req.headers = {{"Authorization", "Bearer " + mint(key, {.sub = "alice"})}};
  const auto ok = http_send(req);
  ASSERT_EQ(ok.status, 200) << ok.body;
  const auto body = parse_object(ok.body);
  ASSERT_TRUE(body);
  EXPECT_TRUE(str(*body, "username").ends_with(":alice")) << ok.body;
  req.headers = {{"Authorization", "Bearer " + mint(key, {.exp_in = std::chrono::seconds(-600)})}};
  const auto expired = http_send(req);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
  req.headers = {};
  EXPECT_EQ(http_send(req).status, 401);
}

TEST(auth_rotation, tokens_never_reach_the_log) {
  const auto key = make_key(algorithm::hs256, "k1");
  server_fixture server(jwt_server(jwks_of({&key}), {"log.level=trace", "auth.allow_query_token=true"}));
  std::vector<std::string> tokens{mint(key, {}), mint(key, {.exp_in = std::chrono::seconds(-600)}),
                                  mint(key, {.aud = "other"})};
  std::string tampered = tokens[0];
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  tokens.push_back(tampered);
  for (const auto& t : tokens) {
    auto ws = server.connect();
    (void)start_with(ws, t);
  }
  auto via_query = server.connect("/ws?access_token=" + tokens[0]);
  ASSERT_TRUE(via_query.send_text(R"({"action":"start"})"));
  const auto reply = expect_action(via_query, "start");  // the query token was used
  ASSERT_TRUE(reply);
  http_request req;
  req.port = server.port();
  req.target = "/api/v1/turn-credentials?service=turn";
  req.headers = {{"Authorization", "Bearer " + tokens[1]}};
  (void)http_send(req);
  server.stop();
  const std::string log = server.output();
  ASSERT_NE(log.find("authentication from"), std::string::npos) << log;  // the failures were logged
  for (const auto& t : tokens) {
    const auto payload = t.substr(t.find('.') + 1, t.rfind('.') - t.find('.') - 1);
    const auto signature = t.substr(t.rfind('.') + 1);
    EXPECT_EQ(log.find(payload.substr(0, 16)), std::string::npos) << "payload fragment in the log";
    EXPECT_EQ(log.find(signature.substr(0, 16)), std::string::npos) << "signature fragment in the log";
    EXPECT_EQ(log.find(signature.substr(signature.size() - 16)), std::string::npos) << "signature fragment in the log";
  }
}

}  // namespace
}  // namespace switchboard::test

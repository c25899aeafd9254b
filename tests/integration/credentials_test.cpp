// TURN credentials (REST-API style): minted in start replies, by the
// iceServers action and by GET /api/v1/turn-credentials; each checked against
// an independent HMAC computed by the openssl CLI.

#include "tests/integration/signaling_helpers.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

#include <boost/json/array.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace switchboard::test {
namespace {

// base64(HMAC-SHA1(secret, message)) by `openssl dgst | openssl base64`.
std::string openssl_hmac(const std::string& secret, const std::string& message) {
  auto opts =
      command({"sh", "-c",
               R"(printf '%s' "$MESSAGE" | openssl dgst -sha1 -hmac "$SECRET" -binary | openssl base64 -A)"});
  opts.env = {{"MESSAGE", message}, {"SECRET", secret}};
  const auto result = run(std::move(opts), within(10s));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  auto out = result.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "<expiry>:<user>" with expiry close to now + ttl.
void expect_username(const std::string& username, const std::string& user, double ttl) {
  const auto colon = username.find(':');
  ASSERT_NE(colon, std::string::npos) << username;
  EXPECT_EQ(username.substr(colon + 1), user);
  const long long expiry = std::stoll(username.substr(0, colon));
  EXPECT_NEAR(static_cast<double>(expiry - unix_now()), ttl, 30.0) << username;
}

// The iceServers entry carrying credentials (the turn: URIs).
std::optional<json::object> turn_entry(const json::object& reply) {
  for (const auto& entry : reply.at("iceServers").as_array()) {
    const auto& obj = entry.as_object();
    if (!str(obj, "username").empty()) return obj;
  }
  ADD_FAILURE() << "no iceServers entry with credentials: " << to_text(reply);
  return std::nullopt;
}

std::vector<std::string> urls_of(const json::object& entry) {
  std::vector<std::string> out;
  const auto& urls = entry.at("urls");
  if (urls.is_string()) return {std::string(urls.as_string())};
  for (const auto& u : urls.as_array()) out.emplace_back(u.as_string());
  return out;
}

TEST(credentials, start_reply_credential_verifies_with_openssl) {
  server_fixture server;
  auto a = start_peer(server);
  ASSERT_FALSE(a.id.empty());
  const auto entry = turn_entry(a.start_reply);
  ASSERT_TRUE(entry);
  const auto username = str(*entry, "username");
  expect_username(username, a.id, a.start_reply.at("ttl").to_number<double>());
  EXPECT_EQ(str(*entry, "credential"), openssl_hmac("itest-secret-1", username));
  EXPECT_EQ(urls_of(*entry), std::vector<std::string>{"turn:127.0.0.1:3478?transport=udp"});

  // The STUN URI is handed out without credentials.
  bool stun_found = false;
  for (const auto& e : a.start_reply.at("iceServers").as_array()) {
    const auto urls = urls_of(e.as_object());
    if (urls.size() == 1 && urls[0] == "stun:127.0.0.1:3478") {
      stun_found = true;
      EXPECT_TRUE(str(e.as_object(), "username").empty() && str(e.as_object(), "credential").empty());
    }
  }
  EXPECT_TRUE(stun_found) << to_text(a.start_reply);
}

TEST(credentials, ice_servers_action_mints_a_valid_credential) {
  server_fixture server(with_sets({"turn.ttl=10m"}));
  auto a = start_peer(server);
  ASSERT_TRUE(a.ws.send_text(R"({"action":"iceServers"})"));
  auto reply = expect_action(a.ws, "iceServers");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("ttl").to_number<double>(), 600);
  const auto entry = turn_entry(*reply);
  ASSERT_TRUE(entry);
  expect_username(str(*entry, "username"), a.id, 600);
  EXPECT_EQ(str(*entry, "credential"), openssl_hmac("itest-secret-1", str(*entry, "username")));
}

TEST(credentials, first_secret_signs_after_rotation) {
  server_fixture server(with_sets({R"(turn.secrets=["itest-new-secret","itest-secret-1"])"}));
  auto a = start_peer(server);
  const auto entry = turn_entry(a.start_reply);
  ASSERT_TRUE(entry);
  EXPECT_EQ(str(*entry, "credential"), openssl_hmac("itest-new-secret", str(*entry, "username")));
}

http_response get_credentials(const server_fixture& server, const std::string& query,
                              const std::string& authorization = "") {
  http_request req;
  req.port = server.port();
  req.target = "/api/v1/turn-credentials" + query;
  if (!authorization.empty()) req.headers["Authorization"] = authorization;
  return http_send(req);
}

TEST(credentials, rest_api_returns_a_verifiable_credential) {
  server_fixture server(with_sets({"turn.rest_api=true"}));
  const auto res = get_credentials(server, "?service=turn&username=alice");
  ASSERT_EQ(res.status, 200) << res.error << res.body;
  EXPECT_NE(res.header("content-type").find("application/json"), std::string::npos);
  auto body = parse_object(res.body);
  ASSERT_TRUE(body);
  const auto username = str(*body, "username");
  ASSERT_TRUE(body->contains("ttl") && body->at("ttl").is_number()) << res.body;
  const double ttl = body->at("ttl").to_number<double>();
  expect_username(username, "alice", ttl);
  EXPECT_EQ(str(*body, "password"), openssl_hmac("itest-secret-1", username));
  ASSERT_TRUE(body->contains("uris") && body->at("uris").is_array()) << res.body;
  std::vector<std::string> uris;
  for (const auto& u : body->at("uris").as_array()) uris.emplace_back(u.as_string());
  // The draft REST API lists the TURN URIs; STUN ones may be there too. Nothing else.
  EXPECT_NE(std::find(uris.begin(), uris.end(), "turn:127.0.0.1:3478?transport=udp"), uris.end());
  for (const auto& u : uris) {
    EXPECT_TRUE(u == "turn:127.0.0.1:3478?transport=udp" || u == "stun:127.0.0.1:3478") << u;
  }
}

TEST(credentials, rest_api_is_404_when_disabled) {
  server_fixture server(with_sets({"turn.rest_api=false"}));
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice").status, 404);
}

TEST(credentials, rest_api_keys_are_enforced) {
  server_fixture server(with_sets({"turn.rest_api=true", R"(turn.api_keys=["itest-key-1","itest-key-2"])"}));
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice").status, 401);
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice&key=wrong").status, 401);
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice", "Bearer wrong").status, 401);
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice", "Basic aXRlc3Qta2V5LTE=").status, 401);
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice&key=itest-key-1").status, 200);
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice&key=itest-key-2").status, 200);
  const auto bearer = get_credentials(server, "?service=turn&username=bob", "Bearer itest-key-1");
  ASSERT_EQ(bearer.status, 200) << bearer.body;
  auto body = parse_object(bearer.body);
  ASSERT_TRUE(body);
  EXPECT_EQ(str(*body, "password"), openssl_hmac("itest-secret-1", str(*body, "username")));
  // A refused request mints nothing and reveals nothing.
  EXPECT_EQ(get_credentials(server, "?service=turn&username=alice&key=nope").body.find("password"),
            std::string::npos);
}

}  // namespace
}  // namespace switchboard::test

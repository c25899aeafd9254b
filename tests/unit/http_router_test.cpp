#include "signaling/net/http_router.hpp"
#include "signaling/net/mime.hpp"
#include "turn/credentials/ice_servers.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

using namespace switchboard;
namespace fs = std::filesystem;

turn::wall_clock::time_point fixed_now() { return turn::wall_clock::time_point(std::chrono::seconds(1700000000)); }

class http_router_test : public ::testing::Test {
protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("sb-router-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "sub");
    write(root_ / "index.html", "<h1>hi</h1>");
    write(root_ / "app.js", "console.log(1)");
    write(root_ / "sub" / "index.html", "sub");
    write(root_ / ".secret", "hidden");
    write(root_.parent_path() / (root_.filename().string() + "-outside.txt"), "outside");
    fs::create_directory_symlink(root_.parent_path(), root_ / "escape");
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove(root_.parent_path() / (root_.filename().string() + "-outside.txt"));
  }
  static void write(const fs::path& p, const std::string& body) { std::ofstream(p) << body; }

  net::http_router router(bool rest_api = false, std::vector<std::string> keys = {},
                          decltype(net::http_router_options::verify_jwt) verify_jwt = nullptr) {
    return net::http_router({root_, rest_api, std::move(keys), 1024 * 1024, [this] { ++minted_; }, std::move(verify_jwt)},
                            ice_);
  }

  fs::path root_;
  int minted_ = 0;
  turn::ice_server_source ice_{{"stun:s.example:3478", "turn:t.example:3478?transport=udp", "turns:t.example:5349"},
                               "s3cret",
                               std::chrono::seconds(600),
                               fixed_now};
};

TEST_F(http_router_test, serves_static_files_with_mime_types) {
  auto r = router();
  struct row {
    const char* target;
    unsigned status;
    const char* type_prefix;
    const char* body;
  };
  const row rows[] = {
      {"/", 200, "text/html", "<h1>hi</h1>"},
      {"/index.html", 200, "text/html", "<h1>hi</h1>"},
      {"/app.js?v=2", 200, "text/javascript", "console.log(1)"},
      {"/sub/", 200, "text/html", "sub"},
      {"/sub", 200, "text/html", "sub"},
      {"/missing.css", 404, "text/plain", nullptr},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.target);
    const auto reply = r.handle({"GET", row.target, ""}, true);
    EXPECT_EQ(reply.status, row.status);
    EXPECT_TRUE(reply.content_type.starts_with(row.type_prefix)) << reply.content_type;
    if (row.body) {
      EXPECT_EQ(reply.body, row.body);
    }
  }
}

TEST_F(http_router_test, refuses_traversal_hidden_files_and_symlink_escapes) {
  auto r = router();
  const std::string outside = "/../" + root_.filename().string() + "-outside.txt";
  for (const std::string& target :
       {outside, std::string("/%2e%2e/x"), std::string("/sub/%2E%2E/%2E%2E/etc/passwd"), std::string("/.secret"),
        std::string("/sub/..%2f..%2fetc%2fpasswd"), std::string("/escape/" + root_.filename().string() + "-outside.txt"),
        std::string("/a%00b")}) {
    SCOPED_TRACE(target);
    const auto reply = r.handle({"GET", target, ""}, true);
    EXPECT_TRUE(reply.status == 404 || reply.status == 400) << reply.status;
    EXPECT_EQ(reply.body.find("outside"), std::string::npos);
    EXPECT_EQ(reply.body.find("hidden"), std::string::npos);
  }
}

TEST_F(http_router_test, head_has_no_body_and_other_methods_are_refused) {
  auto r = router();
  EXPECT_EQ(r.handle({"HEAD", "/", ""}, true).body, "");
  EXPECT_EQ(r.handle({"HEAD", "/", ""}, true).status, 200u);
  const auto post = r.handle({"POST", "/", ""}, true);
  EXPECT_EQ(post.status, 405u);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].first, "Allow");
}

TEST_F(http_router_test, health_and_readiness) {
  auto r = router();
  EXPECT_EQ(r.handle({"GET", "/healthz", ""}, false).status, 200u);
  EXPECT_EQ(r.handle({"GET", "/readyz", ""}, true).status, 200u);
  EXPECT_EQ(r.handle({"GET", "/readyz", ""}, false).status, 503u);
}

TEST_F(http_router_test, turn_credentials_disabled_by_default) {
  auto r = router();
  EXPECT_EQ(r.handle({"GET", "/api/v1/turn-credentials?service=turn&username=u", ""}, true).status, 404u);
  EXPECT_EQ(minted_, 0);
}

TEST_F(http_router_test, turn_credentials_response) {
  auto r = router(true);
  const auto reply = r.handle({"GET", "/api/v1/turn-credentials?service=turn&username=alice", ""}, true);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const auto v = boost::json::parse(reply.body).as_object();
  EXPECT_EQ(v.at("username").as_string(), "1700000600:alice");
  EXPECT_EQ(v.at("password").as_string(), turn::hmac_sha1_base64("s3cret", "1700000600:alice"));
  EXPECT_EQ(v.at("ttl").as_int64(), 600);
  ASSERT_EQ(v.at("uris").as_array().size(), 2u);  // TURN URIs only
  EXPECT_EQ(v.at("uris").as_array()[0].as_string(), "turn:t.example:3478?transport=udp");
  EXPECT_EQ(minted_, 1);
}

TEST_F(http_router_test, turn_credentials_validation_and_api_keys) {
  auto r = router(true, {"k1", "k2"});
  struct row {
    const char* target;
    const char* auth;
    unsigned status;
  };
  const row rows[] = {
      {"/api/v1/turn-credentials?service=turn&username=u", "", 401},
      {"/api/v1/turn-credentials?service=turn&username=u&key=nope", "", 401},
      {"/api/v1/turn-credentials?service=turn&username=u&key=k2", "", 200},
      {"/api/v1/turn-credentials?service=turn&username=u", "Bearer k1", 200},
      {"/api/v1/turn-credentials?service=turn&username=u", "Bearer k", 401},
      {"/api/v1/turn-credentials?service=turn&username=u", "bearer k1", 200},
      {"/api/v1/turn-credentials?service=turn&username=u", "BEARER   k1 ", 200},
      {"/api/v1/turn-credentials?service=turn&username=u", "Bearerk1", 401},
      {"/api/v1/turn-credentials?service=turn&username=u", "Basic k1", 401},
      {"/api/v1/turn-credentials?service=stun&username=u&key=k1", "", 400},
      {"/api/v1/turn-credentials?service=turn&key=k1", "", 400},
      {"/api/v1/turn-credentials?service=turn&username=a%3Ab&key=k1", "", 400},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.target);
    EXPECT_EQ(r.handle({"GET", row.target, row.auth}, true).status, row.status);
  }
  EXPECT_EQ(minted_, 4);
}

// auth.mode jwt: a bearer JWT (here: "jwt-<sub>" verifies) or an API key.
TEST_F(http_router_test, turn_credentials_with_a_bearer_jwt) {
  const auto verify = [](std::string_view token, std::string& reason) -> std::optional<std::string> {
    if (token.starts_with("jwt-")) return std::string(token.substr(4));
    reason = "token expired 2m ago";
    return std::nullopt;
  };
  const auto r = router(true, {"k1"}, verify);
  const auto user_of = [](const net::http_reply& reply) {
    const std::string name(boost::json::parse(reply.body).as_object().at("username").as_string());
    return name.substr(name.find(':') + 1);
  };
  auto ok = r.handle({"GET", "/api/v1/turn-credentials?service=turn&username=mallory", "Bearer jwt-alice"}, true);
  ASSERT_EQ(ok.status, 200u);
  EXPECT_EQ(user_of(ok), "alice");  // the token's sub, not the request's username
  ok = r.handle({"GET", "/api/v1/turn-credentials?service=turn", "Bearer jwt-bob"}, true);
  ASSERT_EQ(ok.status, 200u);
  EXPECT_EQ(user_of(ok), "bob");
  const auto refused = r.handle({"GET", "/api/v1/turn-credentials?service=turn&username=u", "Bearer old"}, true);
  EXPECT_EQ(refused.status, 401u);
  EXPECT_NE(refused.body.find("token expired 2m ago"), std::string::npos);
  EXPECT_EQ(r.handle({"GET", "/api/v1/turn-credentials?service=turn&username=u", ""}, true).status, 401u);
  EXPECT_EQ(r.handle({"GET", "/api/v1/turn-credentials?service=turn&username=u", "Bearer k1"}, true).status, 200u);
  EXPECT_EQ(r.handle({"GET", "/api/v1/turn-credentials?service=turn", "Bearer jwt-a|b"}, true).status, 400u);
  // No API keys configured: a JWT is still required.
  const auto jwt_only = router(true, {}, verify);
  EXPECT_EQ(jwt_only.handle({"GET", "/api/v1/turn-credentials?service=turn&username=u", ""}, true).status, 401u);
  EXPECT_EQ(jwt_only.handle({"GET", "/api/v1/turn-credentials?service=turn", "Bearer jwt-c"}, true).status, 200u);
  EXPECT_EQ(minted_, 4);
}

TEST(query_param, decodes_and_finds) {
  EXPECT_EQ(net::query_param("/ws?access_token=a.b-c_d", "access_token"), "a.b-c_d");
  EXPECT_EQ(net::query_param("/ws?x=1&access_token=a%2Eb", "access_token"), "a.b");
  EXPECT_EQ(net::query_param("/ws?x=1", "access_token"), "");
  EXPECT_EQ(net::query_param("/ws", "access_token"), "");
  EXPECT_EQ(net::query_param("not a target", "access_token"), "");
}

TEST(origin_allowed, table) {
  const std::vector<std::string> list{"https://app.example", "http://localhost:8080"};
  EXPECT_TRUE(net::origin_allowed(list, ""));  // not a browser
  EXPECT_TRUE(net::origin_allowed(list, "https://app.example"));
  EXPECT_TRUE(net::origin_allowed(list, "HTTPS://APP.example"));
  EXPECT_FALSE(net::origin_allowed(list, "https://app.example.evil"));
  EXPECT_FALSE(net::origin_allowed(list, "http://app.example"));
  EXPECT_TRUE(net::origin_allowed({}, "https://any"));
  EXPECT_TRUE(net::origin_allowed({"*"}, "https://any"));
}

TEST(mime_type, table) {
  EXPECT_EQ(net::mime_type("a/index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(net::mime_type("x.css"), "text/css; charset=utf-8");
  EXPECT_EQ(net::mime_type("x.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(net::mime_type("x.svg"), "image/svg+xml");
  EXPECT_EQ(net::mime_type("noext"), "application/octet-stream");
  EXPECT_EQ(net::mime_type("dir.d/file"), "application/octet-stream");
}

struct bearer_case {
  const char* header;
  const char* token;
};

TEST(bearer_token, scheme_is_case_insensitive_rfc9110) {
  const bearer_case cases[] = {{"Bearer abc", "abc"}, {"bearer abc", "abc"},  {"BeArEr  abc ", "abc"},
                               {"Bearer", ""},        {"Bearerabc", ""},      {"Basic abc", ""},
                               {"", ""},              {"Bearer   ", ""},      {"bearer a.b-c_d", "a.b-c_d"}};
  for (const auto& c : cases) EXPECT_EQ(net::bearer_token(c.header), c.token) << c.header;
}

}  // namespace

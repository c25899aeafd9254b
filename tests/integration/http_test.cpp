// HTTP on the signaling port: static files, health checks, traversal, the
// Origin allow-list on the WebSocket upgrade.

#include "tests/integration/signaling_helpers.hpp"

#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

const std::string index_html = "<!doctype html><title>itest</title><p>index page</p>\n";
const std::string app_js = "console.log('itest');\n";
const std::string style_css = "body { color: black; }\n";
const std::string secret = "TOP-SECRET-OUTSIDE-WEBROOT";

// A web root of our own under the temp dir, and a file next to it that must stay unreachable.
server_options static_site() {
  server_options opts;
  opts.files = {{"www/index.html", index_html},
                {"www/app.js", app_js},
                {"www/style.css", style_css},
                {"www/sub/listed-file.txt", "hello"},
                {"secret.txt", secret}};
  opts.sets = {"server.static_dir=@DIR@/www"};
  return opts;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

TEST(http, index_at_root_with_html_type) {
  server_fixture server(static_site());
  const auto res = http_get(server.port(), "/");
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_TRUE(starts_with(res.header("content-type"), "text/html")) << res.header("content-type");
  EXPECT_EQ(res.body, index_html);
  EXPECT_EQ(http_get(server.port(), "/index.html").body, index_html);
}

TEST(http, static_files_have_their_content_types) {
  server_fixture server(static_site());
  const auto js = http_get(server.port(), "/app.js");
  ASSERT_EQ(js.status, 200) << js.error;
  EXPECT_EQ(js.body, app_js);
  const auto js_type = js.header("content-type");
  EXPECT_TRUE(starts_with(js_type, "text/javascript") || starts_with(js_type, "application/javascript"))
      << js_type;
  const auto css = http_get(server.port(), "/style.css");
  ASSERT_EQ(css.status, 200) << css.error;
  EXPECT_TRUE(starts_with(css.header("content-type"), "text/css")) << css.header("content-type");
  EXPECT_EQ(http_get(server.port(), "/sub/listed-file.txt").body, "hello");
}

TEST(http, missing_file_is_404) {
  server_fixture server(static_site());
  EXPECT_EQ(http_get(server.port(), "/nope.html").status, 404);
  EXPECT_EQ(http_get(server.port(), "/sub/nope").status, 404);
}

TEST(http, traversal_never_escapes_the_web_root) {
  server_fixture server(static_site());
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
                             "/sub/../../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/./../secret.txt",
                             "/%2e%2e%5csecret.txt", "//secret.txt", "/sub/..%00/secret.txt"}) {
    const auto res = http_get(server.port(), target);
    EXPECT_TRUE(res.status == 404 || res.status == 400) << target << " -> " << res.status << " " << res.error;
    EXPECT_EQ(res.body.find(secret), std::string::npos) << target << " leaked the file";
  }
  // The server is still fine after all that.
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);
}

TEST(http, no_directory_listing) {
  server_fixture server(static_site());
  for (const char* target : {"/sub/", "/sub"}) {
    const auto res = http_get(server.port(), target);
    EXPECT_NE(res.status, 200) << target;  // 403, 404 or a redirect to "/sub/" are all fine
    EXPECT_EQ(res.body.find("listed-file.txt"), std::string::npos) << target << " lists the directory";
  }
}

TEST(http, health_and_readiness) {
  server_fixture server;
  const auto health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.error;
  const auto ready = http_get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.error;
}

TEST(http, default_static_dir_serves_the_tutorial_page) {
  server_fixture server;  // server.static_dir = <source>/signaling/web
  const auto res = http_get(server.port(), "/");
  ASSERT_EQ(res.status, 200) << res.error;
  EXPECT_TRUE(starts_with(res.header("content-type"), "text/html")) << res.header("content-type");
  EXPECT_NE(res.body.find("<"), std::string::npos);
}

TEST(http, origin_allow_list_refuses_other_origins_with_403) {
  server_fixture server(with_sets({R"(server.allowed_origins=["https://good.example"])"}));
  auto good = server.ws_options();
  good.origin = "https://good.example";
  ws_client allowed;
  const auto ok = allowed.connect(good);
  ASSERT_TRUE(ok.ok) << ok.error << " HTTP " << ok.http_status;
  EXPECT_TRUE(send_start(allowed));

  auto evil = server.ws_options();
  evil.origin = "https://evil.example";
  ws_client refused;
  const auto res = refused.connect(evil);
  EXPECT_FALSE(res.ok);
  EXPECT_EQ(res.http_status, 403) << res.error;
  evil.origin = "https://good.example.evil.example";
  EXPECT_EQ(ws_client().connect(evil).http_status, 403);
  EXPECT_GE(server.metric_value(R"(switchboard_connections_rejected_total{reason="origin"})"), 2);
}

TEST(http, any_origin_when_no_allow_list) {
  server_fixture server;
  auto opts = server.ws_options();
  opts.origin = "https://anything.example";
  ws_client ws;
  const auto res = ws.connect(opts);
  EXPECT_TRUE(res.ok) << res.error << " HTTP " << res.http_status;
}

}  // namespace
}  // namespace switchboard::test

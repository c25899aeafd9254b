// TLS on the public port: https and wss with a self-signed certificate made
// at test time; plain HTTP on the TLS port gets nowhere.

#include "tests/integration/signaling_helpers.hpp"

#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

namespace switchboard::test {
namespace {

server_options tls_server() {
  server_options opts;
  opts.tls = true;
  return opts;
}

TEST(tls, https_health_and_readiness) {
  server_fixture server(tls_server());
  const auto health = http_get(server.port(), "/healthz", true);
  EXPECT_EQ(health.status, 200) << health.error;
  const auto ready = http_get(server.port(), "/readyz", true);
  EXPECT_EQ(ready.status, 200) << ready.error;
}

TEST(tls, wss_tutorial_exchange) {
  server_fixture server(tls_server());
  auto a = start_peer(server);
  auto b = start_peer(server, "/");
  ASSERT_FALSE(a.id.empty());
  ASSERT_FALSE(b.id.empty());
  exchange_offer_answer(a, b);
  ASSERT_TRUE(b.ws.send_text(candidate_message(a.id, "candidate:tls", 0)));
  auto candidate = expect_action(a.ws, "iceCandidate");
  ASSERT_TRUE(candidate);
  EXPECT_EQ(str(*candidate, "from"), b.id);
  ASSERT_TRUE(a.ws.close(1000));
  auto left = expect_action(b.ws, "peerLeft");
  ASSERT_TRUE(left);
  EXPECT_EQ(str(*left, "id"), a.id);
}

TEST(tls, plain_http_on_the_tls_port_is_not_served) {
  server_fixture server(tls_server());
  http_request req;
  req.port = server.port();
  req.target = "/healthz";
  req.timeout = std::chrono::milliseconds(3000);
  const auto res = http_send(req);
  EXPECT_NE(res.status, 200) << "plain HTTP answered on a TLS port";
  ws_client plain;
  auto opts = server.ws_options();
  opts.tls = false;
  opts.timeout = std::chrono::milliseconds(3000);
  EXPECT_FALSE(plain.connect(opts).ok);
  // The server survives garbage handshakes.
  EXPECT_EQ(http_get(server.port(), "/healthz", true).status, 200);
}

}  // namespace
}  // namespace switchboard::test

// SIGTERM: not ready at once, no new connections, existing clients closed
// with 1001 within server.drain_period, exit 0 shortly after.

#include "tests/integration/signaling_helpers.hpp"

#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>

namespace switchboard::test {
namespace {

TEST(drain, sigterm_drains_and_exits_cleanly) {
  server_fixture server(with_sets({"server.drain_period=2s"}));
  auto a = start_peer(server);
  auto b = start_peer(server);
  exchange_offer_answer(a, b);
  ASSERT_EQ(http_get(server.port(), "/readyz").status, 200);

  const auto signalled_at = clock::now();
  server.proc().signal(SIGTERM);

  // Not ready any more, promptly.
  int ready_status = 0;
  for (const auto until = within(1s); clock::now() < until;) {
    ready_status = http_get(server.port(), "/readyz").status;
    if (ready_status == 503) break;
  }
  EXPECT_EQ(ready_status, 503);

  // New WebSocket connections are refused.
  ws_client late;
  const auto refused = late.connect(server.ws_options());
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(refused.http_status == 0 || refused.http_status == 503) << refused.http_status;

  // Existing clients get 1001 within the drain period (plus a margin).
  ASSERT_TRUE(a.ws.drain_until_closed(signalled_at + 3500ms)) << a.ws.last_error();
  ASSERT_TRUE(b.ws.drain_until_closed(signalled_at + 3500ms)) << b.ws.last_error();
  EXPECT_EQ(a.ws.close_code(), 1001);
  EXPECT_EQ(b.ws.close_code(), 1001);

  const auto status = server.proc().wait_exit(signalled_at + 5s);
  ASSERT_TRUE(status) << "still running 5 s after SIGTERM with a 2 s drain period";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
}

TEST(drain, idle_server_exits_at_once) {
  server_fixture server(with_sets({"server.drain_period=10s"}));
  const auto signalled_at = clock::now();
  server.proc().signal(SIGTERM);
  const auto status = server.proc().wait_exit(signalled_at + 5s);
  ASSERT_TRUE(status) << "a server without clients need not wait out the drain period";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
}

TEST(drain, sigint_behaves_like_sigterm) {
  server_fixture server(with_sets({"server.drain_period=2s"}));
  auto a = start_peer(server);
  server.proc().signal(SIGINT);
  ASSERT_TRUE(a.ws.drain_until_closed(within(4s))) << a.ws.last_error();
  EXPECT_EQ(a.ws.close_code(), 1001);
  const auto status = server.proc().wait_exit(within(5s));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
}

}  // namespace
}  // namespace switchboard::test

// redis_connection when Redis misbehaves: stopped answering (SIGSTOP),
// restarted, its connection killed, or down with commands piling up.
#include "tests/cluster/redis_test_helpers.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace switchboard::cluster::testing {
namespace {

struct counters {
  int reconnects = 0;
  int timeouts = 0;
  int overflows = 0;
  int up = 0;
  int down = 0;
  void attach(redis_options& o) {
    o.hooks.reconnect = [this] { ++reconnects; };
    o.hooks.timeout = [this] { ++timeouts; };
    o.hooks.overflow = [this] { ++overflows; };
    o.hooks.connected = [this](bool is_up) { ++(is_up ? up : down); };
  }
};

struct fixture {
  test::redis_server redis;
  loop l;
  counters stats;
  state_log log;
  std::unique_ptr<redis_connection> c;

  // No idle PING unless asked for: one in flight when Redis is paused would
  // end the connection before the command under test times out.
  explicit fixture(std::chrono::milliseconds command_timeout = 0ms, std::chrono::milliseconds heartbeat = 60s) {
    auto opts = options_for(redis);
    if (command_timeout > 0ms) opts.command_timeout = command_timeout;
    opts.heartbeat_interval = heartbeat;
    stats.attach(opts);
    c = std::make_unique<redis_connection>(l.ioc.get_executor(), opts);
    c->on_state(log.handler());
    c->start();
  }
  bool wait_up() { return l.run_until([&] { return c->up(); }); }
  // The state callback, not up(): it runs once last_error() tells why.
  bool wait_down() { return l.run_until([&] { return !log.states.empty() && !log.states.back(); }); }
};

TEST(RedisFailure, CommandTimesOutWhileRedisIsStoppedAndTheConnectionRecovers) {
  fixture f;
  ASSERT_TRUE(f.wait_up()) << f.c->last_error();
  f.redis.pause();
  const auto started = std::chrono::steady_clock::now();
  const auto res = run_command(f.l, *f.c, {"GET", "k"});
  ASSERT_TRUE(res.done);
  EXPECT_EQ(res.ec, redis_errc::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);  // the 500 ms timeout, not sooner
  ASSERT_TRUE(f.wait_down());  // a command stuck on the wire means a stuck connection
  EXPECT_GE(f.stats.timeouts, 1);
  EXPECT_NE(f.c->last_error().find("no reply within"), std::string::npos) << f.c->last_error();
  f.redis.resume();
  ASSERT_TRUE(f.wait_up()) << f.c->last_error();
  EXPECT_FALSE(run_command(f.l, *f.c, {"SET", "k", "v"}).ec);
  EXPECT_EQ(run_command(f.l, *f.c, {"GET", "k"}).reply.text, "v");
  EXPECT_EQ(f.log.states, (std::vector<bool>{true, false, true}));
  EXPECT_GE(f.stats.reconnects, 1);
  EXPECT_EQ(f.stats.up, 2);
  EXPECT_EQ(f.stats.down, 1);
}

TEST(RedisFailure, AnIdleConnectionNoticesAStoppedRedisThroughItsHeartbeat) {
  fixture f(0ms, 100ms);
  ASSERT_TRUE(f.wait_up());
  f.redis.pause();
  ASSERT_TRUE(f.wait_down());
  EXPECT_NE(f.c->last_error().find("no reply within"), std::string::npos) << f.c->last_error();
  f.redis.resume();
  ASSERT_TRUE(f.wait_up()) << f.c->last_error();
  EXPECT_TRUE(run_command(f.l, *f.c, {"PING"}).reply.is("PONG"));
}

TEST(RedisFailure, RedisRestartedOnTheSamePortIsReconnectedByItself) {
  fixture f(5s);
  ASSERT_TRUE(f.wait_up());
  ASSERT_FALSE(run_command(f.l, *f.c, {"SET", "before", "1"}).ec);
  f.redis.stop();
  ASSERT_TRUE(f.wait_down());
  EXPECT_NE(f.c->last_error().find("closed"), std::string::npos) << f.c->last_error();
  // Submitted while down: waits for the connection instead of failing.
  auto later = std::make_shared<result>();
  f.c->command({"INCR", "after"}, [later](std::error_code ec, redis_reply r) {
    *later = {true, ec, std::move(r)};
  });
  f.redis.start();
  ASSERT_TRUE(f.wait_up()) << f.c->last_error();
  ASSERT_TRUE(f.l.run_until([&] { return later->done; }));
  EXPECT_FALSE(later->ec) << later->ec.message();
  EXPECT_EQ(later->reply.integer, 1);  // a fresh Redis: nothing persisted
  EXPECT_EQ(f.log.states, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(f.stats.down, 1);
}

TEST(RedisFailure, ClientKillOfItsConnectionIsRecovered) {
  fixture f;
  ASSERT_TRUE(f.wait_up());
  ASSERT_EQ(f.redis.kill_clients_named("switchboard-test"), 1);
  ASSERT_TRUE(f.l.run_until([&] { return f.log.downs() == 1 && f.c->up(); })) << f.c->last_error();
  EXPECT_TRUE(run_command(f.l, *f.c, {"PING"}).reply.is("PONG"));
  EXPECT_TRUE(f.redis.has_client_named("switchboard-test"));
  EXPECT_EQ(f.log.states, (std::vector<bool>{true, false, true}));
}

TEST(RedisFailure, TheQueueOverflowsWithAClearErrorWhileRedisIsDown) {
  test::redis_server redis;
  redis.stop();
  loop l;
  counters stats;
  auto opts = options_for(redis);
  opts.command_timeout = 10s;
  opts.max_pending_commands = 3;
  opts.max_pending_bytes = 4096;
  stats.attach(opts);
  redis_connection c(l.ioc.get_executor(), opts);
  c.start();
  std::vector<result> results(5);
  const auto submit = [&](std::size_t i, redis_argv argv) {
    c.command(std::move(argv), [&results, i](std::error_code ec, redis_reply r) { results[i] = {true, ec, r}; });
  };
  submit(0, {"SET", "big", std::string(3000, 'x')});
  submit(1, {"SET", "too-big", std::string(2000, 'y')});  // over the byte bound
  submit(2, {"INCR", "n"});
  submit(3, {"INCR", "n"});
  submit(4, {"INCR", "n"});  // over the count bound
  ASSERT_TRUE(l.run_until([&] { return results[1].done && results[4].done; }));
  EXPECT_EQ(results[1].ec, redis_errc::overflow);
  EXPECT_EQ(results[4].ec, redis_errc::overflow);
  EXPECT_EQ(results[1].ec.message(), "Redis command queue full");
  EXPECT_EQ(stats.overflows, 2);
  EXPECT_FALSE(results[0].done || results[2].done || results[3].done);
  EXPECT_EQ(c.pending(), 3u);
  redis.start();
  ASSERT_TRUE(l.run_until([&] { return results[0].done && results[2].done && results[3].done; }));
  EXPECT_TRUE(results[0].reply.is("OK"));
  EXPECT_EQ(results[3].reply.integer, 2);
  EXPECT_GE(stats.reconnects, 1);
}

TEST(RedisFailure, WaitingCommandsTimeOutAndDestructionFailsTheRestOnce) {
  test::redis_server redis;
  redis.stop();
  loop l;
  auto opts = options_for(redis);
  std::vector<std::string> failures;
  opts.hooks.attempt_failed = [&](std::string_view why) { failures.emplace_back(why); };
  auto c = std::make_unique<redis_connection>(l.ioc.get_executor(), opts);
  c->start();
  auto early = std::make_shared<std::vector<std::error_code>>();
  c->command({"PING"}, [early](std::error_code ec, redis_reply) { early->push_back(ec); });
  ASSERT_TRUE(l.run_until([&] { return !early->empty(); }));
  EXPECT_EQ(*early, std::vector<std::error_code>{make_error_code(redis_errc::timeout)});
  ASSERT_FALSE(failures.empty());
  EXPECT_NE(failures.front().find("Connection refused"), std::string::npos) << failures.front();
  auto late = std::make_shared<std::vector<std::error_code>>();
  for (int i = 0; i < 3; ++i) c->command({"PING"}, [late](std::error_code ec, redis_reply) { late->push_back(ec); });
  c.reset();
  EXPECT_EQ(late->size(), 3u);
  l.drain();
  EXPECT_EQ(late->size(), 3u);
  EXPECT_EQ(early->size(), 1u);
  for (const auto& ec : *late) EXPECT_EQ(ec, redis_errc::shut_down);
}

}  // namespace
}  // namespace switchboard::cluster::testing

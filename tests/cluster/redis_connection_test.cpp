// redis_connection against a real redis-server: replies, pipelining, the
// handshake (AUTH, SELECT, CLIENT SETNAME), refusals and destruction.
#include "tests/cluster/redis_test_helpers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>

namespace switchboard::cluster::testing {
namespace {

using kind = redis_reply::kind;

// A started connection that is up, or a failed test.
std::unique_ptr<redis_connection> connect_up(loop& l, const redis_options& opts, state_log* log = nullptr) {
  auto c = std::make_unique<redis_connection>(l.ioc.get_executor(), opts);
  if (log != nullptr) c->on_state(log->handler());
  c->start();
  EXPECT_TRUE(l.run_until([&] { return c->up(); })) << c->last_error();
  return c;
}

TEST(RedisConnection, RepliesOfEveryType) {
  test::redis_server redis;
  loop l;
  auto c = connect_up(l, options_for(redis));
  const std::string binary("a\0b\r\n\xff", 6);
  struct row {
    redis_argv argv;
    kind type;
    std::string text;
  };
  const std::vector<row> rows = {
      {{"SET", "k", binary}, kind::status, "OK"},
      {{"GET", "k"}, kind::string, binary},
      {{"GET", "missing"}, kind::nil, ""},
      {{"RPUSH", "list", "a", "b", "c"}, kind::integer, ""},
      {{"LRANGE", "list", "0", "-1"}, kind::array, ""},
      {{"LRANGE", "none", "0", "-1"}, kind::array, ""},
      {{"NOSUCHCOMMAND"}, kind::error, "ERR unknown command"},
      {{"INCR", "list"}, kind::error, "WRONGTYPE"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.argv[0]);
    const auto res = run_command(l, *c, r.argv);
    ASSERT_TRUE(res.done);
    ASSERT_FALSE(res.ec) << res.ec.message();
    EXPECT_EQ(res.reply.type, r.type) << describe(res.reply);
    if (r.type == kind::error) {
      EXPECT_EQ(res.reply.text.rfind(r.text, 0), 0u) << res.reply.text;
    } else {
      EXPECT_EQ(res.reply.text, r.text);
    }
  }
  const auto range = run_command(l, *c, {"LRANGE", "list", "0", "-1"});
  ASSERT_EQ(range.reply.elements.size(), 3u);
  EXPECT_EQ(range.reply.elements[2].text, "c");
  const auto nested = run_command(l, *c, {"EVAL", "return {1, {2, 'x'}, redis.status_reply('FINE')}", "0"});
  ASSERT_EQ(nested.reply.type, kind::array) << describe(nested.reply);
  EXPECT_EQ(describe(nested.reply), "[(integer) 1, [(integer) 2, \"x\"], (status) FINE]");
}

TEST(RedisConnection, TenThousandPipelinedIncrsArriveInOrder) {
  test::redis_server redis;
  loop l;
  std::vector<std::chrono::steady_clock::duration> latencies;
  auto opts = options_for(redis);
  opts.command_timeout = 10s;
  opts.hooks.latency = [&](auto d) { latencies.push_back(d); };
  auto c = connect_up(l, opts);
  constexpr int n = 10'000;
  std::vector<long long> seen;
  seen.reserve(n);
  for (int i = 0; i < n; ++i) {
    c->command({"INCR", "counter"}, [&seen](std::error_code ec, redis_reply r) {
      seen.push_back(ec ? -1 : r.integer);
    });
  }
  EXPECT_EQ(c->pending(), static_cast<std::size_t>(n));  // all written before any reply was read
  ASSERT_TRUE(l.run_until([&] { return seen.size() == n; }, 30s));
  for (int i = 0; i < n; ++i) ASSERT_EQ(seen[i], i + 1) << "at " << i;
  EXPECT_EQ(latencies.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(c->pending(), 0u);
}

TEST(RedisConnection, SelectsTheDatabaseAndNamesItselfOnConnect) {
  test::redis_server redis;
  loop l;
  auto c = connect_up(l, options_for_url(redis.url() + "/3", "sb-node-7"));
  const auto info = run_command(l, *c, {"CLIENT", "INFO"});
  EXPECT_NE(info.reply.text.find(" db=3 "), std::string::npos) << info.reply.text;
  EXPECT_NE(info.reply.text.find(" name=sb-node-7 "), std::string::npos) << info.reply.text;
  ASSERT_FALSE(run_command(l, *c, {"SET", "only-in-3", "x"}).ec);
  EXPECT_EQ(redis.command({"EXISTS", "only-in-3"}).integer, 0);  // the admin client is on db 0
  EXPECT_TRUE(redis.has_client_named("sb-node-7"));
}

TEST(RedisConnection, RefusesCommandsThatWouldBreakTheConnectionAfterReturning) {
  test::redis_server redis;
  loop l;
  auto c = connect_up(l, options_for(redis));
  const std::vector<redis_argv> refused = {{"SUBSCRIBE", "x"}, {"psubscribe", "x*"}, {"MONITOR"}, {"SELECT", "2"},
                                           {"CLIENT", "REPLY", "OFF"}, {"QUIT"}, {}};
  for (const auto& argv : refused) {
    bool called = false;
    std::error_code got;
    c->command(argv, [&](std::error_code ec, redis_reply) {
      called = true;
      got = ec;
    });
    EXPECT_FALSE(called) << "called from inside command()";
    ASSERT_TRUE(l.run_until([&] { return called; }));
    EXPECT_EQ(got, redis_errc::unsupported_command);
  }
  EXPECT_FALSE(run_command(l, *c, {"PING"}).ec);  // the connection is still fine
  EXPECT_TRUE(c->up());
}

TEST(RedisConnection, AuthenticatesWithPasswordOrUserAndReportsAWrongPasswordClearly) {
  test::redis_server redis({.password = "s3cret:pw", .extra_args = {}});
  loop l;
  const auto base = "redis://" + std::string(":s3cret%3Apw@127.0.0.1:") + std::to_string(redis.port());
  auto by_password = connect_up(l, options_for_url(base));
  EXPECT_TRUE(run_command(l, *by_password, {"PING"}).reply.is("PONG"));
  const auto with_user = "redis://default:s3cret%3Apw@127.0.0.1:" + std::to_string(redis.port());
  auto by_user = connect_up(l, options_for_url(with_user));
  EXPECT_TRUE(run_command(l, *by_user, {"PING"}).reply.is("PONG"));

  const struct {
    std::string url;
    std::string expected;
  } wrong[] = {
      {"redis://:hunter2@127.0.0.1:" + std::to_string(redis.port()), "AUTH failed: WRONGPASS"},
      {"redis://127.0.0.1:" + std::to_string(redis.port()), "failed: NOAUTH"},
  };
  for (const auto& w : wrong) {
    std::vector<std::string> attempts;
    auto opts = options_for_url(w.url);
    opts.hooks.attempt_failed = [&](std::string_view why) { attempts.emplace_back(why); };
    redis_connection c(l.ioc.get_executor(), opts);
    c.start();
    ASSERT_TRUE(l.run_until([&] { return attempts.size() >= 2; })) << "expected repeated failures";
    EXPECT_FALSE(c.up());
    EXPECT_NE(c.last_error().find(w.expected), std::string::npos) << c.last_error();
    EXPECT_EQ(c.last_error().find("hunter2"), std::string::npos) << c.last_error();
    EXPECT_EQ(attempts.front(), c.last_error());
  }
}

// Every callback exactly once: in flight (Redis stopped answering), waiting
// (not yet written), and those submitted from a callback during destruction.
TEST(RedisConnection, DestructionCompletesEveryCallbackExactlyOnce) {
  test::redis_server redis;
  loop l;
  auto opts = options_for(redis);
  opts.command_timeout = 30s;  // nothing may end by timeout here
  auto c = connect_up(l, opts);
  redis_connection* raw = c.get();  // unique_ptr::reset() nulls c before deleting
  std::map<int, std::vector<std::error_code>> calls;
  int extra = 0;
  redis.pause();
  for (int i = 0; i < 50; ++i) {
    c->command({"INCR", "n"}, [&, i](std::error_code ec, redis_reply) {
      calls[i].push_back(ec);
      if (i == 0) {  // submitting while the connection is being destroyed
        raw->command({"PING"}, [&](std::error_code e2, redis_reply) { calls[1000 + extra++].push_back(e2); });
      }
    });
  }
  ASSERT_TRUE(l.run_until([&] { return c->pending() == 50; }));
  EXPECT_TRUE(calls.empty());
  c.reset();
  EXPECT_EQ(calls.size(), 50u);  // synchronously, inside the destructor
  l.drain();
  ASSERT_EQ(calls.size(), 51u);
  for (const auto& [id, ecs] : calls) {
    ASSERT_EQ(ecs.size(), 1u) << "command " << id;
    EXPECT_EQ(ecs[0], redis_errc::shut_down) << "command " << id;
  }
  redis.resume();
}

// The owner may drop the connection from inside a reply callback, while
// hiredis is still walking its read buffer: the rest fail once, nothing is
// touched after it is gone (ASan watches this one).
TEST(RedisConnection, DestroyedFromInsideAReplyCallback) {
  test::redis_server redis;
  loop l;
  auto c = connect_up(l, options_for(redis));
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    c->command({"INCR", "n"}, [&, i](std::error_code ec, redis_reply r) {
      seen.push_back(std::to_string(i) + (ec ? ":" + ec.message() : ":" + describe(r)));
      if (i == 1) c.reset();
    });
  }
  ASSERT_TRUE(l.run_until([&] { return seen.size() == 5; }));
  l.drain();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0], "0:(integer) 1");
  EXPECT_EQ(seen[1], "1:(integer) 2");
  for (int i = 2; i < 5; ++i) EXPECT_EQ(seen[i], std::to_string(i) + ":Redis connection closed");
  EXPECT_TRUE(l.run_until([&] { return !redis.has_client_named("switchboard-test"); }));  // socket closed
}

}  // namespace
}  // namespace switchboard::cluster::testing

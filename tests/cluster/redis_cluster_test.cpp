// What only the Redis implementations have: the key layout other tools may
// read, the script cache, the cost of a message, and Redis dropping the bus's
// connections (a slow subscriber, CLIENT KILL).
#include "signaling/cluster/directory_scripts.hpp"
#include "signaling/cluster/redis_directory.hpp"
#include "tests/cluster/contract_env_redis.hpp"
#include "tests/cluster/redis_test_helpers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <future>
#include <sstream>
#include <thread>

namespace switchboard::cluster::contract {
namespace {

using core::directory_status;

// A field of a "cmdstat_<command>:calls=N,usec=..." line of INFO commandstats; 0 when absent.
long long command_calls(const test::redis_server& redis, const std::string& command) {
  std::istringstream lines(redis.command({"INFO", "commandstats"}).text);
  const std::string prefix = "cmdstat_" + command + ":calls=";
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) return std::stoll(line.substr(prefix.size()));
  return 0;
}

struct bus_node {
  std::unique_ptr<core::message_bus> bus;
  std::vector<std::string> received;
  std::vector<bool> states;
};

class RedisCluster : public ::testing::Test {
protected:
  void start(bus_node& n, const std::string& name, redis_bus_stats_hooks hooks = {}) {
    n.bus = env.bus(name, std::move(hooks));
    n.bus->on_message([&n](std::string_view p) { n.received.emplace_back(p); });
    n.bus->on_state([&n](bool up) { n.states.push_back(up); });
    n.bus->start();
    ASSERT_TRUE(env.run_until([&] { return n.bus->up(); }));
  }
  directory_status wait_status(const std::function<void(std::function<void(directory_status)>)>& op) {
    std::optional<directory_status> got;
    op([&](directory_status s) { got = s; });
    EXPECT_TRUE(env.run_until([&] { return got.has_value(); }));
    return got.value_or(directory_status::unavailable);
  }

  redis_env env;
};

TEST_F(RedisCluster, DirectoryKeepsTheDocumentedKeyLayout) {
  auto dir = env.directory();
  core::directory_entry e;
  e.id = "p1";
  e.node = "a";
  e.token_hash = "hash";
  e.identity = "alice";
  e.room = "r1";
  ASSERT_EQ(wait_status([&](auto done) { dir->claim(e, done); }), directory_status::ok);
  ASSERT_EQ(wait_status([&](auto done) { dir->heartbeat("a", 60s, done); }), directory_status::ok);

  auto hash = env.redis.command({"HGETALL", "switchboard:peer:p1"}).elements;
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < hash.size(); i += 2) fields[hash[i]] = hash[i + 1];
  EXPECT_EQ(fields, (std::map<std::string, std::string>{
                        {"node", "a"}, {"epoch", "1"}, {"token", "hash"}, {"identity", "alice"}, {"room", "r1"}}));
  EXPECT_EQ(env.redis.command({"SMEMBERS", "switchboard:node:a:peers"}).elements, std::vector<std::string>{"p1"});
  EXPECT_EQ(env.redis.command({"SMEMBERS", "switchboard:nodes"}).elements, std::vector<std::string>{"a"});
  const auto pttl = env.redis.command({"PTTL", "switchboard:node:a:alive"}).integer;
  EXPECT_GT(pttl, 50000);
  EXPECT_LE(pttl, 60000);
}

TEST_F(RedisCluster, ScriptsAreLoadedAgainAfterTheCacheIsFlushed) {
  auto dir = env.directory();
  core::directory_entry e;
  e.id = "p1";
  e.node = "a";
  ASSERT_EQ(wait_status([&](auto done) { dir->claim(e, done); }), directory_status::ok);
  ASSERT_EQ(env.redis.command({"SCRIPT", "FLUSH"}).text, "OK");
  ASSERT_EQ(env.redis.command({"CONFIG", "RESETSTAT"}).text, "OK");
  EXPECT_EQ(wait_status([&](auto done) { dir->claim(e, done); }), directory_status::conflict);  // NOSCRIPT, then EVAL
  // The cache was in doubt: every script is loaded ahead of the next EVALSHA.
  e.id = "p2";
  EXPECT_EQ(wait_status([&](auto done) { dir->claim(e, done); }), directory_status::ok);
  EXPECT_EQ(command_calls(env.redis, "script|load"), 9);
  e.id = "p3";
  EXPECT_EQ(wait_status([&](auto done) { dir->claim(e, done); }), directory_status::ok);
  EXPECT_EQ(command_calls(env.redis, "script|load"), 9);  // steady state: EVALSHA alone
  EXPECT_EQ(command_calls(env.redis, "eval"), 1);
  EXPECT_EQ(command_calls(env.redis, "evalsha"), 3);
  EXPECT_EQ(env.redis.command({"SCRIPT", "EXISTS", directory::claim_script().sha1}).elements,
            std::vector<std::string>{"1"});
}

TEST_F(RedisCluster, EachMessageCostsOnePublish) {
  bus_node a, b;
  int published = 0, received = 0;
  redis_bus_stats_hooks hooks;
  hooks.published = [&] { ++published; };
  start(a, "a", hooks);
  hooks = {};
  hooks.received = [&] { ++received; };
  start(b, "b", hooks);
  ASSERT_EQ(env.redis.command({"CONFIG", "RESETSTAT"}).text, "OK");
  const long long before = env.redis.info_number("stats", "total_commands_processed");
  constexpr int count = 200;
  for (int i = 0; i < count; ++i) ASSERT_TRUE(a.bus->send("b", std::to_string(i)));
  ASSERT_TRUE(env.run_until([&] { return b.received.size() == count && published == count; }));
  EXPECT_EQ(received, count);
  EXPECT_EQ(command_calls(env.redis, "publish"), count);
  // Everything else Redis saw meanwhile is the test's own INFO and the
  // connections' heartbeats, a handful, not one per message.
  const long long total = env.redis.info_number("stats", "total_commands_processed") - before;
  EXPECT_LT(total, count + 50);
}

TEST_F(RedisCluster, RefusedAndDroppedAreCounted) {
  bus_node a, b;
  int refused = 0, dropped = 0;
  redis_bus_stats_hooks hooks;
  hooks.refused = [&] { ++refused; };
  hooks.dropped = [&] { ++dropped; };
  env.limit_bus_queue(2);
  start(a, "a", hooks);
  start(b, "b");
  EXPECT_TRUE(a.bus->send("b", "1"));
  EXPECT_TRUE(a.bus->send("b", "2"));
  EXPECT_FALSE(a.bus->send("b", "3"));
  EXPECT_EQ(refused, 1);
  ASSERT_TRUE(env.run_until([&] { return b.received.size() == 2; }));
  EXPECT_EQ(dropped, 0);
  // Accepted while up, then Redis is gone before the PUBLISH is answered.
  EXPECT_TRUE(a.bus->send("b", "4"));
  env.redis.stop();
  ASSERT_TRUE(env.run_until([&] { return dropped == 1 && a.bus->queued() == 0; }));
}

// Redis closes a subscriber whose unread backlog passes
// client-output-buffer-limit pubsub; the bus comes back up by itself.
TEST_F(RedisCluster, BusRecoversAfterRedisDropsItsSlowSubscriber) {
  bus_node a, b;
  start(a, "a");
  start(b, "b");
  ASSERT_EQ(env.redis.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1kb 1kb 1"}).text, "OK");
  // The loop does not run while the admin client floods b: b is the slow reader.
  const std::string chunk(16 * 1024, 'z');
  int published = 0;
  while (env.redis.command({"PUBLISH", bus_channel(env.prefix, "b"), chunk}).integer == 1) {
    ASSERT_LT(++published, 8000) << "Redis never dropped the stalled subscriber";
  }
  EXPECT_FALSE(env.redis.has_client_named("b-sub"));
  ASSERT_EQ(env.redis.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"}).text, "OK");
  ASSERT_TRUE(env.run_until([&] { return b.states.size() >= 3 && b.bus->up(); }));
  EXPECT_EQ(b.states, (std::vector<bool>{true, false, true}));  // down, then up: resynchronise
  EXPECT_EQ(a.states, std::vector<bool>{true});
  b.received.clear();
  ASSERT_TRUE(a.bus->send("b", "after"));
  ASSERT_TRUE(env.run_until([&] { return !b.received.empty() && b.received.back() == "after"; }));
}

TEST_F(RedisCluster, BusRecoversWhenItsConnectionsAreKilled) {
  bus_node a, b;
  start(a, "a");
  start(b, "b");
  ASSERT_EQ(env.redis.kill_clients_named("b-sub"), 1);
  ASSERT_TRUE(env.run_until([&] { return b.states.size() == 3 && b.bus->up(); }));
  EXPECT_EQ(b.states, (std::vector<bool>{true, false, true}));
  ASSERT_EQ(env.redis.kill_clients_named("a-cmd"), 1);
  ASSERT_TRUE(env.run_until([&] { return a.states.size() == 3 && a.bus->up(); }));
  EXPECT_EQ(a.states, (std::vector<bool>{true, false, true}));
  ASSERT_TRUE(a.bus->send("b", "again"));
  ASSERT_TRUE(b.bus->send("a", "and back"));
  ASSERT_TRUE(env.run_until([&] { return b.received.size() == 1 && a.received.size() == 1; }));
  EXPECT_EQ(b.received, std::vector<std::string>{"again"});
  EXPECT_EQ(a.received, std::vector<std::string>{"and back"});
}

// Polls `done` (which reads atomics only) while other threads run the loop.
bool eventually(const std::function<bool()>& done) {
  const auto until = test::within(10s);
  while (!done() && test::clock::now() < until) std::this_thread::sleep_for(2ms);
  return done();
}

// The interfaces promise calls from any thread: here the directory, the bus
// and their connections live on a strand of a two-thread pool while other
// threads call them (the TSan build checks nothing escapes the strand).
TEST(RedisClusterThreads, CallsFromOtherThreadsArePostedOntoTheStrand) {
  namespace net = boost::asio;
  test::redis_server redis;
  net::io_context ioc;
  auto strand = net::make_strand(ioc);
  auto conn = std::make_unique<redis_connection>(strand, cluster::testing::options_for(redis, "t-cmd"));
  auto sub = std::make_unique<redis_subscriber>(strand, cluster::testing::options_for(redis, "t-sub"));
  redis_bus_options opts;
  opts.node = "a";
  auto bus = make_redis_bus(*conn, *sub, strand, opts);
  auto dir = make_redis_directory(*conn, "switchboard:", strand);
  std::atomic<int> received{0}, claimed{0}, in_order{1};
  std::atomic<int> next{0};  // touched on the strand only, atomic for the test thread's reads
  bus->on_message([&](std::string_view payload) {
    ++received;
    if (payload.front() == 'x' && std::stoi(std::string(payload.substr(1))) != next++) in_order = 0;
  });
  bus->on_state([](bool) {});
  conn->start();
  bus->start();

  auto work = net::make_work_guard(ioc);
  std::vector<std::thread> pool;
  for (int i = 0; i < 2; ++i) pool.emplace_back([&] { ioc.run(); });
  ASSERT_TRUE(eventually([&] { return bus->up(); }));

  constexpr int count = 500;
  std::thread other([&] {
    for (int i = 0; i < count; ++i) {
      core::directory_entry e;
      e.id = "p" + std::to_string(i);
      e.node = "a";
      dir->claim(e, [&](core::directory_status s) { claimed += s == core::directory_status::ok ? 1 : 0; });
      while (!bus->broadcast("y")) std::this_thread::yield();
    }
  });
  for (int i = 0; i < count; ++i) {
    while (!bus->send("a", "x" + std::to_string(i))) std::this_thread::yield();
  }
  other.join();
  EXPECT_TRUE(eventually([&] { return received.load() == 2 * count && claimed.load() == count; }))
      << received.load() << " received, " << claimed.load() << " claimed";
  EXPECT_EQ(in_order.load(), 1);  // one sending thread: its messages in order

  std::promise<void> gone;
  net::post(strand, [&] {
    bus.reset();
    dir.reset();
    sub.reset();
    conn.reset();
    gone.set_value();
  });
  gone.get_future().wait();
  work.reset();
  for (auto& t : pool) t.join();
}

}  // namespace
}  // namespace switchboard::cluster::contract

// The classes are single-strand by design; this runs them the way a
// multi-threaded server would (each on a strand of a pool with two threads)
// so the TSan build can check that nothing escapes the strand, through
// commands, a reconnect, pub/sub and destruction.
#include "signaling/cluster/redis_subscriber.hpp"
#include "tests/cluster/redis_test_helpers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace switchboard::cluster::testing {
namespace {

namespace net = boost::asio;

// Runs `fn` on `ex` and waits for it.
template <typename Executor, typename Fn>
auto on(const Executor& ex, Fn fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  net::post(ex, [&task] { task(); });
  return result.get();
}

// Polls `pred` (evaluated on `ex`) until it holds or the deadline passes.
template <typename Executor, typename Pred>
bool eventually(const Executor& ex, Pred pred) {
  const auto until = test::within(10s);
  while (test::clock::now() < until) {
    if (on(ex, pred)) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// Two threads running `ioc`; stopped and joined first when the test ends
// early, so whatever is left is destroyed with no thread running.
struct runner {
  net::io_context& ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  explicit runner(net::io_context& c) : ioc(c) {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  // After a clean finish: every handler of the closed objects has run.
  void finish() {
    work.reset();
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~runner() {
    if (threads.empty()) return;
    ioc.stop();
    finish();
  }
};

TEST(RedisThreads, ConnectionAndSubscriberOnStrandsOfAThreadPool) {
  test::redis_server redis;
  net::io_context ioc;
  std::vector<long long> replies;  // touched only on conn_strand
  std::atomic<int> messages{0};
  std::atomic<int> downs{0};
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<redis_subscriber> sub;
  runner threads(ioc);  // declared after all of them: joined before any is destroyed
  auto conn_strand = net::make_strand(ioc);
  auto sub_strand = net::make_strand(ioc);

  auto opts = options_for(redis, "threads-conn");
  opts.command_timeout = 5s;
  const auto count_downs = [&downs](bool up, const std::string&) { downs += up ? 0 : 1; };
  on(conn_strand, [&] {
    conn = std::make_unique<redis_connection>(conn_strand, opts);
    conn->on_state(count_downs);
    conn->start();
    return 0;
  });
  on(sub_strand, [&] {
    sub = std::make_unique<redis_subscriber>(sub_strand, options_for(redis, "threads-sub"));
    sub->on_message([&](std::string_view, std::string_view) { ++messages; });
    sub->on_state(count_downs);
    sub->subscribe("t");
    sub->start();
    return 0;
  });
  ASSERT_TRUE(eventually(conn_strand, [&] { return conn->up(); }));
  ASSERT_TRUE(eventually(sub_strand, [&] { return sub->up(); }));

  const auto incr_batch = [&] {
    for (int i = 0; i < 500; ++i) {
      conn->command({"INCR", "n"}, [&](std::error_code ec, redis_reply r) { replies.push_back(ec ? -1 : r.integer); });
      conn->command({"PUBLISH", "t", "m"}, [](std::error_code, redis_reply) {});
    }
    return 0;
  };
  on(conn_strand, incr_batch);
  ASSERT_TRUE(eventually(conn_strand, [&] { return replies.size() == 500; }));
  ASSERT_TRUE(eventually(sub_strand, [&] { return messages.load() == 500; }));
  ASSERT_EQ(redis.kill_clients_named("threads-conn") + redis.kill_clients_named("threads-sub"), 2);
  ASSERT_TRUE(eventually(conn_strand, [&] { return downs.load() == 2 && conn->up(); }));
  ASSERT_TRUE(eventually(sub_strand, [&] { return sub->up(); }));
  on(conn_strand, incr_batch);
  ASSERT_TRUE(eventually(conn_strand, [&] { return replies.size() == 1000; }));
  for (std::size_t i = 0; i < replies.size(); ++i) ASSERT_EQ(replies[i], static_cast<long long>(i) + 1);
  ASSERT_TRUE(eventually(sub_strand, [&] { return messages.load() == 1000; }));

  on(conn_strand, [&] { conn.reset(); return 0; });
  on(sub_strand, [&] { sub.reset(); return 0; });
  threads.finish();
}

}  // namespace
}  // namespace switchboard::cluster::testing

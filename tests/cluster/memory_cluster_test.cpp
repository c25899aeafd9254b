// What only memory_cluster has: its post function run by several threads
// (handlers of one object must still never overlap, and arrive in order),
// and a bound per receiving node shared by every sender.
#include "signaling/core/memory_cluster.hpp"
#include "tests/support/deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <thread>

namespace switchboard::core {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;

bool eventually(const std::function<bool()>& done) {
  const auto until = test::within(10s);
  while (!done() && test::clock::now() < until) std::this_thread::sleep_for(1ms);
  return done();
}

TEST(MemoryCluster, HandlersOfOneObjectNeverOverlapOnAThreadPool) {
  net::io_context ioc;
  auto work = net::make_work_guard(ioc);
  memory_cluster cluster([&](std::function<void()> fn) { net::post(ioc, std::move(fn)); });
  auto a = make_memory_bus(cluster, "a");
  auto b = make_memory_bus(cluster, "b");
  auto dir = make_memory_directory(cluster);
  std::atomic<bool> in_b{false}, overlap{false};
  std::atomic<int> received{0}, from_a{0}, out_of_order{0}, statuses{0};
  b->on_message([&](std::string_view payload) {
    if (in_b.exchange(true)) overlap = true;
    if (payload[0] == 'a' && std::stoi(std::string(payload.substr(1))) != from_a++) ++out_of_order;
    ++received;
    in_b = false;
  });
  b->on_state([](bool) {});
  a->on_state([](bool) {});
  a->start();
  b->start();
  std::vector<std::thread> pool;
  for (int i = 0; i < 2; ++i) pool.emplace_back([&] { ioc.run(); });

  constexpr int count = 2000;
  std::thread other([&] {
    for (int i = 0; i < count; ++i) {
      while (!b->send("b", "b")) std::this_thread::yield();
      directory_entry e;
      e.id = "p" + std::to_string(i);
      e.node = "b";
      dir->claim(e, [&](directory_status s) { statuses += s == directory_status::ok ? 1 : 0; });
    }
  });
  for (int i = 0; i < count; ++i) {
    while (!a->send("b", "a" + std::to_string(i))) std::this_thread::yield();
  }
  other.join();
  EXPECT_TRUE(eventually([&] { return received.load() == 2 * count && statuses.load() == count; }));
  EXPECT_FALSE(overlap.load());
  EXPECT_EQ(out_of_order.load(), 0);
  EXPECT_TRUE(eventually([&] { return a->queued() == 0 && b->queued() == 0; }));
  work.reset();
  for (auto& t : pool) t.join();
}

TEST(MemoryCluster, TheBoundIsPerReceivingNodeWhateverTheSender) {
  std::vector<std::function<void()>> queue;
  memory_cluster cluster([&](std::function<void()> fn) { queue.push_back(std::move(fn)); });
  cluster.set_bus_limit(3);
  auto a = make_memory_bus(cluster, "a");
  auto b = make_memory_bus(cluster, "b");
  auto c = make_memory_bus(cluster, "c");
  int got = 0;
  c->on_message([&](std::string_view) { ++got; });
  for (auto* bus : {a.get(), b.get(), c.get()}) bus->start();
  EXPECT_TRUE(a->send("c", "1"));
  EXPECT_TRUE(b->send("c", "2"));
  EXPECT_TRUE(a->send("c", "3"));
  EXPECT_FALSE(b->send("c", "4"));  // c has 3 undelivered
  EXPECT_TRUE(b->send("a", "to a"));  // a is not full
  EXPECT_EQ(a->queued(), 2u);
  EXPECT_EQ(b->queued(), 2u);
  while (!queue.empty()) {
    auto batch = std::move(queue);
    for (auto& fn : batch) fn();
  }
  EXPECT_EQ(got, 3);
  EXPECT_EQ(a->queued(), 0u);
  EXPECT_TRUE(b->send("c", "4"));
}

TEST(MemoryCluster, ABusDestroyedWithMessagesQueuedDropsThem) {
  std::vector<std::function<void()>> queue;
  memory_cluster cluster([&](std::function<void()> fn) { queue.push_back(std::move(fn)); });
  auto a = make_memory_bus(cluster, "a");
  auto b = make_memory_bus(cluster, "b");
  int got = 0;
  b->on_message([&](std::string_view) { ++got; });
  a->start();
  b->start();
  ASSERT_TRUE(a->send("b", "x"));
  b.reset();
  while (!queue.empty()) {
    auto batch = std::move(queue);
    for (auto& fn : batch) fn();
  }
  EXPECT_EQ(got, 0);
  EXPECT_EQ(a->queued(), 0u);
}

}  // namespace
}  // namespace switchboard::core

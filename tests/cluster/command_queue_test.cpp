#include "signaling/cluster/command_queue.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace switchboard::cluster {
namespace {

using namespace std::chrono_literals;
using tp = command_queue::time_point;

// Records what each command's callback saw, and how often it ran.
struct recorder {
  std::map<std::string, std::vector<std::string>> seen;
  redis_callback cb(const std::string& id) {
    return [this, id](std::error_code ec, redis_reply r) { seen[id].push_back(ec ? ec.message() : describe(r)); };
  }
  void run(std::vector<redis_callback> cbs, redis_errc why) {
    for (auto& cb : cbs) cb(make_error_code(why), {});
  }
};

const tp t0{};

TEST(CommandQueue, BoundsCountCommandsAndBytes) {
  command_queue q(2, 1000, 1s);
  const redis_argv small{"GET", "k"};
  EXPECT_TRUE(q.admits(command_queue::cost(small)));
  q.push(small, {}, t0);
  q.push(small, {}, t0);
  EXPECT_FALSE(q.admits(command_queue::cost(small)));  // count
  command_queue b(100, 350, 1s);
  const redis_argv big{"SET", "k", std::string(250, 'x')};  // counts 318 bytes, GET k 52
  EXPECT_TRUE(b.admits(command_queue::cost(big)));
  b.push(big, {}, t0);
  EXPECT_FALSE(b.admits(command_queue::cost(small)));  // bytes
  b.mark_sent(t0);
  ASSERT_TRUE(b.pop_reply());
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_TRUE(b.admits(command_queue::cost(big)));
}

TEST(CommandQueue, RepliesGoToTheOldestInFlightCommand) {
  command_queue q(10, 1 << 20, 1s);
  recorder rec;
  q.push({"INCR", "a"}, rec.cb("a"), t0);
  q.push({"INCR", "b"}, rec.cb("b"), t0);
  ASSERT_NE(q.front_waiting(), nullptr);
  EXPECT_EQ(q.front_waiting()->at(1), "a");
  q.mark_sent(t0);
  q.mark_sent(t0 + 1ms);
  EXPECT_EQ(q.front_waiting(), nullptr);
  auto first = q.pop_reply();
  ASSERT_TRUE(first);
  first->cb({}, redis_reply::make_integer(1));
  auto second = q.pop_reply();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->sent_at, t0 + 1ms);
  second->cb({}, redis_reply::make_integer(2));
  EXPECT_FALSE(q.pop_reply());  // a stray reply: the caller drops the connection
  EXPECT_EQ(rec.seen["a"], std::vector<std::string>{"(integer) 1"});
  EXPECT_EQ(rec.seen["b"], std::vector<std::string>{"(integer) 2"});
}

TEST(CommandQueue, WaitingCommandsTimeOutWithoutBreakingTheConnection) {
  command_queue q(10, 1 << 20, 1s);
  recorder rec;
  q.push({"GET", "a"}, rec.cb("a"), t0);
  q.push({"GET", "b"}, rec.cb("b"), t0 + 500ms);
  EXPECT_EQ(q.next_deadline(), t0 + 1s);
  auto e = q.expire(t0 + 1s);
  EXPECT_FALSE(e.connection_stuck);
  ASSERT_EQ(e.timed_out.size(), 1u);
  rec.run(std::move(e.timed_out), redis_errc::timeout);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.next_deadline(), t0 + 1500ms);
  EXPECT_EQ(rec.seen["a"].size(), 1u);
}

// A caller's timeout fires at its deadline; its reply, when it comes, goes
// nowhere. The connection is stuck only after a full timeout on the wire.
TEST(CommandQueue, InFlightTimeoutsLeaveGhostsThatKeepRepliesInStep) {
  command_queue q(10, 1 << 20, 1s);
  recorder rec;
  q.push({"GET", "a"}, rec.cb("a"), t0);             // waited 800 ms for the connection
  q.push({"GET", "b"}, rec.cb("b"), t0 + 700ms);
  q.mark_sent(t0 + 800ms);
  q.mark_sent(t0 + 800ms);
  EXPECT_EQ(q.next_deadline(), t0 + 1s);
  auto e = q.expire(t0 + 1s);
  EXPECT_FALSE(e.connection_stuck);  // only 200 ms on the wire
  rec.run(std::move(e.timed_out), redis_errc::timeout);
  EXPECT_EQ(rec.seen["a"], std::vector<std::string>{"Redis command timed out"});
  EXPECT_EQ(q.next_deadline(), t0 + 1700ms);  // b's caller deadline
  auto ghost = q.pop_reply();                 // a's late reply
  ASSERT_TRUE(ghost);
  EXPECT_FALSE(ghost->cb);
  auto b = q.pop_reply();
  ASSERT_TRUE(b);
  b->cb({}, redis_reply::make_string("v"));
  EXPECT_EQ(rec.seen["b"], std::vector<std::string>{"\"v\""});
  EXPECT_EQ(rec.seen["a"].size(), 1u);
}

TEST(CommandQueue, AFullTimeoutOnTheWireMeansTheConnectionIsStuck) {
  command_queue q(10, 1 << 20, 1s);
  recorder rec;
  q.push({"GET", "a"}, rec.cb("a"), t0);
  q.mark_sent(t0);
  auto e = q.expire(t0 + 999ms);
  EXPECT_TRUE(e.timed_out.empty());
  EXPECT_FALSE(e.connection_stuck);
  e = q.expire(t0 + 1s);
  EXPECT_TRUE(e.connection_stuck);
  EXPECT_EQ(e.timed_out.size(), 1u);
  e = q.expire(t0 + 2s);  // the ghost: still stuck, no second timeout
  EXPECT_TRUE(e.connection_stuck);
  EXPECT_TRUE(e.timed_out.empty());
  EXPECT_TRUE(q.take_in_flight().empty());  // nothing left to fail
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(CommandQueue, LossFailsInFlightOnlyAndCloseFailsEverythingOnce) {
  command_queue q(10, 1 << 20, 1s);
  recorder rec;
  q.push({"SET", "a", "1"}, rec.cb("a"), t0);
  q.mark_sent(t0);
  q.push({"SET", "b", "1"}, rec.cb("b"), t0);
  rec.run(q.take_in_flight(), redis_errc::disconnected);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.in_flight(), 0u);
  rec.run(q.take_all(), redis_errc::shut_down);
  rec.run(q.take_all(), redis_errc::shut_down);
  EXPECT_EQ(rec.seen["a"].size(), 1u);
  EXPECT_EQ(rec.seen["b"].size(), 1u);
  EXPECT_NE(rec.seen["a"][0].find("lost"), std::string::npos);
  EXPECT_EQ(rec.seen["b"][0], "Redis connection closed");
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_FALSE(q.next_deadline());
}

}  // namespace
}  // namespace switchboard::cluster

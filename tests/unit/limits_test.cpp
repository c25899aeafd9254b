#include "signaling/core/connection_limiter.hpp"
#include "signaling/core/send_queue.hpp"
#include "signaling/core/token_bucket.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchboard::core {
namespace {

using namespace std::chrono_literals;
using clock_t_ = token_bucket::clock;

// ------------------------------------------------------------ token_bucket

struct take { std::chrono::milliseconds at; bool granted; };

struct bucket_case {
  const char* name;
  double rate;
  double burst;
  std::vector<take> takes;
};

class TokenBucket : public ::testing::TestWithParam<bucket_case> {};

TEST_P(TokenBucket, RefillsAtRateUpToBurst) {
  const auto& c = GetParam();
  const clock_t_::time_point t0{};
  token_bucket b(c.rate, c.burst, t0);
  for (std::size_t i = 0; i < c.takes.size(); ++i) {
    EXPECT_EQ(b.try_take(t0 + c.takes[i].at), c.takes[i].granted) << "take #" << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TokenBucket,
    ::testing::Values(
        // Starts full: burst tokens at once, then empty.
        bucket_case{"burst_then_empty", 1, 3, {{0ms, true}, {0ms, true}, {0ms, true}, {0ms, false}}},
        // 2/s: one token every 500 ms.
        bucket_case{"refill_rate", 2, 1, {{0ms, true}, {499ms, false}, {500ms, true}, {900ms, false}, {1000ms, true}}},
        // A long pause refills to burst, never beyond.
        bucket_case{"capped_at_burst", 10, 2, {{0ms, true}, {0ms, true}, {10000ms, true}, {10000ms, true}, {10000ms, false}}},
        // Fractions accumulate across calls.
        bucket_case{"fractional", 4, 1, {{0ms, true}, {100ms, false}, {200ms, false}, {250ms, true}}},
        // A time point older than the last one refills nothing.
        bucket_case{"stale_time", 1, 1, {{1000ms, true}, {500ms, false}, {1999ms, false}, {2000ms, true}}},
        bucket_case{"zero_burst", 100, 0, {{0ms, false}, {5000ms, false}}}),
    [](const ::testing::TestParamInfo<bucket_case>& row) { return std::string(row.param.name); });

// ------------------------------------------------------------ send_queue

struct queue_case {
  const char* name;
  std::size_t max_messages;
  std::size_t max_bytes;
  std::vector<std::size_t> sizes;     // pushed in order
  std::vector<bool> accepted;
};

class SendQueue : public ::testing::TestWithParam<queue_case> {};

TEST_P(SendQueue, RefusesPastEitherBound) {
  const auto& c = GetParam();
  send_queue q(c.max_messages, c.max_bytes);
  std::size_t bytes = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < c.sizes.size(); ++i) {
    EXPECT_EQ(q.push(make_reply(std::string(c.sizes[i], 'x'))), c.accepted[i]) << "push #" << i;
    if (c.accepted[i]) {
      bytes += c.sizes[i];
      ++count;
    }
    EXPECT_EQ(q.bytes(), bytes);
    EXPECT_EQ(q.size(), count);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SendQueue,
    ::testing::Values(queue_case{"count_bound", 2, 1000, {1, 1, 1}, {true, true, false}},
                      queue_case{"byte_bound", 10, 10, {4, 4, 3, 2}, {true, true, false, true}},
                      queue_case{"exactly_full", 10, 8, {4, 4, 1}, {true, true, false}},
                      queue_case{"single_too_big", 10, 5, {6, 5}, {false, true}}),
    [](const ::testing::TestParamInfo<queue_case>& row) { return std::string(row.param.name); });

TEST(SendQueue, PopAndClearFreeRoom) {
  send_queue q(2, 10);
  ASSERT_TRUE(q.push(make_reply("aaaa")));
  ASSERT_TRUE(q.push(make_reply("bbbbbb")));
  EXPECT_FALSE(q.push(make_reply("c")));
  EXPECT_EQ(q.front()->text, "aaaa");
  q.pop();
  EXPECT_EQ(q.bytes(), 6u);
  EXPECT_EQ(q.front()->text, "bbbbbb");
  EXPECT_TRUE(q.push(make_reply("cccc")));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.push(make_reply("0123456789")));
}

// ------------------------------------------------------------ connection_limiter

using verdict = connection_limiter::verdict;

TEST(ConnectionLimiter, PerIpBound) {
  connection_limiter l(10, 2);
  EXPECT_EQ(l.try_acquire("1.1.1.1"), verdict::ok);
  EXPECT_EQ(l.try_acquire("1.1.1.1"), verdict::ok);
  EXPECT_EQ(l.try_acquire("1.1.1.1"), verdict::max_per_ip);
  EXPECT_EQ(l.try_acquire("2.2.2.2"), verdict::ok);
  EXPECT_EQ(l.total(), 3u);
  l.release("1.1.1.1");
  EXPECT_EQ(l.try_acquire("1.1.1.1"), verdict::ok);
}

TEST(ConnectionLimiter, GlobalBound) {
  connection_limiter l(2, 5);
  EXPECT_EQ(l.try_acquire("a"), verdict::ok);
  EXPECT_EQ(l.try_acquire("b"), verdict::ok);
  EXPECT_EQ(l.try_acquire("c"), verdict::max_connections);
  EXPECT_EQ(l.total(), 2u);
  l.release("a");
  EXPECT_EQ(l.total(), 1u);
  EXPECT_EQ(l.try_acquire("c"), verdict::ok);
}

TEST(ConnectionLimiter, ReleaseOfUnknownIpChangesNothing) {
  connection_limiter l(2, 1);
  EXPECT_EQ(l.try_acquire("a"), verdict::ok);
  l.release("never-seen");
  EXPECT_EQ(l.total(), 1u);
  l.release("a");
  l.release("a");  // double release must not underflow
  EXPECT_EQ(l.total(), 0u);
  EXPECT_EQ(l.try_acquire("a"), verdict::ok);
  EXPECT_EQ(l.try_acquire("a"), verdict::max_per_ip);
}

}  // namespace
}  // namespace switchboard::core

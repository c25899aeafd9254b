// redis_subscriber against a real redis-server: delivery, re-subscription
// after a restart, the heartbeat, CLIENT KILL and a slow-subscriber kill.
#include "signaling/cluster/redis_subscriber.hpp"
#include "tests/cluster/redis_test_helpers.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <utility>

namespace switchboard::cluster::testing {
namespace {

using message = std::pair<std::string, std::string>;

struct sub_fixture {
  test::redis_server redis;
  loop l;
  state_log log;
  std::vector<message> messages;
  std::unique_ptr<redis_subscriber> sub;

  sub_fixture() {
    sub = std::make_unique<redis_subscriber>(l.ioc.get_executor(), options_for(redis, "switchboard-sub"));
    sub->on_message([this](std::string_view ch, std::string_view payload) { messages.emplace_back(ch, payload); });
    sub->on_state(log.handler());
  }
  long long publish(const std::string& channel, const std::string& payload) {
    return redis.command({"PUBLISH", channel, payload}).integer;
  }
  bool wait_up() { return l.run_until([&] { return sub->up(); }); }
  bool wait_down() { return l.run_until([&] { return !log.states.empty() && !log.states.back(); }); }
  bool wait_messages(std::size_t n) { return l.run_until([&] { return messages.size() >= n; }); }
  // Redis' own count of subscribers to `channel`, polled while our loop runs.
  bool wait_numsub(const std::string& channel, const std::string& count) {
    return l.run_until([&] { return redis.command({"PUBSUB", "NUMSUB", channel}).elements.at(1) == count; });
  }
};

TEST(RedisSubscriber, ReceivesChannelAndPatternMessagesUntilUnsubscribed) {
  sub_fixture f;
  f.sub->subscribe("a");
  f.sub->psubscribe("room:*");
  f.sub->start();
  ASSERT_TRUE(f.wait_up()) << f.sub->last_error();
  const std::string binary("\0\xff\r\n", 4);
  EXPECT_EQ(f.publish("a", "1"), 1);
  EXPECT_EQ(f.publish("room:7", binary), 1);
  EXPECT_EQ(f.publish("other", "x"), 0);
  ASSERT_TRUE(f.wait_messages(2));
  EXPECT_EQ(f.messages, (std::vector<message>{{"a", "1"}, {"room:7", binary}}));

  f.sub->unsubscribe("a");
  f.sub->subscribe("b");
  ASSERT_TRUE(f.wait_numsub("b", "1"));
  EXPECT_TRUE(f.wait_numsub("a", "0"));
  f.publish("a", "after unsubscribe");
  EXPECT_EQ(f.publish("b", "2"), 1);
  ASSERT_TRUE(f.wait_messages(3));
  EXPECT_EQ(f.messages.back(), (message{"b", "2"}));
  EXPECT_EQ(f.messages.size(), 3u);
  EXPECT_EQ(f.log.states, std::vector<bool>{true});
}

TEST(RedisSubscriber, SubscribesEverythingAgainAfterARestart) {
  sub_fixture f;
  for (int i = 0; i < 600; ++i) f.sub->subscribe("ch:" + std::to_string(i));  // more than one batch
  f.sub->psubscribe("p:*");
  f.sub->start();
  ASSERT_TRUE(f.wait_up());
  f.redis.stop();
  ASSERT_TRUE(f.wait_down());
  f.redis.start();
  ASSERT_TRUE(f.wait_up()) << f.sub->last_error();
  EXPECT_EQ(f.publish("ch:599", "x"), 1);
  EXPECT_EQ(f.publish("p:1", "y"), 1);
  ASSERT_TRUE(f.wait_messages(2));
  EXPECT_EQ(f.messages, (std::vector<message>{{"ch:599", "x"}, {"p:1", "y"}}));
  EXPECT_EQ(f.log.states, (std::vector<bool>{true, false, true}));
}

TEST(RedisSubscriber, HeartbeatNoticesAStoppedRedis) {
  sub_fixture f;
  f.sub->subscribe("a");
  f.sub->start();
  ASSERT_TRUE(f.wait_up());
  f.redis.pause();
  ASSERT_TRUE(f.wait_down());
  EXPECT_NE(f.log.reasons.back().find("heartbeat"), std::string::npos) << f.log.reasons.back();
  f.redis.resume();
  ASSERT_TRUE(f.wait_up()) << f.sub->last_error();
  EXPECT_EQ(f.publish("a", "back"), 1);
  ASSERT_TRUE(f.wait_messages(1));
}

TEST(RedisSubscriber, ClientKillIsRecovered) {
  sub_fixture f;
  f.sub->subscribe("a");
  f.sub->start();
  ASSERT_TRUE(f.wait_up());
  ASSERT_EQ(f.redis.kill_clients_named("switchboard-sub"), 1);
  ASSERT_TRUE(f.l.run_until([&] { return f.log.downs() == 1 && f.sub->up(); })) << f.sub->last_error();
  EXPECT_EQ(f.publish("a", "again"), 1);
  ASSERT_TRUE(f.wait_messages(1));
}

// Redis closes a subscriber whose output buffer passes
// client-output-buffer-limit pubsub. The test is the slow reader: it does not
// run the subscriber's event loop while it publishes.
TEST(RedisSubscriber, RecoversAfterRedisDropsItAsASlowSubscriber) {
  sub_fixture f;
  f.sub->subscribe("flood");
  f.sub->subscribe("after");
  f.sub->start();
  ASSERT_TRUE(f.wait_up());
  ASSERT_EQ(f.redis.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 65536 32768 1"}).text, "OK");
  // Each message is below the limit: only the unread backlog (socket buffers
  // full, then Redis' output buffer) can pass it.
  const std::string chunk(16 * 1024, 'z');
  int published = 0;
  while (f.publish("flood", chunk) == 1) {
    ASSERT_LT(++published, 8000) << "Redis never dropped the stalled subscriber";
  }
  EXPECT_GT(published, 4);
  EXPECT_FALSE(f.redis.has_client_named("switchboard-sub"));
  ASSERT_TRUE(f.l.run_until([&] { return f.log.downs() == 1 && f.sub->up(); })) << f.sub->last_error();
  EXPECT_LE(f.messages.size(), static_cast<std::size_t>(published));  // some were lost: at most once
  f.messages.clear();
  EXPECT_EQ(f.publish("after", "small"), 1);
  ASSERT_TRUE(f.wait_messages(1));
  EXPECT_EQ(f.messages.back(), (message{"after", "small"}));
  EXPECT_EQ(f.log.states, (std::vector<bool>{true, false, true}));
}

TEST(RedisSubscriber, CloseEndsDeliveryAndStateReports) {
  sub_fixture f;
  f.sub->subscribe("a");
  f.sub->start();
  ASSERT_TRUE(f.wait_up());
  f.sub->close();
  EXPECT_FALSE(f.sub->up());
  ASSERT_TRUE(f.wait_numsub("a", "0"));  // the connection is gone from Redis' side too
  f.publish("a", "nobody");
  f.sub.reset();
  f.l.drain();
  EXPECT_TRUE(f.messages.empty());
  EXPECT_EQ(f.log.states, std::vector<bool>{true});
}

TEST(RedisSubscriber, DestroyedFromInsideItsMessageHandler) {
  sub_fixture f;
  f.sub->subscribe("a");
  f.sub->on_message([&](std::string_view ch, std::string_view payload) {
    f.messages.emplace_back(ch, payload);
    f.sub.reset();
  });
  f.sub->start();
  ASSERT_TRUE(f.wait_up());
  // Three messages in one read: the first handler destroys the subscriber.
  f.redis.command({"EVAL", "for i = 1, 3 do redis.call('PUBLISH', 'a', i) end", "0"});
  ASSERT_TRUE(f.wait_messages(1));
  f.l.drain();
  EXPECT_EQ(f.messages, (std::vector<message>{{"a", "1"}}));
  EXPECT_EQ(f.log.states, std::vector<bool>{true});
}

}  // namespace
}  // namespace switchboard::cluster::testing

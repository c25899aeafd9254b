// core::message_bus's contract (core/cluster.hpp), run on every
// implementation the binary lists (contract_env.hpp).
#include "tests/cluster/contract_env.hpp"

#include <algorithm>
#include <memory>

namespace switchboard::cluster::contract {
namespace {

// A bus and what it reported.
struct node {
  std::unique_ptr<core::message_bus> bus;
  std::vector<std::string> received;
  std::vector<bool> states;
  bool inside = false;  // set by a test around a call: no handler may run then
  int inline_calls = 0;
};

class BusContract : public ::testing::TestWithParam<env_kind> {
protected:
  void SetUp() override { env_ = GetParam().make(); }
  void TearDown() override { nodes_.clear(); }

  // Made, handlers set, started, and up.
  node& add(const std::string& name, bool wait_up = true) {
    auto n = std::make_unique<node>();
    n->bus = env_->bus(name);
    auto* raw = n.get();
    n->bus->on_message([raw](std::string_view payload) {
      raw->inline_calls += raw->inside ? 1 : 0;
      raw->received.emplace_back(payload);
    });
    n->bus->on_state([raw](bool up) {
      raw->inline_calls += raw->inside ? 1 : 0;
      raw->states.push_back(up);
    });
    EXPECT_FALSE(n->bus->up());
    n->inside = true;
    n->bus->start();
    n->inside = false;
    if (wait_up) {
      EXPECT_TRUE(env_->run_until([raw] { return raw->bus->up() && !raw->states.empty(); }));
    }
    nodes_.push_back(std::move(n));
    return *raw;
  }

  bool wait_received(node& n, std::size_t count) {
    return env_->run_until([&] { return n.received.size() >= count; });
  }

  std::unique_ptr<env> env_;
  std::vector<std::unique_ptr<node>> nodes_;
};

TEST_P(BusContract, StartReportsUpOnce) {
  auto& a = add("a");
  EXPECT_TRUE(a.bus->up());
  EXPECT_EQ(a.states, std::vector<bool>{true});
  EXPECT_EQ(a.bus->queued(), 0u);
  EXPECT_EQ(a.inline_calls, 0);
}

TEST_P(BusContract, SendReachesTheNodeInOrder) {
  auto& a = add("a");
  auto& b = add("b");
  auto& c = add("c");
  constexpr int count = 1000;
  for (int i = 0; i < count; ++i) ASSERT_TRUE(a.bus->send("b", "m" + std::to_string(i)));
  ASSERT_TRUE(wait_received(b, count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(b.received[i], "m" + std::to_string(i));
  EXPECT_TRUE(env_->run_until([&] { return a.bus->queued() == 0; }));
  // Only b got them.
  ASSERT_TRUE(a.bus->send("c", "marker"));
  ASSERT_TRUE(wait_received(c, 1));
  EXPECT_EQ(c.received, std::vector<std::string>{"marker"});
  EXPECT_TRUE(a.received.empty());
  EXPECT_EQ(b.received.size(), static_cast<std::size_t>(count));
}

TEST_P(BusContract, SendToItselfArrives) {
  auto& a = add("a");
  ASSERT_TRUE(a.bus->send("a", "self"));
  ASSERT_TRUE(wait_received(a, 1));
  EXPECT_EQ(a.received, std::vector<std::string>{"self"});
}

TEST_P(BusContract, BroadcastReachesEveryNodeIncludingTheSender) {
  auto& a = add("a");
  auto& b = add("b");
  auto& c = add("c");
  const std::string binary("x\0y\r\n", 5);
  ASSERT_TRUE(b.bus->broadcast(binary));
  for (auto* n : {&a, &b, &c}) {
    ASSERT_TRUE(wait_received(*n, 1));
    EXPECT_EQ(n->received, std::vector<std::string>{binary});
  }
}

TEST_P(BusContract, MessagesToUnknownOrClosedNodesAreDropped) {
  auto& a = add("a");
  auto& b = add("b");
  auto& c = add("c");
  EXPECT_TRUE(a.bus->send("nobody", "lost"));  // queued, then heard by nobody
  b.bus->close();
  EXPECT_FALSE(b.bus->up());
  EXPECT_FALSE(b.bus->send("a", "from a closed bus"));
  EXPECT_TRUE(a.bus->send("b", "to a closed bus"));
  ASSERT_TRUE(a.bus->broadcast("all"));
  ASSERT_TRUE(a.bus->send("c", "marker"));
  ASSERT_TRUE(wait_received(c, 2));
  EXPECT_EQ(c.received, (std::vector<std::string>{"all", "marker"}));
  ASSERT_TRUE(wait_received(a, 1));
  EXPECT_EQ(a.received, std::vector<std::string>{"all"});
  EXPECT_TRUE(b.received.empty());
  EXPECT_EQ(b.states, std::vector<bool>{true});  // closing is not reported
}

TEST_P(BusContract, HandlersNeverRunInsideTheCall) {
  auto& a = add("a");
  auto& b = add("b");
  a.inside = b.inside = true;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(a.bus->send("a", "x"));
    ASSERT_TRUE(a.bus->send("b", "y"));
    ASSERT_TRUE(b.bus->broadcast("z"));
  }
  a.inside = b.inside = false;
  ASSERT_TRUE(wait_received(a, 20));
  ASSERT_TRUE(wait_received(b, 20));
  // From a handler of the loop too (where a Redis call pays no hop).
  env_->run_on_loop([&] {
    a.inside = b.inside = true;
    EXPECT_TRUE(a.bus->send("b", "from the loop"));
    EXPECT_TRUE(b.bus->broadcast("broadcast from the loop"));
    a.inside = b.inside = false;
  });
  ASSERT_TRUE(wait_received(b, 22));
  ASSERT_TRUE(wait_received(a, 21));
  EXPECT_EQ(a.inline_calls, 0);
  EXPECT_EQ(b.inline_calls, 0);
}

TEST_P(BusContract, AnOutageTakesEveryBusDownAndRecoveryBringsDeliveryBack) {
  auto& a = add("a");
  auto& b = add("b");
  env_->outage(true);
  ASSERT_TRUE(env_->run_until([&] { return a.states.size() == 2 && b.states.size() == 2; }));
  EXPECT_EQ(a.states, (std::vector<bool>{true, false}));
  EXPECT_EQ(b.states, (std::vector<bool>{true, false}));
  EXPECT_FALSE(a.bus->up());
  EXPECT_FALSE(a.bus->send("b", "during"));
  EXPECT_FALSE(a.bus->broadcast("during"));

  env_->outage(false);
  ASSERT_TRUE(env_->run_until([&] { return a.bus->up() && b.bus->up(); }));
  ASSERT_TRUE(env_->run_until([&] { return a.states.size() == 3 && b.states.size() == 3; }));
  EXPECT_EQ(a.states, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(b.states, (std::vector<bool>{true, false, true}));
  ASSERT_TRUE(a.bus->send("b", "after"));
  ASSERT_TRUE(a.bus->broadcast("all after"));
  ASSERT_TRUE(wait_received(b, 2));
  EXPECT_EQ(b.received, (std::vector<std::string>{"after", "all after"}));
  ASSERT_TRUE(wait_received(a, 1));
  EXPECT_EQ(a.received, std::vector<std::string>{"all after"});
}

TEST_P(BusContract, SendRefusesAtTheBound) {
  constexpr std::size_t limit = 8;
  env_->limit_bus_queue(limit);
  auto& a = add("a");
  auto& b = add("b");
  // The loop does not run while it sends: nothing is delivered meanwhile.
  for (std::size_t i = 0; i < limit; ++i) ASSERT_TRUE(a.bus->send("b", std::to_string(i))) << i;
  EXPECT_EQ(a.bus->queued(), limit);
  EXPECT_FALSE(a.bus->send("b", "over"));
  EXPECT_FALSE(a.bus->broadcast("over"));
  EXPECT_TRUE(a.bus->up());  // full is not down
  ASSERT_TRUE(wait_received(b, limit));
  ASSERT_TRUE(env_->run_until([&] { return a.bus->queued() == 0; }));
  EXPECT_TRUE(a.bus->send("b", "room again"));
  ASSERT_TRUE(wait_received(b, limit + 1));
  EXPECT_EQ(b.received.back(), "room again");
  EXPECT_EQ(std::count(b.received.begin(), b.received.end(), "over"), 0);
}

TEST_P(BusContract, ASendNobodyReceivedIsReportedWithItsPayload) {
  // Set before start, like the other handlers.
  auto n = std::make_unique<node>();
  n->bus = env_->bus("a");
  std::vector<std::pair<std::string, std::string>> unreceived;
  n->bus->on_message([](std::string_view) {});
  n->bus->on_state([](bool) {});
  n->bus->on_unreceived([&](std::string_view to, std::string_view payload) {
    unreceived.emplace_back(to, payload);
  });
  n->bus->start();
  auto* a = n.get();
  nodes_.push_back(std::move(n));
  ASSERT_TRUE(env_->run_until([a] { return a->bus->up(); }));
  auto& b = add("b");
  ASSERT_TRUE(a->bus->send("b", "heard"));
  ASSERT_TRUE(a->bus->send("gone", "lost-1"));
  ASSERT_TRUE(a->bus->send("gone", "lost-2"));
  ASSERT_TRUE(a->bus->broadcast("everyone"));
  ASSERT_TRUE(env_->run_until([&] { return unreceived.size() >= 2 && b.received.size() >= 2; }));
  EXPECT_EQ(unreceived, (std::vector<std::pair<std::string, std::string>>{{"gone", "lost-1"}, {"gone", "lost-2"}}));
  EXPECT_EQ(b.received, (std::vector<std::string>{"heard", "everyone"}));
}

INSTANTIATE_TEST_SUITE_P(, BusContract, ::testing::ValuesIn(env_kinds()), env_name);

}  // namespace
}  // namespace switchboard::cluster::contract

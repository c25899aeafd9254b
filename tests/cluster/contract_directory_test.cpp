// core::peer_directory's contract (core/cluster.hpp), run on every
// implementation the binary lists (contract_env.hpp).
#include "tests/cluster/contract_env.hpp"

#include <algorithm>
#include <memory>
#include <tuple>
#include <type_traits>

namespace switchboard::core {
// For the test's comparisons and messages (found by ADL).
bool operator==(const node_state& a, const node_state& b) { return a.node == b.node && a.alive == b.alive; }
void PrintTo(const node_state& n, std::ostream* os) { *os << n.node << (n.alive ? " (alive)" : " (dead)"); }
}  // namespace switchboard::core

namespace switchboard::cluster::contract {
namespace {

using core::directory_entry;
using core::directory_status;
using core::node_state;
using entries = std::vector<directory_entry>;

directory_entry entry(std::string id, std::string node, std::string token = "t1",
                      std::optional<std::string> room = std::nullopt) {
  directory_entry e;
  e.id = std::move(id);
  e.node = std::move(node);
  e.token_hash = std::move(token);
  e.identity = "user-" + e.id;
  e.room = std::move(room);
  return e;
}

class DirectoryContract : public ::testing::TestWithParam<env_kind> {
protected:
  void SetUp() override {
    env_ = GetParam().make();
    dir_ = env_->directory();
  }
  void TearDown() override { dir_.reset(); }

  // Starts an operation and waits for its one completion; the values it got.
  template <class... A>
  std::tuple<A...> wait_for(std::type_identity_t<std::function<void(std::function<void(A...)>)>> start) {
    struct outcome {
      int calls = 0;
      std::tuple<A...> values;
    };
    auto out = std::make_shared<outcome>();
    start([out](A... a) {
      if (++out->calls > 1) ADD_FAILURE() << "a handler ran twice";
      out->values = std::make_tuple(std::move(a)...);
    });
    EXPECT_TRUE(env_->run_until([&] { return out->calls > 0; })) << "no completion";
    return out->values;
  }

  directory_status claim(const directory_entry& e) {
    return std::get<0>(wait_for<directory_status>([&](auto done) { dir_->claim(e, done); }));
  }
  std::tuple<directory_status, directory_entry> lookup(const std::string& id) {
    return wait_for<directory_status, directory_entry>([&](auto done) { dir_->lookup(id, done); });
  }
  std::tuple<directory_status, directory_entry, std::string> take_over(const std::string& id, const std::string& node,
                                                                        const std::string& token,
                                                                        const std::string& new_token) {
    return wait_for<directory_status, directory_entry, std::string>(
        [&](auto done) { dir_->take_over(id, node, token, new_token, done); });
  }
  directory_status update_token(const std::string& id, const std::string& node, std::uint64_t epoch,
                                const std::string& token) {
    return std::get<0>(
        wait_for<directory_status>([&](auto done) { dir_->update_token(id, node, epoch, token, done); }));
  }
  directory_status release(const std::string& id, const std::string& node, std::uint64_t epoch) {
    return std::get<0>(wait_for<directory_status>([&](auto done) { dir_->release(id, node, epoch, done); }));
  }
  directory_status reassert(const directory_entry& e) {
    return std::get<0>(wait_for<directory_status>([&](auto done) { dir_->reassert(e, done); }));
  }
  directory_status heartbeat(const std::string& node, std::chrono::milliseconds ttl) {
    return std::get<0>(wait_for<directory_status>([&](auto done) { dir_->heartbeat(node, ttl, done); }));
  }
  std::tuple<directory_status, std::vector<node_state>> nodes() {
    return wait_for<directory_status, std::vector<node_state>>([&](auto done) { dir_->nodes(done); });
  }
  std::tuple<directory_status, entries> adopt(const std::string& dead, const std::string& by) {
    return wait_for<directory_status, entries>([&](auto done) { dir_->adopt(dead, by, done); });
  }
  directory_status remove_node(const std::string& node) {
    return std::get<0>(wait_for<directory_status>([&](auto done) { dir_->remove_node(node, done); }));
  }
  // Polls nodes() until `node` is listed dead.
  bool wait_dead(const std::string& node) {
    return env_->run_until([&] {
      auto [status, list] = nodes();
      for (const auto& n : list)
        if (n.node == node) return status == directory_status::ok && !n.alive;
      return false;
    });
  }

  std::unique_ptr<env> env_;
  std::unique_ptr<core::peer_directory> dir_;
};

TEST_P(DirectoryContract, ClaimThenConflict) {
  EXPECT_EQ(claim(entry("p1", "a")), directory_status::ok);
  EXPECT_EQ(claim(entry("p1", "b")), directory_status::conflict);
  auto [status, e] = lookup("p1");
  ASSERT_EQ(status, directory_status::ok);
  EXPECT_EQ(e.node, "a");  // the first claim stands
  EXPECT_EQ(e.epoch, 1u);
}

TEST_P(DirectoryContract, ClaimIgnoresTheGivenEpoch) {
  auto e = entry("p1", "a");
  e.epoch = 42;
  ASSERT_EQ(claim(e), directory_status::ok);
  EXPECT_EQ(std::get<1>(lookup("p1")).epoch, 1u);
}

TEST_P(DirectoryContract, LookupReturnsEveryFieldWithRoomAbsentOrPresent) {
  EXPECT_EQ(std::get<0>(lookup("nobody")), directory_status::not_found);
  ASSERT_EQ(claim(entry("p1", "a", "hash-1")), directory_status::ok);
  ASSERT_EQ(claim(entry("p2", "b", "hash-2", "room-7")), directory_status::ok);
  ASSERT_EQ(claim(entry("p3", "b", "hash-3", "")), directory_status::ok);

  auto [s1, e1] = lookup("p1");
  ASSERT_EQ(s1, directory_status::ok);
  EXPECT_EQ(e1.id, "p1");
  EXPECT_EQ(e1.node, "a");
  EXPECT_EQ(e1.epoch, 1u);
  EXPECT_EQ(e1.token_hash, "hash-1");
  EXPECT_EQ(e1.identity, "user-p1");
  EXPECT_FALSE(e1.room.has_value());

  auto [s2, e2] = lookup("p2");
  ASSERT_EQ(s2, directory_status::ok);
  EXPECT_EQ(e2.room, std::optional<std::string>("room-7"));
  auto [s3, e3] = lookup("p3");
  ASSERT_EQ(s3, directory_status::ok);
  EXPECT_EQ(e3.room, std::optional<std::string>(""));  // an empty room is still a room
}

TEST_P(DirectoryContract, TakeOverMovesWithNewEpochAndToken) {
  ASSERT_EQ(claim(entry("p1", "a", "t1", "r")), directory_status::ok);
  auto [status, e, previous] = take_over("p1", "b", "t1", "t2");
  ASSERT_EQ(status, directory_status::ok);
  EXPECT_EQ(previous, "a");
  EXPECT_EQ(e.id, "p1");
  EXPECT_EQ(e.node, "b");
  EXPECT_EQ(e.epoch, 2u);
  EXPECT_EQ(e.token_hash, "t2");
  EXPECT_EQ(e.identity, "user-p1");
  EXPECT_EQ(e.room, std::optional<std::string>("r"));
  auto [ls, stored] = lookup("p1");
  ASSERT_EQ(ls, directory_status::ok);
  EXPECT_EQ(stored.node, "b");
  EXPECT_EQ(stored.epoch, 2u);
  EXPECT_EQ(stored.token_hash, "t2");

  // The old token no longer works; the owner may resume on itself.
  EXPECT_EQ(std::get<0>(take_over("p1", "c", "t1", "t3")), directory_status::bad_token);
  auto [again, e2, previous2] = take_over("p1", "b", "t2", "t3");
  ASSERT_EQ(again, directory_status::ok);
  EXPECT_EQ(previous2, "b");
  EXPECT_EQ(e2.epoch, 3u);
  EXPECT_EQ(std::get<0>(take_over("nobody", "b", "t1", "t2")), directory_status::not_found);
}

TEST_P(DirectoryContract, UpdateTokenIsFencedByNodeAndEpoch) {
  ASSERT_EQ(claim(entry("p1", "a")), directory_status::ok);
  EXPECT_EQ(update_token("p1", "a", 1, "t2"), directory_status::ok);
  EXPECT_EQ(std::get<1>(lookup("p1")).token_hash, "t2");
  EXPECT_EQ(update_token("p1", "a", 2, "tx"), directory_status::conflict);
  EXPECT_EQ(update_token("p1", "b", 1, "tx"), directory_status::conflict);
  EXPECT_EQ(update_token("nobody", "a", 1, "tx"), directory_status::not_found);

  ASSERT_EQ(std::get<0>(take_over("p1", "b", "t2", "t3")), directory_status::ok);
  EXPECT_EQ(update_token("p1", "a", 1, "tx"), directory_status::conflict);  // fenced: a lost it
  EXPECT_EQ(update_token("p1", "b", 2, "t4"), directory_status::ok);
  EXPECT_EQ(std::get<1>(lookup("p1")).token_hash, "t4");
}

TEST_P(DirectoryContract, ReleaseIsFencedByNodeAndEpoch) {
  ASSERT_EQ(claim(entry("p1", "a")), directory_status::ok);
  EXPECT_EQ(release("p1", "a", 2), directory_status::conflict);
  EXPECT_EQ(release("p1", "b", 1), directory_status::conflict);
  EXPECT_EQ(std::get<0>(lookup("p1")), directory_status::ok);
  EXPECT_EQ(release("p1", "a", 1), directory_status::ok);
  EXPECT_EQ(std::get<0>(lookup("p1")), directory_status::not_found);
  EXPECT_EQ(release("p1", "a", 1), directory_status::not_found);
  EXPECT_EQ(claim(entry("p1", "b")), directory_status::ok);  // the id is free again
}

TEST_P(DirectoryContract, ReassertWritesBackAbsentOrOwnEntriesOnly) {
  auto e = entry("p1", "a", "t1", "r");
  e.epoch = 5;
  EXPECT_EQ(reassert(e), directory_status::ok);  // absent (the store lost it)
  auto [s, stored] = lookup("p1");
  ASSERT_EQ(s, directory_status::ok);
  EXPECT_EQ(stored.node, "a");
  EXPECT_EQ(stored.epoch, 5u);
  EXPECT_EQ(stored.room, std::optional<std::string>("r"));

  e.token_hash = "t2";
  e.room.reset();
  EXPECT_EQ(reassert(e), directory_status::ok);  // still ours: rewritten
  auto [s2, stored2] = lookup("p1");
  ASSERT_EQ(s2, directory_status::ok);
  EXPECT_EQ(stored2.token_hash, "t2");
  EXPECT_FALSE(stored2.room.has_value());

  ASSERT_EQ(std::get<0>(take_over("p1", "b", "t2", "t3")), directory_status::ok);
  EXPECT_EQ(reassert(e), directory_status::conflict);  // another owner
  auto [s3, stored3] = lookup("p1");
  ASSERT_EQ(s3, directory_status::ok);
  EXPECT_EQ(stored3.node, "b");
  EXPECT_EQ(stored3.epoch, 6u);
}

TEST_P(DirectoryContract, HeartbeatKeepsANodeAliveUntilItsTtlPasses) {
  auto [s0, none] = nodes();
  ASSERT_EQ(s0, directory_status::ok);
  EXPECT_TRUE(none.empty());
  const auto ttl = env_->short_ttl();
  ASSERT_EQ(heartbeat("a", ttl), directory_status::ok);
  ASSERT_EQ(heartbeat("b", 60s), directory_status::ok);
  auto [s1, both] = nodes();
  ASSERT_EQ(s1, directory_status::ok);
  EXPECT_EQ(both, (std::vector<node_state>{{"a", true}, {"b", true}}));

  env_->pass_time(ttl + 1ms);
  ASSERT_TRUE(wait_dead("a"));
  EXPECT_EQ(std::get<1>(nodes()), (std::vector<node_state>{{"a", false}, {"b", true}}));
  ASSERT_EQ(heartbeat("a", 60s), directory_status::ok);  // back
  EXPECT_EQ(std::get<1>(nodes()), (std::vector<node_state>{{"a", true}, {"b", true}}));
}

TEST_P(DirectoryContract, AdoptMovesOnlyTheDeadNodesStillOwnedPeersOnce) {
  for (const char* id : {"p1", "p2", "p3"}) ASSERT_EQ(claim(entry(id, "a")), directory_status::ok);
  ASSERT_EQ(claim(entry("q1", "b")), directory_status::ok);
  ASSERT_EQ(std::get<0>(take_over("p3", "c", "t1", "t2")), directory_status::ok);  // resumed elsewhere
  const auto ttl = env_->short_ttl();
  ASSERT_EQ(heartbeat("a", ttl), directory_status::ok);
  ASSERT_EQ(heartbeat("b", 60s), directory_status::ok);

  auto [alive_status, none] = adopt("a", "b");
  EXPECT_EQ(alive_status, directory_status::conflict);  // still alive
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(std::get<1>(lookup("p1")).node, "a");

  env_->pass_time(ttl + 1ms);
  ASSERT_TRUE(wait_dead("a"));
  auto [status, moved] = adopt("a", "b");
  ASSERT_EQ(status, directory_status::ok);
  ASSERT_EQ(moved.size(), 2u);
  std::sort(moved.begin(), moved.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  for (std::size_t i = 0; i < moved.size(); ++i) {
    EXPECT_EQ(moved[i].id, i == 0 ? "p1" : "p2");
    EXPECT_EQ(moved[i].node, "b");
    EXPECT_EQ(moved[i].epoch, 2u);
    EXPECT_EQ(moved[i].token_hash, "t1");
    EXPECT_EQ(moved[i].identity, "user-" + moved[i].id);
  }
  auto [ls, p1] = lookup("p1");
  ASSERT_EQ(ls, directory_status::ok);
  EXPECT_EQ(p1.node, "b");
  EXPECT_EQ(p1.epoch, 2u);
  auto [ls3, p3] = lookup("p3");
  ASSERT_EQ(ls3, directory_status::ok);
  EXPECT_EQ(p3.node, "c");  // not a's any more: untouched
  EXPECT_EQ(p3.epoch, 2u);
  EXPECT_EQ(std::get<1>(nodes()), (std::vector<node_state>{{"b", true}}));  // a left the list

  EXPECT_EQ(std::get<0>(adopt("a", "c")), directory_status::conflict);  // once
  EXPECT_EQ(std::get<0>(adopt("never-seen", "b")), directory_status::conflict);
  // The adopter owns them like its own: fenced by its epoch.
  EXPECT_EQ(release("p1", "a", 1), directory_status::conflict);
  EXPECT_EQ(release("p1", "b", 2), directory_status::ok);
  EXPECT_EQ(update_token("p2", "b", 2, "t9"), directory_status::ok);
}

TEST_P(DirectoryContract, AdoptedPeersCanBeAdoptedAgainFromTheAdopter) {
  ASSERT_EQ(claim(entry("p1", "a")), directory_status::ok);
  const auto ttl = env_->short_ttl();
  ASSERT_EQ(heartbeat("a", ttl), directory_status::ok);
  env_->pass_time(ttl + 1ms);
  ASSERT_TRUE(wait_dead("a"));
  ASSERT_EQ(std::get<0>(adopt("a", "b")), directory_status::ok);
  ASSERT_EQ(heartbeat("b", ttl), directory_status::ok);
  env_->pass_time(ttl + 1ms);
  ASSERT_TRUE(wait_dead("b"));
  auto [status, moved] = adopt("b", "c");
  ASSERT_EQ(status, directory_status::ok);
  ASSERT_EQ(moved.size(), 1u);  // filed under b by the first adoption
  EXPECT_EQ(moved[0].node, "c");
  EXPECT_EQ(moved[0].epoch, 3u);
}

TEST_P(DirectoryContract, RemoveNodeTakesItOffTheList) {
  ASSERT_EQ(heartbeat("a", 60s), directory_status::ok);
  ASSERT_EQ(heartbeat("b", 60s), directory_status::ok);
  EXPECT_EQ(remove_node("a"), directory_status::ok);
  EXPECT_EQ(std::get<1>(nodes()), (std::vector<node_state>{{"b", true}}));
  EXPECT_EQ(std::get<0>(adopt("a", "b")), directory_status::conflict);  // nothing to adopt
  EXPECT_EQ(remove_node("a"), directory_status::ok);                     // idempotent
}

TEST_P(DirectoryContract, HandlersNeverRunInsideTheCall) {
  bool inside = false;
  int ran = 0;
  const auto check = [&](directory_status) {
    EXPECT_FALSE(inside);
    ++ran;
  };
  inside = true;
  dir_->claim(entry("p1", "a"), check);
  dir_->claim(entry("p1", "a"), check);
  inside = false;
  ASSERT_TRUE(env_->run_until([&] { return ran == 2; }));
  // From a handler of the loop too (where a Redis call pays no hop).
  env_->run_on_loop([&] {
    inside = true;
    dir_->release("p1", "a", 1, check);
    dir_->lookup("p1", [&](directory_status s, directory_entry) {
      EXPECT_FALSE(inside);
      EXPECT_EQ(s, directory_status::not_found);
      ++ran;
    });
    inside = false;
  });
  ASSERT_TRUE(env_->run_until([&] { return ran == 4; }));
}

TEST_P(DirectoryContract, HandlersRunInTheOrderTheOperationsCompleted) {
  std::vector<std::string> order;
  dir_->claim(entry("p1", "a"), [&](directory_status s) { order.push_back("claim " + std::string(to_string(s))); });
  dir_->lookup("p1", [&](directory_status s, directory_entry e) {
    order.push_back("lookup " + std::string(to_string(s)) + " " + e.node);
  });
  dir_->release("p1", "a", 1, [&](directory_status s) { order.push_back("release " + std::string(to_string(s))); });
  dir_->lookup("p1", [&](directory_status s, directory_entry) { order.push_back("lookup " + std::string(to_string(s))); });
  ASSERT_TRUE(env_->run_until([&] { return order.size() == 4; }));
  EXPECT_EQ(order, (std::vector<std::string>{"claim ok", "lookup ok a", "release ok", "lookup not_found"}));
}

TEST_P(DirectoryContract, AnOutageMakesEveryOperationUnavailableUntilItEnds) {
  ASSERT_EQ(heartbeat("a", 60s), directory_status::ok);
  env_->outage(true);
  EXPECT_EQ(claim(entry("p1", "a")), directory_status::unavailable);
  EXPECT_EQ(std::get<0>(lookup("p1")), directory_status::unavailable);
  EXPECT_EQ(std::get<0>(take_over("p1", "b", "t1", "t2")), directory_status::unavailable);
  EXPECT_EQ(update_token("p1", "a", 1, "t2"), directory_status::unavailable);
  EXPECT_EQ(release("p1", "a", 1), directory_status::unavailable);
  EXPECT_EQ(reassert(entry("p1", "a")), directory_status::unavailable);
  EXPECT_EQ(heartbeat("a", 60s), directory_status::unavailable);
  EXPECT_EQ(std::get<0>(nodes()), directory_status::unavailable);
  EXPECT_EQ(std::get<0>(adopt("a", "b")), directory_status::unavailable);
  EXPECT_EQ(remove_node("a"), directory_status::unavailable);
  env_->outage(false);
  // Back (Redis: once the connection is up again).
  ASSERT_TRUE(env_->run_until([&] { return claim(entry("p1", "a")) == directory_status::ok; }));
  EXPECT_EQ(std::get<0>(lookup("p1")), directory_status::ok);
}

INSTANTIATE_TEST_SUITE_P(, DirectoryContract, ::testing::ValuesIn(env_kinds()), env_name);

}  // namespace
}  // namespace switchboard::cluster::contract

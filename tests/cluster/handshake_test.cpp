#include "signaling/cluster/handshake.hpp"

#include <gtest/gtest.h>

namespace switchboard::cluster {
namespace {

redis_options with(std::string user, std::string password, int db, std::string name) {
  redis_options o;
  o.url.host = "h";
  o.url.user = std::move(user);
  o.url.password = std::move(password);
  o.url.db = db;
  o.client_name = std::move(name);
  return o;
}

std::vector<redis_argv> argvs(const std::vector<handshake_step>& steps) {
  std::vector<redis_argv> out;
  for (const auto& s : steps) out.push_back(s.argv);
  return out;
}

TEST(Handshake, StepsFollowTheUrl) {
  struct row {
    redis_options opts;
    bool select_db;
    std::vector<redis_argv> expected;
  };
  const std::vector<row> rows = {
      {with("", "", 0, ""), true, {{"PING"}}},
      {with("", "pw", 0, ""), true, {{"AUTH", "pw"}, {"PING"}}},
      {with("app", "pw", 2, "n1"), true, {{"AUTH", "app", "pw"}, {"SELECT", "2"}, {"CLIENT", "SETNAME", "n1"}, {"PING"}}},
      {with("app", "pw", 2, ""), false, {{"AUTH", "app", "pw"}, {"PING"}}},
      // A user without a password (it comes from a file or the environment, or not at all): no AUTH.
      {with("app", "", 0, ""), true, {{"PING"}}},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(argvs(handshake_steps(rows[i].opts, rows[i].select_db)), rows[i].expected);
  }
}

TEST(Handshake, FailuresNameTheStepButNeverThePassword) {
  const auto steps = handshake_steps(with("app", "hunter2", 3, "n1"), true);
  ASSERT_EQ(steps.size(), 4u);
  const auto wrongpass = redis_reply::make_string("WRONGPASS invalid username-password pair", redis_reply::kind::error);
  const auto auth = handshake_failure(steps[0], wrongpass);
  ASSERT_TRUE(auth);
  EXPECT_EQ(*auth, "AUTH as user 'app' failed: WRONGPASS invalid username-password pair");
  const auto select = handshake_failure(steps[1], redis_reply::make_string("ERR DB index is out of range", redis_reply::kind::error));
  ASSERT_TRUE(select);
  EXPECT_EQ(*select, "SELECT 3 failed: ERR DB index is out of range");
  for (const auto& s : steps) EXPECT_EQ(s.what.find("hunter2"), std::string::npos);
}

TEST(Handshake, AcceptsOnlyTheExpectedReplies) {
  const auto steps = handshake_steps(with("", "pw", 0, ""), true);
  const auto ok = redis_reply::make_string("OK", redis_reply::kind::status);
  const auto pong = redis_reply::make_string("PONG", redis_reply::kind::status);
  EXPECT_FALSE(handshake_failure(steps[0], ok));
  EXPECT_FALSE(handshake_failure(steps[1], pong));
  EXPECT_TRUE(handshake_failure(steps[1], ok));
  EXPECT_TRUE(handshake_failure(steps[0], redis_reply{}));
  const auto loading = handshake_failure(steps[1], redis_reply::make_string("LOADING Redis is loading", redis_reply::kind::error));
  ASSERT_TRUE(loading);
  EXPECT_EQ(*loading, "PING failed: LOADING Redis is loading");
}

}  // namespace
}  // namespace switchboard::cluster

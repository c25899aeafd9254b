#include "signaling/cluster/redis_url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchboard::cluster {
namespace {

struct good_case {
  std::string text;
  std::string host;
  int port;
  std::string user;
  std::string password;
  int db;
};

TEST(RedisUrl, ParsesValidUrls) {
  const std::vector<good_case> cases = {
      {"redis://localhost", "localhost", 6379, "", "", 0},
      {"redis://127.0.0.1:7000", "127.0.0.1", 7000, "", "", 0},
      {"REDIS://redis.internal:6380/", "redis.internal", 6380, "", "", 0},
      {"redis://redis:6379/3", "redis", 6379, "", "", 3},
      {"redis://:secret@redis:6379", "redis", 6379, "", "secret", 0},
      {"redis://switchboard:secret@redis:6379/1", "redis", 6379, "switchboard", "secret", 1},
      {"redis://switchboard@redis", "redis", 6379, "switchboard", "", 0},
      {"redis://u%40x:p%3Aw%2Fd%25@h:1", "h", 1, "u@x", "p:w/d%", 0},
      {"redis://:p@ss@h", "h", 6379, "", "p@ss", 0},
      {"redis://[::1]:6379/2", "::1", 6379, "", "", 2},
      {"redis://[::1]", "::1", 6379, "", "", 0},
      {"redis://:pw@[fd00::5]:7001", "fd00::5", 7001, "", "pw", 0},
      {"redis://h:65535", "h", 65535, "", "", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto r = parse_redis_url(c.text);
    ASSERT_TRUE(r.url.has_value()) << r.error;
    EXPECT_EQ(r.url->host, c.host);
    EXPECT_EQ(r.url->port, c.port);
    EXPECT_EQ(r.url->user, c.user);
    EXPECT_EQ(r.url->password, c.password);
    EXPECT_EQ(r.url->db, c.db);
  }
}

struct bad_case {
  std::string text;
  std::string error_contains;
};

TEST(RedisUrl, RejectsInvalidUrlsWithoutEchoingThePassword) {
  const std::vector<bad_case> cases = {
      {"rediss://:hunter2@h:6380", "TLS"},
      {"http://h:6379", "must start with redis://"},
      {"unix:///run/redis.sock", "must start with redis://"},
      {"redis://", "host is missing"},
      {"redis://:hunter2@", "host is missing"},
      {"redis://:hunter2@:6379", "host is missing"},
      {"redis://h:0", "invalid port"},
      {"redis://h:65536", "invalid port"},
      {"redis://h:-1", "invalid port"},
      {"redis://h:", "invalid port"},
      {"redis://h:63x", "invalid port"},
      {"redis://h/x", "invalid database"},
      {"redis://h/-1", "invalid database"},
      {"redis://h?db=1", "query"},
      {"redis://[::1", "unterminated"},
      {"redis://[::1]x", "after ']'"},
      {"redis://[zz::1]", "invalid IPv6"},
      {"redis://ho st", "invalid host"},
      {"redis://:hun%2gter2@h", "percent-encoding in the password"},
      {"redis://us%zer:hunter2@h", "percent-encoding in the user"},
      {"redis://:hunter2%@h", "percent-encoding in the password"},
      // An unencoded '/' in the password splits the URL early: the pieces must not leak.
      {"redis://:hunter2/hunter2@h", "host is missing"},
      {"redis://u:hunter2/x@h", "invalid port"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto r = parse_redis_url(c.text);
    EXPECT_FALSE(r.url.has_value());
    EXPECT_NE(r.error.find(c.error_contains), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.rfind("cluster.redis.url: ", 0), 0u) << r.error;
  }
}

TEST(RedisUrl, RedactedHidesThePassword) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"redis://h", "redis://h:6379"},
      {"redis://:hunter2@h:7000/2", "redis://:***@h:7000/2"},
      {"redis://app:hunter2@[::1]", "redis://app:***@[::1]:6379"},
      {"redis://app@h", "redis://app@h:6379"},
  };
  for (const auto& [text, expected] : cases) {
    const auto r = parse_redis_url(text);
    ASSERT_TRUE(r.url) << r.error;
    EXPECT_EQ(redacted(*r.url), expected);
  }
}

}  // namespace
}  // namespace switchboard::cluster

// The managed-coturn keys: validation and the TURN URIs derived for clients.
#include "signaling/config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace switchboard::config;
using testing::ElementsAre;
using testing::HasSubstr;

// Embedded defaults plus --set overrides; no file.
load_result load_sets(std::vector<std::string> sets) {
  load_options opts;
  opts.sets = std::move(sets);
  opts.env = {{"SWITCHBOARD_TURN_SECRET", "s3cret"}};
  opts.make_secret = [] { return std::string("generated-secret"); };
  return load(opts);
}

std::string problems_text(const load_result& r) { return format_problems(r.problems); }

TEST(config_turn, managed_defaults_are_safe) {
  const auto r = load_sets({"profile=development"});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  const auto& m = r.cfg->turn.managed;
  EXPECT_FALSE(m.enabled);
  EXPECT_EQ(m.listen.host, "127.0.0.1");
  EXPECT_EQ(m.listen.port, 3478);
  EXPECT_EQ(m.relay_ports, "49152-65535");
  EXPECT_EQ(r.cfg->turn.probe.interval, std::chrono::seconds(30));
  EXPECT_TRUE(r.cfg->turn.uris.empty());  // nothing managed: nothing derived
}

TEST(config_turn, uris_are_derived_from_the_managed_listener) {
  const auto r = load_sets({"profile=development", "turn.managed.enabled=true", "turn.managed.listen=127.0.0.1:23478"});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  EXPECT_THAT(r.cfg->turn.uris,
              ElementsAre("turn:127.0.0.1:23478?transport=udp", "turn:127.0.0.1:23478?transport=tcp"));
}

TEST(config_turn, external_ip_and_tls_shape_the_uris) {
  const auto r = load_sets({"turn.managed.enabled=true", "server.allowed_origins=[\"*\"]", "auth.mode=none",
                            "turn.managed.listen=0.0.0.0:3478", "turn.managed.relay_ip=10.0.0.5",
                            "turn.managed.external_ip=203.0.113.5/10.0.0.5", "turn.managed.tls.cert=/c.pem",
                            "turn.managed.tls.key=/k.pem", "turn.managed.tls.port=443"});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  EXPECT_THAT(r.cfg->turn.uris,
              ElementsAre("turn:203.0.113.5:3478?transport=udp", "turn:203.0.113.5:3478?transport=tcp",
                          "turns:203.0.113.5:443?transport=tcp"));
}

TEST(config_turn, explicit_uris_win) {
  const auto r = load_sets({"profile=development", "turn.managed.enabled=true",
                            "turn.uris=[\"turn:turn.example.com:3478\"]"});
  ASSERT_TRUE(r.cfg) << problems_text(r);
  EXPECT_THAT(r.cfg->turn.uris, ElementsAre("turn:turn.example.com:3478"));
}

struct invalid_case {
  const char* name;
  std::vector<std::string> sets;
  const char* key;
  const char* message;
};

class config_turn_invalid : public testing::TestWithParam<invalid_case> {};

TEST_P(config_turn_invalid, is_reported_with_its_key) {
  const auto& c = GetParam();
  auto sets = c.sets;
  sets.push_back("server.allowed_origins=[\"*\"]");
  const auto r = load_sets(sets);
  EXPECT_FALSE(r.cfg);
  const auto found = std::find_if(r.problems.begin(), r.problems.end(), [&](const problem& p) {
    return p.key == c.key && p.message.find(c.message) != std::string::npos;
  });
  EXPECT_NE(found, r.problems.end()) << problems_text(r);
}

INSTANTIATE_TEST_SUITE_P(
    table, config_turn_invalid,
    testing::Values(
        invalid_case{"wildcard_without_relay_ip",
                     {"turn.managed.enabled=true", "turn.managed.listen=0.0.0.0:3478",
                      "turn.uris=[\"turn:t.example:3478\"]"},
                     "turn.managed.relay_ip",
                     "wildcard"},
        invalid_case{"wildcard_without_public_address",
                     {"turn.managed.enabled=true", "turn.managed.listen=0.0.0.0:3478", "turn.managed.relay_ip=10.0.0.5"},
                     "turn.uris",
                     "cannot derive TURN URIs"},
        invalid_case{"reversed_relay_range", {"turn.managed.relay_ports=5000-4000"}, "turn.managed.relay_ports", "min-max"},
        invalid_case{"relay_range_not_numbers", {"turn.managed.relay_ports=low-high"}, "turn.managed.relay_ports",
                     "min-max"},
        invalid_case{"relay_ip_not_an_ip", {"turn.managed.relay_ip=turn.example.com"}, "turn.managed.relay_ip",
                     "IP address"},
        invalid_case{"external_ip_half_bad", {"turn.managed.external_ip=203.0.113.5/nat"}, "turn.managed.external_ip",
                     "PUBLIC/PRIVATE"},
        invalid_case{"zero_user_quota", {"turn.managed.user_quota=0"}, "turn.managed.user_quota", ""},
        invalid_case{"tls_half_set", {"turn.managed.tls.cert=/c.pem"}, "turn.managed.tls", "together"},
        invalid_case{"unknown_profile", {"turn.managed.profile=staging"}, "turn.managed.profile", "expected"},
        invalid_case{"probe_server_without_port", {"turn.probe.server=turn.example.com"}, "turn.probe.server",
                     "host:port"}),
    [](const testing::TestParamInfo<invalid_case>& p) { return std::string(p.param.name); });

}  // namespace

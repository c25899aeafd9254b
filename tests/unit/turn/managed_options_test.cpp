// Switchboard's configuration mapped onto coturn options and the probe target.
#include "turn/coturn/config.hpp"
#include "turn/managed/options_from_config.hpp"

#include <gtest/gtest.h>

namespace {

using namespace switchboard;

config::config managed_config() {
  config::config cfg;
  cfg.prof = config::profile::development;
  cfg.turn.secrets = {"new-secret", "old-secret"};
  cfg.turn.realm = "example.org";
  cfg.turn.managed.enabled = true;
  cfg.turn.managed.listen = {"127.0.0.1", 23478};
  cfg.turn.managed.relay_ports = "40000-40100";
  cfg.turn.managed.user_quota = 3;
  cfg.turn.managed.total_quota = 30;
  cfg.turn.managed.max_bps = 125000;
  return cfg;
}

TEST(managed_options, maps_every_key) {
  const auto o = turn::coturn_options_from(managed_config(), "/run/sb/turnserver.pid");
  EXPECT_EQ(o.profile, turn::coturn_profile::development);  // inherited from the top-level profile
  EXPECT_EQ(o.secrets, (std::vector<std::string>{"new-secret", "old-secret"}));
  EXPECT_EQ(o.realm, "example.org");
  EXPECT_EQ(o.listen_ip, "127.0.0.1");
  EXPECT_EQ(o.listen_port, 23478);
  EXPECT_EQ(o.relay_ip, "127.0.0.1");  // relay_ip empty: the listen address
  EXPECT_EQ(o.min_port, 40000);
  EXPECT_EQ(o.max_port, 40100);
  EXPECT_EQ(o.user_quota, 3u);
  EXPECT_EQ(o.total_quota, 30u);
  EXPECT_EQ(o.max_bps, 125000u);
  EXPECT_EQ(o.pidfile, "/run/sb/turnserver.pid");
  EXPECT_TRUE(turn::validate(o).empty());
}

TEST(managed_options, explicit_profile_and_relay_ip_win) {
  auto cfg = managed_config();
  cfg.turn.managed.profile = "production";
  cfg.turn.managed.relay_ip = "127.0.0.2";
  const auto o = turn::coturn_options_from(cfg, "");
  EXPECT_EQ(o.profile, turn::coturn_profile::production);
  EXPECT_EQ(o.relay_ip, "127.0.0.2");
}

TEST(managed_options, probe_target) {
  auto cfg = managed_config();
  auto t = turn::probe_target_from(cfg);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 23478);

  cfg.turn.managed.listen = {"0.0.0.0", 3478};  // a wildcard is probed on loopback
  EXPECT_EQ(turn::probe_target_from(cfg)->host, "127.0.0.1");

  cfg.turn.probe.server = "[2001:db8::1]:5000";  // an explicit server wins
  t = turn::probe_target_from(cfg);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, 5000);

  cfg.turn.probe.interval = std::chrono::seconds(0);  // probing off
  EXPECT_FALSE(turn::probe_target_from(cfg));

  auto unmanaged = managed_config();
  unmanaged.turn.managed.enabled = false;  // nothing to probe
  EXPECT_FALSE(turn::probe_target_from(unmanaged));
}

}  // namespace

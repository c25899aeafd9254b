// Switchboard's configuration mapped onto the managed TURN side's options
// (signaling/app/turn_options): coturn's, the probe's, the supervisor's.
#include "signaling/app/turn_options.hpp"
#include "turn/coturn/config.hpp"

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

TEST(turn_options, maps_every_coturn_key) {
  const auto o = app::coturn_options_from(managed_config());
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
  EXPECT_TRUE(o.pidfile.empty());  // turn_service puts it in its runtime directory
  EXPECT_TRUE(turn::validate(o).empty());
}

TEST(turn_options, explicit_profile_and_relay_ip_win) {
  auto cfg = managed_config();
  cfg.turn.managed.profile = "production";
  cfg.turn.managed.relay_ip = "127.0.0.2";
  const auto o = app::coturn_options_from(cfg);
  EXPECT_EQ(o.profile, turn::coturn_profile::production);
  EXPECT_EQ(o.relay_ip, "127.0.0.2");
}

TEST(turn_options, probe_target) {
  auto cfg = managed_config();
  cfg.turn.probe.interval = std::chrono::seconds(7);
  cfg.turn.probe.timeout = std::chrono::seconds(2);
  auto p = app::probe_options_from(cfg);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "127.0.0.1");
  EXPECT_EQ(p->port, 23478);
  EXPECT_EQ(p->secret, "new-secret");  // the signing secret
  EXPECT_EQ(p->interval, std::chrono::seconds(7));
  EXPECT_EQ(p->timeout, std::chrono::seconds(2));

  cfg.turn.managed.listen = {"0.0.0.0", 3478};  // a wildcard is probed on loopback
  EXPECT_EQ(app::probe_options_from(cfg)->host, "127.0.0.1");
  cfg.turn.managed.listen = {"::", 3478};
  EXPECT_EQ(app::probe_options_from(cfg)->host, "::1");

  cfg.turn.probe.server = "[2001:db8::1]:5000";  // an explicit server wins
  p = app::probe_options_from(cfg);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "2001:db8::1");
  EXPECT_EQ(p->port, 5000);

  cfg.turn.probe.interval = std::chrono::seconds(0);  // probing off
  EXPECT_FALSE(app::probe_options_from(cfg));

  auto unmanaged = managed_config();
  unmanaged.turn.managed.enabled = false;  // nothing to probe
  EXPECT_FALSE(app::probe_options_from(unmanaged));
}

TEST(turn_options, supervision_and_probe_together) {
  auto cfg = managed_config();
  cfg.turn.managed.binary = "/opt/coturn/bin/turnserver";
  cfg.turn.managed.stop_timeout = std::chrono::seconds(9);
  cfg.turn.managed.crash_loop_restarts = 3;
  cfg.turn.managed.crash_loop_window = std::chrono::seconds(120);
  auto o = app::managed_options_from(cfg);
  EXPECT_TRUE(o.managed);
  EXPECT_EQ(o.binary, "/opt/coturn/bin/turnserver");
  EXPECT_EQ(o.stop_timeout, std::chrono::seconds(9));
  EXPECT_EQ(o.crash_loop_restarts, 3u);
  EXPECT_EQ(o.crash_loop_window, std::chrono::seconds(120));
  EXPECT_EQ(o.coturn.listen_port, 23478);
  ASSERT_TRUE(o.probe);
  EXPECT_EQ(o.probe->port, 23478);

  cfg.turn.managed.enabled = false;
  o = app::managed_options_from(cfg);
  EXPECT_FALSE(o.managed);
  EXPECT_FALSE(o.probe);  // no coturn and no turn.probe.server: nothing runs
}

}  // namespace

// Switchboard with its managed coturn, end to end: the credential of a real
// start reply relays through coturn (turnutils_uclient to turnutils_peer) and
// the relay counters match what was sent; expired and wrongly signed
// credentials get 401; both secrets work during a rotation; a killed coturn
// comes back while signaling carries on; stopping Switchboard (serve or the
// turn role) leaves no coturn behind; production refuses loopback peers; and
// turn-config prints what coturn needs.

#include "tests/integration/signaling_helpers.hpp"
#include "tests/integration/turn_helpers.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/metrics_text.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json/array.hpp>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <sstream>

namespace switchboard::test {
namespace {

using namespace turn_helpers;

const std::string secret = "managed-turn-secret";

server_options managed_server(const turn_ports& p, const std::vector<std::string>& secrets = {secret},
                              const std::string& probe_interval = "1s", std::vector<std::string> extra = {}) {
  auto sets = managed_turn_sets(p, probe_interval);
  std::string list;
  for (const auto& s : secrets) list += (list.empty() ? "\"" : ",\"") + s + "\"";
  sets.push_back("turn.secrets=[" + list + "]");
  sets.insert(sets.end(), extra.begin(), extra.end());
  return with_sets(std::move(sets));
}

// The username and password of the reply's iceServers entry that has them (the turn: URI).
std::optional<relay_job> start_reply_credential(const json::object& reply) {
  for (const auto& entry : reply.at("iceServers").as_array()) {
    const auto& obj = entry.as_object();
    if (!str(obj, "username").empty()) return relay_job{str(obj, "username"), str(obj, "credential")};
  }
  ADD_FAILURE() << "no iceServers entry with credentials: " << to_text(reply);
  return std::nullopt;
}

std::string traffic(std::string_view direction, std::string_view unit, std::string_view side) {
  return "switchboard_turn_traffic_" + std::string(direction) + "_" + std::string(unit) + "_total{side=\"" +
         std::string(side) + "\"}";
}

// Every traffic series, read from one scrape; -1 for a missing one.
std::map<std::string, double> read_traffic(const server_fixture& server) {
  const auto text = server.metrics_text();
  std::map<std::string, double> out;
  for (auto direction : {"received", "sent"}) {
    for (auto unit : {"bytes", "packets"}) {
      for (auto side : {"client", "peer"}) {
        const auto name = traffic(direction, unit, side);
        out[name] = find_metric(text, name).value_or(-1);
      }
    }
  }
  return out;
}

bool greater_than(std::optional<double> v, double floor) { return v && *v > floor; }

TEST(managed_turn, start_reply_credential_relays_and_the_counters_match) {
  const auto ports = pick_turn_ports();
  // The probe runs once, at start-up: later probes would add their own
  // allocations to the client-side counters while uclient relays.
  server_fixture server(managed_server(ports, {secret}, "1h"));
  ASSERT_TRUE(wait_readyz(server.port(), within(20s))) << "coturn never became ready";
  const auto echo = start_echo_peer(ports.peer);
  auto a = start_peer(server);
  ASSERT_FALSE(a.id.empty());
  auto job = start_reply_credential(a.start_reply);
  ASSERT_TRUE(job);
  EXPECT_TRUE(job->username.ends_with(":" + a.id)) << job->username;

  // The start-up probe released its allocation; its usage is reported with the close.
  ASSERT_TRUE(greater_than(server.wait_metric(R"(switchboard_turn_allocations_closed_total{reason="released"})",
                                              [](double v) { return v >= 1; }, within(10s)),
                           0));
  const auto before = read_traffic(server);

  job->messages = 50;
  job->length = 400;  // a multiple of 4: ChannelData needs no padding
  const auto out = relay_through(ports, *job);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_EQ(out.sent, job->messages) << out.output;
  EXPECT_EQ(out.received, job->messages) << out.output;

  // coturn reports a session's usage when it closes (uclient's Refresh 0, then
  // about a second): the client line comes first, then the peer line.
  const auto peer_sent = traffic("sent", "bytes", "peer");
  server.wait_metric(peer_sent, [&](double v) { return v > before.at(peer_sent); }, within(15s));
  const auto after = read_traffic(server);
  auto delta = [&](std::string_view direction, std::string_view unit, std::string_view side) {
    const auto name = traffic(direction, unit, side);
    return after.at(name) - before.at(name);
  };
  const double n = job->messages;
  const double payload = n * job->length;
  // Peer side: UDP payload only, and uclient got every echo back, so nothing
  // was lost on the way: exact.
  EXPECT_EQ(delta("sent", "bytes", "peer"), payload);
  EXPECT_EQ(delta("received", "bytes", "peer"), payload);
  EXPECT_EQ(delta("sent", "packets", "peer"), n);
  EXPECT_EQ(delta("received", "packets", "peer"), n);
  // Client side: each message in ChannelData (4-byte header) plus the STUN
  // control traffic of one allocation (challenge, Allocate, Refresh,
  // CreatePermission, ChannelBinds, the final Refresh; about 1.3 KB in and
  // 0.7 KB out, 11 packets each way with coturn 4.6.1). Tolerance: up to
  // 2 KiB and 32 packets above the data; a second copy of the payload
  // (probe or double counting) would exceed it.
  const double framed = n * (job->length + 4);
  for (auto direction : {"received", "sent"}) {
    SCOPED_TRACE(direction);
    EXPECT_GE(delta(direction, "bytes", "client"), framed);
    EXPECT_LE(delta(direction, "bytes", "client"), framed + 2048);
    EXPECT_GE(delta(direction, "packets", "client"), n);
    EXPECT_LE(delta(direction, "packets", "client"), n + 32);
  }
}

TEST(managed_turn, expired_and_wrongly_signed_credentials_get_401) {
  const auto ports = pick_turn_ports();
  server_fixture server(managed_server(ports));
  ASSERT_TRUE(wait_readyz(server.port(), within(20s))) << "coturn never became ready";
  const auto echo = start_echo_peer(ports.peer);
  const std::string failures = "switchboard_turn_auth_failures_total";

  const auto expired = rest_username(-1h, "expired");
  const auto forged = rest_username(1h, "forged");
  const std::vector<std::pair<std::string, relay_job>> cases{
      {"expired an hour ago, right secret", {expired, rest_password(secret, expired)}},
      {"valid for an hour, wrong secret", {forged, rest_password("not-" + secret, forged)}},
  };
  for (const auto& [name, job] : cases) {
    SCOPED_TRACE(name);
    const auto before = server.metric_value(failures);
    ASSERT_TRUE(before);
    const auto out = relay_through(ports, job);
    EXPECT_NE(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("Cannot complete Allocation"), std::string::npos) << out.output;
    EXPECT_TRUE(greater_than(server.wait_metric(failures, [&](double v) { return v > *before; }, within(10s)),
                             *before));
    // The 401 is coturn's answer to this username, not some other failure.
    EXPECT_TRUE(server.proc().wait_for_line(
        [&](std::string_view line) {
          return line.find("user <" + job.username + ">") != std::string_view::npos &&
                 line.find("error 401") != std::string_view::npos;
        },
        within(5s)));
  }
}

TEST(managed_turn, during_rotation_the_old_and_the_new_secret_both_allocate) {
  const auto ports = pick_turn_ports();
  server_fixture server(managed_server(ports, {"rotation-new", "rotation-old"}));
  ASSERT_TRUE(wait_readyz(server.port(), within(20s))) << "coturn never became ready";
  const auto echo = start_echo_peer(ports.peer);
  auto a = start_peer(server);
  ASSERT_FALSE(a.id.empty());
  auto signed_new = start_reply_credential(a.start_reply);
  ASSERT_TRUE(signed_new);
  EXPECT_EQ(signed_new->password, rest_password("rotation-new", signed_new->username));

  const auto old_user = rest_username(1h, "issued-before-rotation");
  relay_job signed_old{old_user, rest_password("rotation-old", old_user)};
  // Side by side: each uclient run takes a few seconds whatever it sends.
  process old_client(uclient_command(ports, signed_old));
  process new_client(uclient_command(ports, *signed_new));
  for (auto* client : {&old_client, &new_client}) {
    SCOPED_TRACE(client == &old_client ? "signed with the old secret" : "from the start reply");
    const auto out = finish_uclient(*client);
    EXPECT_EQ(out.exit_code, 0) << out.output;
    EXPECT_EQ(out.received, signed_old.messages) << out.output;
  }
}

TEST(managed_turn, killed_coturn_comes_back_while_signaling_carries_on) {
  const auto ports = pick_turn_ports();
  server_fixture server(managed_server(ports));
  ASSERT_TRUE(wait_readyz(server.port(), within(20s))) << "coturn never became ready";
  const pid_t first = wait_coturn_child(server.proc().pid(), within(5s));
  ASSERT_NE(first, 0) << "no turnserver child of the server";
  const auto restarts = server.metric_value("switchboard_turn_process_restarts_total");
  ASSERT_TRUE(restarts);
  auto a = start_peer(server);
  auto b = start_peer(server);
  ASSERT_FALSE(a.id.empty());
  ASSERT_FALSE(b.id.empty());

  ASSERT_EQ(::kill(first, SIGKILL), 0);
  const auto back_by = within(10s);
  exchange_offer_answer(a, b);  // coturn is down or restarting

  const pid_t second = wait_coturn_child(server.proc().pid(), back_by, first);
  ASSERT_NE(second, 0) << "coturn was not restarted";
  EXPECT_TRUE(greater_than(
      server.wait_metric("switchboard_turn_process_restarts_total", [&](double v) { return v > *restarts; }, back_by),
      *restarts));
  EXPECT_TRUE(wait_readyz(server.port(), back_by)) << "/readyz did not come back";
  EXPECT_EQ(server.metric_value("switchboard_turn_process_up"), 1.0);
  EXPECT_TRUE(wait_process_gone(first, back_by));
  EXPECT_FALSE(read_proc_stat(first)) << "the killed coturn was not reaped";

  exchange_offer_answer(b, a);  // and after
  EXPECT_TRUE(a.ws.is_open());
  EXPECT_TRUE(b.ws.is_open());
}

TEST(managed_turn, sigterm_leaves_no_coturn_behind) {
  const auto ports = pick_turn_ports();
  server_fixture server(managed_server(ports));
  ASSERT_TRUE(wait_readyz(server.port(), within(20s))) << "coturn never became ready";
  const pid_t coturn = wait_coturn_child(server.proc().pid(), within(5s));
  ASSERT_NE(coturn, 0) << "no turnserver child of the server";
  EXPECT_EQ(coturn_children(server.proc().pid()).size(), 1u);

  const int status = server.stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << describe_status(status);
  errno = 0;
  EXPECT_EQ(::kill(coturn, 0), -1) << "coturn " << coturn << " outlived switchboard";
  EXPECT_EQ(errno, ESRCH);
}

TEST(managed_turn, production_profile_refuses_a_loopback_peer) {
  const auto ports = pick_turn_ports();
  server_fixture server(managed_server(ports, {secret}, "1s", {"turn.managed.profile=production"}));
  ASSERT_TRUE(wait_readyz(server.port(), within(20s))) << "coturn never became ready";
  const auto echo = start_echo_peer(ports.peer);
  const std::string denied = "switchboard_turn_peer_denied_total";
  EXPECT_EQ(server.metric_value(denied), 0.0);

  const auto user = rest_username(1h, "loopback-peer");
  const auto out = relay_through(ports, {user, rest_password(secret, user)});
  EXPECT_NE(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("error 403 (Forbidden IP)"), std::string::npos) << out.output;
  EXPECT_LE(out.received, 0) << out.output;
  // The allocation itself is fine: only the peer is refused.
  EXPECT_TRUE(server.proc().wait_for_line(
      [&](std::string_view line) {
        return line.find("user <" + user + ">") != std::string_view::npos &&
               line.find("ALLOCATE processed, success") != std::string_view::npos;
      },
      within(5s)));
  EXPECT_TRUE(greater_than(server.wait_metric(denied, [](double v) { return v > 0; }, within(10s)), 0));
}

std::string turn_role_yaml(const turn_ports& p) {
  std::ostringstream y;
  y << "profile: development\n"
    << "metrics:\n  listen: 127.0.0.1:0\n"
    << "turn:\n  secrets: [\"turn-role-secret\"]\n  probe:\n    interval: 1s\n"
    << "  managed:\n    enabled: true\n    listen: 127.0.0.1:" << p.listen << "\n"
    << "    relay_ports: " << p.relay_min << "-" << p.relay_max << "\n"
    << "log:\n  level: debug\n";
  return y.str();
}

std::optional<double> wait_metric_at(std::uint16_t port, std::string_view series, double wanted, deadline until) {
  for (;;) {
    const auto value = find_metric(http_get(port, "/metrics").body, series);
    if ((value && *value == wanted) || clock::now() >= until) return value;
    std::this_thread::sleep_for(50ms);
  }
}

TEST(managed_turn, turn_role_runs_coturn_exports_its_metrics_and_stops_it) {
  const auto ports = pick_turn_ports();
  temp_dir dir;
  process role(command({server_binary(), "turn", "--config", dir.write("turn.yaml", turn_role_yaml(ports))}));
  const auto line = role.wait_for_line("metrics listening on ", within(15s));
  ASSERT_TRUE(line) << role.output();
  const auto metrics_port = port_after(*line, "metrics listening on ");
  ASSERT_NE(metrics_port, 0) << *line;

  EXPECT_EQ(wait_metric_at(metrics_port, "switchboard_turn_process_up", 1, within(20s)), 1.0) << role.output();
  EXPECT_EQ(wait_metric_at(metrics_port, "switchboard_turn_probe_success", 1, within(20s)), 1.0) << role.output();
  const pid_t coturn = wait_coturn_child(role.pid(), within(5s));
  ASSERT_NE(coturn, 0) << "no turnserver child of the turn role";

  role.signal(SIGTERM);
  const auto status = role.wait_exit(within(15s));
  ASSERT_TRUE(status) << "the turn role ignored SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status) << role.output();
  errno = 0;
  EXPECT_EQ(::kill(coturn, 0), -1) << "coturn " << coturn << " outlived the turn role";
  EXPECT_EQ(errno, ESRCH);
}

TEST(managed_turn, turn_config_prints_every_secret_and_the_deny_lines) {
  const auto ports = pick_turn_ports();
  temp_dir dir;
  const auto result = run(command({server_binary(), "turn-config", dir.write("turn.yaml", turn_role_yaml(ports)),
                                   "--set", R"(turn.secrets=["first-secret","second-secret","third-secret"])",
                                   "--set", "turn.managed.profile=production"}),
                          within(15s));
  ASSERT_EQ(result.exit_code, 0) << result.output;

  std::vector<std::string> lines;
  std::vector<std::string> secrets;
  std::istringstream in(result.output);
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("static-auth-secret=")) secrets.push_back(l.substr(l.find('=') + 1));
    lines.push_back(l);
  }
  auto count = [&](const std::string& l) { return std::count(lines.begin(), lines.end(), l); };
  EXPECT_EQ(count("use-auth-secret"), 1) << result.output;
  EXPECT_EQ(secrets, (std::vector<std::string>{"first-secret", "second-secret", "third-secret"}));
  EXPECT_EQ(count("denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255"), 1) << result.output;
  // Production: loopback peers are denied, not allowed.
  EXPECT_EQ(count("denied-peer-ip=127.0.0.0-127.255.255.255"), 1) << result.output;
  EXPECT_EQ(count("allow-loopback-peers"), 0) << result.output;
  EXPECT_EQ(count("listening-port=" + std::to_string(ports.listen)), 1) << result.output;
}

}  // namespace
}  // namespace switchboard::test

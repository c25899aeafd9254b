// The rendered configs against the real coturn 4.6.1: both profiles start
// without config complaints and coturn accepts every deny range; development
// relays to a loopback peer and production refuses it; the IPv4-mapped deny
// line is what stops ::ffff:127.0.0.1 (CVE-2026-27624).

#include "turn/coturn/config.hpp"
#include "turn/coturn/deny_list.hpp"
#include "turn/coturn/log_parser.hpp"
#include "turn/credentials/credentials.hpp"

#include "tests/support/deadline.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <ostream>
#include <string>

namespace {

using namespace switchboard::turn;
namespace t = switchboard::test;
using namespace std::chrono_literals;

const std::string turnserver = "/usr/bin/turnserver";
const std::string uclient = "/usr/bin/turnutils_uclient";
const std::string echo_peer = "/usr/bin/turnutils_peer";

bool bindable(int type, std::uint16_t port) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// `count` consecutive ports free for TCP and UDP, below Linux's ephemeral
// range (32768+) so no outgoing connection of another test can take them.
std::uint16_t free_ports(std::uint16_t count) {
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> start(20000, 32000 - count);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto first = static_cast<std::uint16_t>(start(rng));
    bool all = true;
    for (std::uint16_t p = first; all && p < first + count; ++p) {
      all = bindable(SOCK_STREAM, p) && bindable(SOCK_DGRAM, p);
    }
    if (all) return first;
  }
  throw std::runtime_error("no free port run found");
}

// A free port outside the relay range and different from `other`.
std::uint16_t free_port_outside(const coturn_options& o, std::uint16_t other = 0) {
  for (;;) {
    std::uint16_t p = free_ports(1);
    if ((p < o.min_port || p > o.max_port) && p != other) return p;
  }
}

coturn_options options_for(coturn_profile profile, const t::temp_dir& dir) {
  coturn_options o;
  o.profile = profile;
  o.secrets = {"integration-new", "integration-old"};
  o.realm = "integration.test";
  o.min_port = free_ports(16);
  o.max_port = static_cast<std::uint16_t>(o.min_port + 15);
  o.listen_port = free_port_outside(o);
  o.max_bps = 1'000'000;
  o.pidfile = dir.file("turnserver.pid");
  return o;
}

std::string render_ok(const coturn_options& o) {
  auto r = render_coturn_config(o);
  if (auto* e = std::get_if<render_error>(&r)) throw std::runtime_error("render refused: " + e->problems.front());
  return std::get<std::string>(r);
}

// Waits for a listener on 127.0.0.1:port whose transport contains `transport`.
bool wait_listener(t::process& p, std::string_view transport, std::uint16_t port) {
  const std::string endpoint = "127.0.0.1:" + std::to_string(port);
  return p.wait_for_line(
             [&](std::string_view line) {
               auto e = parse_coturn_line(line);
               auto* l = e ? std::get_if<listener_opened>(&*e) : nullptr;
               return l && l->endpoint == endpoint && l->transport.find(transport) != std::string::npos;
             },
             t::within(15s))
      .has_value();
}

struct start_case {
  std::string name;
  coturn_profile profile;
  bool tls;
  bool flags;  // the supervisor's "--log-file=stdout -v"; without them the file alone must do
};

std::string name_of(const ::testing::TestParamInfo<start_case>& p) { return p.param.name; }

// Names the row in failure messages instead of dumping its bytes.
void PrintTo(const start_case& c, std::ostream* os) { *os << c.name; }

class CoturnStarts : public ::testing::TestWithParam<start_case> {};

TEST_P(CoturnStarts, WithoutConfigProblems) {
  const auto& c = GetParam();
  t::temp_dir dir;
  auto o = options_for(c.profile, dir);
  if (c.tls) {
    std::tie(o.tls_cert, o.tls_key) = t::make_self_signed_cert(dir);
    o.tls_listen_port = free_port_outside(o, o.listen_port);
    o.external_ip = "203.0.113.7/127.0.0.1";
  }
  const std::string path = dir.write("turnserver.conf", render_ok(o));
  std::vector<std::string> argv{turnserver, "-c", path};
  if (c.flags) argv.insert(argv.end(), {"--log-file=stdout", "-v"});
  t::process coturn(t::command(argv));

  ASSERT_TRUE(wait_listener(coturn, "UDP", o.listen_port)) << coturn.output();
  if (c.tls) {
    ASSERT_TRUE(wait_listener(coturn, "TLS", o.tls_listen_port)) << coturn.output();
  }

  std::set<std::string> accepted;  // "Black listing: A-B" is coturn accepting a denied-peer-ip line
  std::istringstream out(coturn.output());
  for (std::string line; std::getline(out, line);) {
    auto e = parse_coturn_line(line);
    EXPECT_FALSE(e && std::holds_alternative<config_problem>(*e)) << line;
    EXPECT_EQ(line.find("Bad configuration"), std::string::npos) << line;
    EXPECT_EQ(line.find("ERROR"), std::string::npos) << line;
    if (auto at = line.find("Black listing: "); at != std::string::npos) accepted.insert(line.substr(at + 15));
  }
  std::set<std::string> rendered;
  for (const auto& r : special_purpose_ranges()) {
    if (!(c.profile == coturn_profile::development && r.loopback)) rendered.insert(coturn_range(r));
  }
  EXPECT_EQ(accepted, rendered);

  coturn.signal(SIGTERM);  // coturn 4.6.1 has no handler: the default action ends it
  EXPECT_TRUE(coturn.wait_exit(t::within(10s)).has_value());
}

INSTANTIATE_TEST_SUITE_P(Profiles, CoturnStarts,
                         ::testing::Values(start_case{"production", coturn_profile::production, false, true},
                                           start_case{"development", coturn_profile::development, false, true},
                                           start_case{"production_tls", coturn_profile::production, true, true},
                                           start_case{"development_tls", coturn_profile::development, true, true},
                                           start_case{"production_file_only", coturn_profile::production, false,
                                                      false}),
                         name_of);

// Runs turnutils_uclient through a coturn started from `config` towards
// `peer` (an echo peer listens on 127.0.0.1) and returns coturn's output once
// a line containing `done` appeared.
std::string relay_once(const std::string& config, const coturn_options& o, const std::string& peer,
                       bool ipv6_relay, std::string_view done) {
  t::temp_dir dir;
  t::process coturn(t::command({turnserver, "-c", dir.write("turnserver.conf", config)}));
  EXPECT_TRUE(wait_listener(coturn, "UDP", o.listen_port)) << coturn.output();
  const std::uint16_t peer_port = free_ports(1);
  t::process echo(t::command({echo_peer, "-L", "127.0.0.1", "-p", std::to_string(peer_port)}));
  auto cred = mint(o.secrets.front(), "probe", wall_clock::now(), min_ttl);
  std::vector<std::string> argv{uclient, "-p", std::to_string(o.listen_port), "-u", cred.username, "-w",
                                cred.password, "-e", peer, "-r", std::to_string(peer_port), "-n", "5", "-c"};
  if (ipv6_relay) argv.push_back("-x");
  argv.push_back("127.0.0.1");
  t::process client(t::command(argv));  // killed on return if still retrying
  bool seen = coturn.wait_for_line(done, t::within(30s)).has_value();
  EXPECT_TRUE(seen) << "no \"" << done << "\"; uclient said:\n" << client.output() << "\ncoturn:\n" << coturn.output();
  return coturn.output();
}

bool has_exe(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

TEST(CoturnProfiles, DevelopmentRelaysToLoopbackProductionRefuses) {
  if (!has_exe(uclient) || !has_exe(echo_peer)) GTEST_SKIP() << "coturn utilities not installed";
  t::temp_dir dir;
  auto dev = options_for(coturn_profile::development, dir);
  auto out = relay_once(render_ok(dev), dev, "127.0.0.1", false, "peer usage: ");
  EXPECT_EQ(out.find("Forbidden IP"), std::string::npos);
  EXPECT_NE(out.find("CHANNEL_BIND processed, success"), std::string::npos);

  auto prod = options_for(coturn_profile::production, dir);
  out = relay_once(render_ok(prod), prod, "127.0.0.1", false, "error 403: Forbidden IP");
  EXPECT_EQ(out.find("CHANNEL_BIND processed, success"), std::string::npos);
}

TEST(CoturnProfiles, MappedLoopbackIsRefusedOnlyThanksToTheDenyLine) {
  if (!has_exe(uclient) || !has_exe(echo_peer)) GTEST_SKIP() << "coturn utilities not installed";
  t::temp_dir dir;
  auto prod = options_for(coturn_profile::production, dir);
  prod.relay_ip = "::1";  // an IPv6 relay is what lets a client name ::ffff:127.0.0.1
  const std::string config = render_ok(prod);
  auto out = relay_once(config, prod, "::ffff:127.0.0.1", true, "error 403: Forbidden IP");
  EXPECT_EQ(out.find("CHANNEL_BIND processed, success"), std::string::npos);

  // Control: without the mapped line coturn 4.6.1 grants the permission.
  const std::string line = "denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255\n";
  auto control = options_for(coturn_profile::production, dir);  // fresh ports
  control.relay_ip = "::1";
  std::string without = render_ok(control);
  auto at = without.find(line);
  ASSERT_NE(at, std::string::npos);
  without.erase(at, line.size());
  out = relay_once(without, control, "::ffff:127.0.0.1", true, "CHANNEL_BIND processed, success");
  EXPECT_EQ(out.find("Forbidden IP"), std::string::npos);
}

// coturn's range check cannot express "::" (see deny_list.hpp), but 4.6.1
// refuses the unspecified address itself, even with allow-loopback-peers.
TEST(CoturnProfiles, UnspecifiedIpv6PeerIsRefusedByCoturnItself) {
  if (!has_exe(uclient) || !has_exe(echo_peer)) GTEST_SKIP() << "coturn utilities not installed";
  t::temp_dir dir;
  auto dev = options_for(coturn_profile::development, dir);
  dev.relay_ip = "::1";
  auto out = relay_once(render_ok(dev), dev, "::", true, "error 403: Forbidden IP");
  EXPECT_EQ(out.find("CHANNEL_BIND processed, success"), std::string::npos);
}

}  // namespace

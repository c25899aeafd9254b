// The TURN probe and the STUN binding check against the real coturn
// (/usr/bin/turnserver), started per test on loopback ports picked at run
// time and stopped (SIGTERM, then SIGKILL) when the test ends.

#include "turn/credentials/credentials.hpp"
#include "turn/stun/probe.hpp"

#include "tests/support/deadline.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace stun = switchboard::stun;
namespace test = switchboard::test;
namespace turn = switchboard::turn;
using namespace std::chrono_literals;

const std::string secret = "probe-itest-secret";
const std::string realm = "probe.switchboard.test";
constexpr std::uint16_t relay_ports = 16;

// True when nobody holds `port` on 127.0.0.1, for UDP and TCP (coturn listens on both).
bool port_free(std::uint16_t port) {
  net::io_context ioc;
  boost::system::error_code ec;
  net::ip::udp::socket udp(ioc);
  net::ip::tcp::acceptor tcp(ioc);
  udp.open(net::ip::udp::v4(), ec);
  udp.bind({net::ip::make_address_v4("127.0.0.1"), port}, ec);
  if (ec) return false;
  tcp.open(net::ip::tcp::v4(), ec);
  tcp.bind({net::ip::make_address_v4("127.0.0.1"), port}, ec);
  return !ec;
}

// A UDP port the kernel just handed out and released: nobody listens there.
std::uint16_t unused_udp_port() {
  net::io_context ioc;
  net::ip::udp::socket s(ioc, {net::ip::make_address_v4("127.0.0.1"), 0});
  return s.local_endpoint().port();
}

// A run of free ports below Linux's ephemeral range (32768 and up), so that
// ports the kernel hands out never land in it, at a random place so that
// tests running in parallel rarely meet.
std::uint16_t free_port_run(std::uint16_t count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> base_dist(20000, 30000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto base = static_cast<std::uint16_t>(base_dist(rng));
    bool all = true;
    for (std::uint16_t p = base; p < base + count && all; ++p) {
      all = port_free(p);
    }
    if (all) return base;
  }
  throw std::runtime_error("no free port run found");
}

// Runs `start(done)` on a fresh io_context until it completes or the deadline passes.
template <class T, class Start>
std::optional<T> run_until_done(Start start, std::chrono::milliseconds limit) {
  net::io_context ioc;
  std::optional<T> out;
  [[maybe_unused]] auto keep = start(ioc, [&](const T& value) { out = value; });
  ioc.run_for(limit);
  return out;
}

bool binding_check(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto ok = run_until_done<bool>(
      [&](net::io_context& ioc, auto done) {
        stun::stun_binding_check(ioc.get_executor(), "127.0.0.1", port, timeout, done);
        return 0;
      },
      timeout + 2s);
  return ok.value_or(false);
}

stun::probe_result probe(std::uint16_t port, const turn::credential& cred,
                         std::chrono::milliseconds timeout = 5s) {
  stun::probe_config cfg;
  cfg.username = cred.username;
  cfg.password = cred.password;
  cfg.timeout = timeout;
  const auto r = run_until_done<stun::probe_result>(
      [&](net::io_context& ioc, auto done) {
        auto p = std::make_unique<stun::turn_probe>(ioc.get_executor(),
                                                    stun::probe_target{"127.0.0.1", port}, cfg);
        p->start(done);
        return p;
      },
      timeout + 2s);
  if (r) {
    return *r;
  }
  ADD_FAILURE() << "the probe never called back";
  stun::probe_result none;
  none.outcome = stun::probe_outcome::cancelled;
  return none;
}

class coturn {
public:
  coturn() : port_(free_port_run(1)), relay_min_(free_port_run(relay_ports)) {
    const std::string conf = dir_.write("turnserver.conf", config());
    proc_ = std::make_unique<test::process>(
        test::command({"/usr/bin/turnserver", "-c", conf, "--log-file=stdout", "-v"}));
    const auto until = test::within(15s);
    while (!binding_check(port_, 300ms)) {
      if (!proc_->running() || test::clock::now() > until) {
        throw std::runtime_error("coturn did not answer STUN:\n" + proc_->output());
      }
    }
  }

  ~coturn() {
    // coturn 4.6.1 installs no SIGTERM handler: the default action ends it.
    proc_->signal(SIGTERM);
    if (!proc_->wait_exit(test::within(5s))) {
      proc_->signal(SIGKILL);
      proc_->wait_exit(test::within(5s));
    }
    if (testing::Test::HasFailure()) {
      std::cerr << "---- coturn output ----\n" << proc_->output() << "----\n";
    }
  }

  std::uint16_t port() const { return port_; }
  std::uint16_t relay_min() const { return relay_min_; }
  // True once coturn logged a line containing `text` (it logs as it goes).
  bool logged(std::string_view text) { return proc_->wait_for_line(text, test::within(2s)).has_value(); }

private:
  std::string config() const {
    return "use-auth-secret\n"
           "static-auth-secret=" + secret + "\n"
           "realm=" + realm + "\n"
           "listening-ip=127.0.0.1\n"
           "listening-port=" + std::to_string(port_) + "\n"
           "relay-ip=127.0.0.1\n"
           "min-port=" + std::to_string(relay_min_) + "\n"
           "max-port=" + std::to_string(relay_min_ + relay_ports - 1) + "\n"
           "no-cli\n"
           "no-tls\n"
           "no-dtls\n"
           "allow-loopback-peers\n"
           "userdb=" + dir_.file("turndb") + "\n"
           "pidfile=" + dir_.file("turnserver.pid") + "\n";
  }

  test::temp_dir dir_;
  std::uint16_t port_;
  std::uint16_t relay_min_;
  std::unique_ptr<test::process> proc_;
};

turn::credential fresh_credential(const std::string& with_secret = secret) {
  return turn::mint(with_secret, "probe", turn::wall_clock::now(), 10min);
}

TEST(probe_coturn, valid_credential_allocates_and_releases) {
  coturn server;
  const auto r = probe(server.port(), fresh_credential());
  ASSERT_TRUE(r.ok()) << stun::describe(r);
  EXPECT_EQ(r.stage, stun::probe_stage::refresh);
  EXPECT_EQ(r.realm, realm);
  ASSERT_TRUE(r.mapped && r.relayed);
  EXPECT_EQ(stun::to_string(*r.mapped).rfind("127.0.0.1:", 0), 0u);
  EXPECT_GE(r.relayed->port, server.relay_min());
  EXPECT_LT(r.relayed->port, server.relay_min() + relay_ports);
  EXPECT_LT(r.duration, 2s);
  // The Refresh with LIFETIME 0 released the allocation, so a second run works as well.
  EXPECT_TRUE(server.logged("refreshed, realm=<" + realm + ">, username=<"));
  EXPECT_TRUE(server.logged("lifetime=0"));
  EXPECT_TRUE(probe(server.port(), fresh_credential()).ok());
}

TEST(probe_coturn, concurrent_probes_on_a_multithreaded_io_context) {
  // Each probe keeps to its own strand, so an io_context run by several
  // threads (as the server runs it) is fine; TSan builds check this test.
  coturn server;
  net::io_context ioc;
  std::vector<std::unique_ptr<stun::turn_probe>> probes;
  std::vector<std::optional<stun::probe_result>> results(4);
  stun::probe_config cfg;
  const auto cred = fresh_credential();
  cfg.username = cred.username;
  cfg.password = cred.password;
  for (std::size_t i = 0; i < results.size(); ++i) {
    probes.push_back(std::make_unique<stun::turn_probe>(
        ioc.get_executor(), stun::probe_target{"127.0.0.1", server.port()}, cfg));
    probes.back()->start([&results, i](const stun::probe_result& r) { results[i] = r; });
  }
  std::thread helper([&ioc] { ioc.run_for(10s); });
  ioc.run_for(10s);
  helper.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok()) << stun::describe(*r);
  }
}

TEST(probe_coturn, wrong_secret_is_reported_as_rejected_authentication) {
  coturn server;
  const auto r = probe(server.port(), fresh_credential("not-the-secret"));
  EXPECT_EQ(r.outcome, stun::probe_outcome::auth_rejected) << stun::describe(r);
  EXPECT_EQ(r.stage, stun::probe_stage::allocate);
  EXPECT_EQ(r.error_code, 401);
  EXPECT_NE(r.reason.find("wrong secret or realm"), std::string::npos) << r.reason;
}

TEST(probe_coturn, expired_credential_fails) {
  coturn server;
  const auto expired = turn::mint(secret, "probe", turn::wall_clock::now() - 1h, 10min);
  const auto r = probe(server.port(), expired);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.outcome, stun::probe_outcome::auth_rejected) << stun::describe(r);
  EXPECT_EQ(r.stage, stun::probe_stage::allocate);
}

TEST(probe_coturn, closed_port_times_out) {
  const auto r = probe(unused_udp_port(), fresh_credential(), 800ms);
  EXPECT_EQ(r.outcome, stun::probe_outcome::timeout) << stun::describe(r);
  EXPECT_EQ(r.stage, stun::probe_stage::binding);
  EXPECT_GE(r.duration, 700ms);
  EXPECT_GT(r.retransmissions, 0);
}

TEST(probe_coturn, binding_check_reports_ready_and_not_ready) {
  EXPECT_FALSE(binding_check(unused_udp_port(), 300ms));
  coturn server;
  EXPECT_TRUE(binding_check(server.port(), 1s));
}

TEST(probe_coturn, unresolvable_host_is_a_network_error) {
  stun::probe_config cfg;
  const auto r = run_until_done<stun::probe_result>(
      [&](net::io_context& ioc, auto done) {
        auto p = std::make_unique<stun::turn_probe>(
            ioc.get_executor(), stun::probe_target{"no-such-host.invalid", 3478}, cfg);
        p->start(done);
        return p;
      },
      10s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, stun::probe_outcome::network_error) << stun::describe(*r);
  EXPECT_EQ(r->stage, stun::probe_stage::resolve);
}

TEST(probe_coturn, cancel_reports_cancelled_and_destruction_stays_silent) {
  net::io_context ioc;
  const std::uint16_t port = unused_udp_port();
  std::optional<stun::probe_result> cancelled;
  stun::turn_probe a(ioc.get_executor(), {"127.0.0.1", port}, {});
  a.start([&](const stun::probe_result& r) { cancelled = r; });
  int silent_calls = 0;
  auto b = std::make_unique<stun::turn_probe>(ioc.get_executor(), stun::probe_target{"127.0.0.1", port},
                                              stun::probe_config{});
  b->start([&](const stun::probe_result&) { ++silent_calls; });
  ioc.run_for(50ms);
  a.cancel();
  b.reset();
  ioc.run_for(200ms);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->outcome, stun::probe_outcome::cancelled);
  EXPECT_EQ(silent_calls, 0);
}

}  // namespace

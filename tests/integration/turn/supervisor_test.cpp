// process_supervisor against real children: /bin/sh scripts for the restart,
// stop and crash-loop paths, and the real coturn once. Every wait polls the
// io_context up to a deadline; children are gone when each test ends.

#include "turn/supervisor/line_splitter.hpp"
#include "turn/supervisor/process_supervisor.hpp"
#include "turn/supervisor/spawn.hpp"
#include "turn/supervisor/supervisor_metrics.hpp"

#include "tests/support/deadline.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

namespace switchboard::turn {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::within;

// Dead means no such process, or a zombie nobody reaped yet (an orphan whose
// new parent is slow, or never reaps, in a container).
bool dead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z' ||
         text[close + 2] == 'X';
}

bool wait_dead(pid_t pid, test::deadline until) {
  while (!dead(pid)) {
    if (test::clock::now() >= until) return false;
    std::this_thread::yield();
  }
  return true;
}

std::vector<std::string> sh(const std::string& script) { return {"/bin/sh", "-c", script}; }

restart_config quick_policy() {
  restart_config p;
  p.initial_backoff = 20ms;
  p.max_backoff = 100ms;
  p.crash_loop_restarts = 3;
  p.stop_timeout = 2s;
  p.kill_timeout = 2s;
  return p;
}

// One supervisor on an io_context run by the test thread, so the callbacks
// and the assertions never race. Readiness: the marker line was printed by
// the current child.
struct harness {
  asio::io_context ioc;
  prometheus::Registry registry;
  supervisor_metrics metrics{registry};
  std::vector<std::string> lines;
  std::vector<child_state> states;
  bool marker_seen = false;
  std::string marker = "up";
  std::unique_ptr<process_supervisor> sup;

  explicit harness(std::vector<std::string> argv, restart_config policy = quick_policy(),
                   supervisor_callbacks extra = {}, std::vector<std::string> certs = {}) {
    supervisor_config cfg;
    cfg.argv = std::move(argv);
    cfg.policy = policy;
    cfg.readiness_interval = 20ms;
    cfg.cert_paths = std::move(certs);
    cfg.cert_poll_interval = 30ms;
    cfg.max_line_bytes = 100;
    cfg.name = "child";
    cfg.metrics = &metrics;
    supervisor_callbacks cb;
    cb.on_line = [this](std::string_view line) {
      lines.emplace_back(line);
      if (line.find(marker) != std::string_view::npos) marker_seen = true;
    };
    cb.on_state = [this](child_state s) {
      if (s == child_state::up) marker_seen = false;
      states.push_back(s);
    };
    cb.check_ready = extra.check_ready ? extra.check_ready : [this](auto done) { done(marker_seen); };
    sup = std::make_unique<process_supervisor>(ioc.get_executor(), std::move(cfg), std::move(cb));
  }

  ~harness() {
    if (sup && sup->pid() > 0) stop();
  }

  template <typename Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto until = within(limit);
    while (!pred()) {
      if (test::clock::now() >= until) return false;
      if (ioc.stopped()) ioc.restart();
      ioc.run_one_until(until);
    }
    return true;
  }

  bool stop() {
    bool done = false;
    sup->stop([&] { done = true; });
    return run_until([&] { return done; });
  }

  bool saw(std::string_view text) const {
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

TEST(Supervisor, StartsDeliversOutputAndStops) {
  harness h(sh("echo up; echo to-stderr >&2; exec sleep 30"));
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }));
  const pid_t pid = h.sup->pid();
  EXPECT_GT(pid, 0);
  // Its stderr is a pipe of its own: its line may come after readiness (seen on stdout).
  EXPECT_TRUE(h.run_until([&] { return h.saw("to-stderr"); }));
  EXPECT_EQ(h.states, (std::vector<child_state>{child_state::up, child_state::ready}));
  EXPECT_EQ(h.metrics.up.Value(), 1);
  EXPECT_EQ(h.metrics.ready.Value(), 1);

  ASSERT_TRUE(h.stop());
  EXPECT_TRUE(wait_dead(pid, within(2s)));
  EXPECT_FALSE(h.sup->is_up());
  EXPECT_FALSE(h.sup->is_ready());
  EXPECT_EQ(h.states.back(), child_state::down);
  EXPECT_EQ(h.metrics.up.Value(), 0);
  EXPECT_EQ(h.sup->restarts(), 0u);
}

TEST(Supervisor, RestartsAfterKill9) {
  harness h(sh("echo up; exec sleep 30"));
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }));
  const pid_t first = h.sup->pid();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(h.run_until([&] { return h.sup->restarts() == 1 && h.sup->is_ready(); }, 5s));
  EXPECT_NE(h.sup->pid(), first);
  EXPECT_EQ(h.metrics.restarts.Value(), 1);
  EXPECT_FALSE(h.sup->given_up());
  EXPECT_EQ(h.states, (std::vector<child_state>{child_state::up, child_state::ready, child_state::down,
                                                child_state::up, child_state::ready}));
  const pid_t second = h.sup->pid();
  ASSERT_TRUE(h.stop());
  EXPECT_TRUE(wait_dead(second, within(2s)));
}

// Only our own pids are reaped: a child another part of the process started
// keeps its exit status for its owner.
TEST(Supervisor, LeavesOtherChildrenToTheirOwner) {
  harness h(sh("echo up; exec sleep 30"));
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }));
  const pid_t other = ::fork();
  ASSERT_GE(other, 0);
  if (other == 0) ::_exit(7);
  // The restart makes the supervisor handle SIGCHLDs after `other` exited.
  ASSERT_EQ(::kill(h.sup->pid(), SIGKILL), 0);
  ASSERT_TRUE(h.run_until([&] { return h.sup->restarts() == 1 && h.sup->is_ready(); }, 5s));
  int status = 0;
  ASSERT_EQ(::waitpid(other, &status, 0), other) << "stolen by the supervisor";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

TEST(Supervisor, StopSendsTermAndLeavesNoProcess) {
  // The trap runs once the foreground sleep ends. The background sleep is a
  // grandchild ignoring SIGTERM: only the group SIGKILL that follows the
  // leader's exit removes it.
  harness h(sh("trap 'echo got-term; exit 0' TERM; (trap '' TERM; exec sleep 30) & echo bg=$!; echo up; "
               "while :; do sleep 0.05; done"));
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready() && h.saw("bg="); }));
  const pid_t pid = h.sup->pid();
  pid_t grandchild = 0;
  for (const auto& l : h.lines) {
    if (l.rfind("bg=", 0) == 0) grandchild = std::stoi(l.substr(3));
  }
  ASSERT_GT(grandchild, 0);

  const auto t = test::clock::now();
  ASSERT_TRUE(h.stop());
  EXPECT_LT(test::clock::now() - t, 2s) << "SIGTERM should have been enough";
  EXPECT_TRUE(h.saw("got-term"));
  EXPECT_TRUE(wait_dead(pid, within(2s)));
  EXPECT_TRUE(wait_dead(grandchild, within(2s)));
}

TEST(Supervisor, IgnoredTermGetsKillAfterTimeout) {
  auto policy = quick_policy();
  policy.stop_timeout = 300ms;
  harness h(sh("trap '' TERM; echo up; exec sleep 30"), policy);
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }));
  const pid_t pid = h.sup->pid();
  const auto t = test::clock::now();
  ASSERT_TRUE(h.stop());
  EXPECT_GE(test::clock::now() - t, 300ms);
  EXPECT_TRUE(wait_dead(pid, within(2s)));
  EXPECT_EQ(h.sup->restarts(), 0u);
}

TEST(Supervisor, CrashLoopGivesUp) {
  harness h(sh("echo boom; exit 1"));
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->given_up(); }));
  EXPECT_EQ(h.sup->restarts(), 3u);
  EXPECT_EQ(h.metrics.restarts.Value(), 3);
  EXPECT_EQ(h.metrics.given_up.Value(), 1);
  EXPECT_FALSE(h.sup->is_up());
  EXPECT_FALSE(h.sup->is_ready());
  EXPECT_EQ(h.states.back(), child_state::given_up);
  EXPECT_EQ(std::count(h.lines.begin(), h.lines.end(), "boom"), 4);
  ASSERT_TRUE(h.stop());
  EXPECT_EQ(h.states.back(), child_state::given_up);
}

TEST(Supervisor, SpawnFailureIsRetriedThenGivesUp) {
  auto policy = quick_policy();
  policy.crash_loop_restarts = 1;
  harness h({"/nonexistent/turnserver"}, policy);
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->given_up(); }));
  EXPECT_EQ(h.sup->restarts(), 1u);
  EXPECT_TRUE(h.states.empty() || h.states.back() == child_state::given_up);
}

TEST(Supervisor, OverlongLinesAreCutAndCounted) {
  harness h(sh("head -c 5000 /dev/zero | tr '\\0' x; echo; echo up; exec sleep 30"));
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }));
  ASSERT_GE(h.lines.size(), 2u);
  EXPECT_EQ(h.lines[0], std::string(100, 'x'));
  EXPECT_EQ(h.lines[1], "up");
  EXPECT_EQ(h.sup->truncated_lines(), 1u);
  EXPECT_EQ(h.metrics.truncated_lines.Value(), 1);
}

TEST(Supervisor, CertificateChangeSendsSigusr2) {
  test::temp_dir dir;
  const auto cert = dir.write("cert.pem", "old");
  harness h(sh("trap 'echo reload' USR2; echo up; while :; do sleep 0.05; done"), quick_policy(), {}, {cert});
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }));
  dir.write("cert.pem", "renewed");
  ASSERT_TRUE(h.run_until([&] { return h.saw("reload"); }, 5s));
  EXPECT_EQ(h.sup->cert_reloads(), 1u);
  EXPECT_EQ(h.metrics.cert_reloads.Value(), 1);
  EXPECT_EQ(h.sup->restarts(), 0u);
}

TEST(Supervisor, DestroyingKillsTheChild) {
  auto h = std::make_unique<harness>(sh("trap '' TERM; echo up; exec sleep 30"));
  h->sup->start();
  ASSERT_TRUE(h->run_until([&] { return h->sup->is_ready(); }));
  const pid_t pid = h->sup->pid();
  h->sup.reset();
  EXPECT_TRUE(dead(pid));  // reaped synchronously by the destructor
}

// If Switchboard itself is SIGKILLed, the kernel kills the child
// (PR_SET_PDEATHSIG). A forked helper plays Switchboard; the test process
// becomes a subreaper so the orphan is reparented to it and can be reaped.
TEST(Spawn, ChildDiesWithItsParent) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    spawned_child c;
    if (spawn_child({"/bin/sleep", "30"}, c)) ::_exit(1);
    (void)!::write(fds[1], &c.pid, sizeof c.pid);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t grandchild = 0;
  ASSERT_EQ(::read(fds[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  ::close(fds[0]);
  ASSERT_EQ(::kill(helper, SIGKILL), 0);
  ASSERT_EQ(::waitpid(helper, nullptr, 0), helper);
  int status = 0;
  const auto until = within(5s);
  pid_t reaped = 0;
  while ((reaped = ::waitpid(grandchild, &status, WNOHANG)) == 0 && test::clock::now() < until) {
    std::this_thread::yield();
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  ASSERT_EQ(reaped, grandchild);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(Spawn, ReportsExecFailure) {
  spawned_child c;
  EXPECT_EQ(spawn_child({"/nonexistent/bin"}, c), std::errc::no_such_file_or_directory);
  EXPECT_EQ(spawn_child({"no-such-program-in-path-xyz"}, c), std::errc::no_such_file_or_directory);
  test::temp_dir dir;
  const auto not_exec = dir.write("script", "#!/bin/sh\n");
  EXPECT_EQ(spawn_child({not_exec}, c), std::errc::permission_denied);
  EXPECT_EQ(c.pid, -1);
}

// ---- The real coturn ----

// coturn binds its TCP listener without SO_REUSEADDR, so a port that other
// tests' client connections left in TIME_WAIT makes it retry forever. Pick a
// port below the ephemeral range (no client gets it later) that binds for
// TCP without SO_REUSEADDR and for UDP now.
std::uint16_t free_port() {
  int low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(10000, std::max(low, 10001) - 1);
  asio::io_context ioc;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto port = static_cast<std::uint16_t>(pick(rng));
    const auto addr = asio::ip::make_address("127.0.0.1");
    boost::system::error_code tcp_ec, udp_ec;
    asio::ip::tcp::socket tcp(ioc, asio::ip::tcp::v4());
    tcp.bind({addr, port}, tcp_ec);
    asio::ip::udp::socket udp(ioc, asio::ip::udp::v4());
    udp.bind({addr, port}, udp_ec);
    if (!tcp_ec && !udp_ec) return port;
  }
  return 0;
}

// One STUN Binding request (RFC 5389: type 0x0001, length 0, magic cookie,
// random transaction id); ready when a reply with our transaction id comes
// back within 200 ms.
struct stun_probe : std::enable_shared_from_this<stun_probe> {
  stun_probe(asio::io_context& ioc, std::function<void(bool)> done_fn)
      : socket(ioc, asio::ip::udp::v4()), timer(ioc), done(std::move(done_fn)) {}

  void run(std::uint16_t port) {
    static std::mt19937 rng{std::random_device{}()};
    request = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
    for (std::size_t i = 8; i < request.size(); ++i) request[i] = static_cast<std::uint8_t>(rng());
    const asio::ip::udp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
    socket.async_send_to(asio::buffer(request), to, [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) self->finish(false);
    });
    socket.async_receive_from(asio::buffer(reply), from, [self = shared_from_this()](auto ec, std::size_t n) {
      self->finish(!ec && n >= 20 &&
                   std::equal(self->request.begin() + 8, self->request.end(), self->reply.begin() + 8));
    });
    timer.expires_after(200ms);
    timer.async_wait([self = shared_from_this()](auto ec) {
      if (!ec) self->finish(false);
    });
  }

  void finish(bool ok) {
    if (finished) return;
    finished = true;
    timer.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
    done(ok);
  }

  asio::ip::udp::socket socket;
  asio::steady_timer timer;
  std::function<void(bool)> done;
  std::array<std::uint8_t, 20> request{};
  std::array<std::uint8_t, 1500> reply{};
  asio::ip::udp::endpoint from;
  bool finished = false;
};

TEST(SupervisorTurnserver, ReadyAfterStunRestartsAfterKill9AndStops) {
  if (std::string(SWITCHBOARD_TURNSERVER).empty()) GTEST_SKIP() << "turnserver not installed";
  test::temp_dir dir;
  const auto port = free_port();
  ASSERT_NE(port, 0);
  std::ostringstream conf;
  conf << "listening-ip=127.0.0.1\nlistening-port=" << port << "\nno-cli\nno-tls\nno-dtls\n"
       << "pidfile=" << dir.file("turnserver.pid") << "\nuserdb=" << dir.file("turndb") << "\n"
       << "use-auth-secret\nstatic-auth-secret=x\nrealm=test\n";
  const auto conf_path = dir.write("turnserver.conf", conf.str());

  auto policy = quick_policy();
  policy.initial_backoff = 50ms;
  asio::io_context* ioc_ptr = nullptr;
  supervisor_callbacks cb;
  cb.check_ready = [&](std::function<void(bool)> done) {
    std::make_shared<stun_probe>(*ioc_ptr, std::move(done))->run(port);
  };
  harness h({SWITCHBOARD_TURNSERVER, "-c", conf_path, "--log-file=stdout", "-v"}, policy, cb);
  ioc_ptr = &h.ioc;
  h.sup->start();
  ASSERT_TRUE(h.run_until([&] { return h.sup->is_ready(); }, 15s))
      << "no STUN answer on " << port << "; last output: " << (h.lines.empty() ? "" : h.lines.back());
  EXPECT_TRUE(h.saw("UDP listener opened on"));
  const pid_t first = h.sup->pid();

  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(h.run_until([&] { return h.sup->restarts() == 1 && h.sup->is_ready(); }, 15s));
  const pid_t second = h.sup->pid();
  EXPECT_NE(second, first);
  EXPECT_TRUE(dead(first));

  ASSERT_TRUE(h.stop());
  EXPECT_TRUE(wait_dead(second, within(2s)));
  EXPECT_FALSE(h.sup->is_up());
}

// ---- Line splitting (pure; here because it only serves the driver) ----

struct split_case {
  const char* name;
  std::vector<std::string> chunks;
  std::size_t max;
  std::vector<std::string> lines;  // after finish()
  std::uint64_t truncated;
};

void PrintTo(const split_case& c, std::ostream* os) { *os << c.name; }

class LineSplitter : public ::testing::TestWithParam<split_case> {};

TEST_P(LineSplitter, Splits) {
  const auto& c = GetParam();
  line_splitter splitter(c.max);
  std::vector<std::string> got;
  const line_sink sink = [&](std::string_view l) { got.emplace_back(l); };
  for (const auto& chunk : c.chunks) splitter.feed(chunk, sink);
  splitter.finish(sink);
  EXPECT_EQ(got, c.lines);
  EXPECT_EQ(splitter.truncated(), c.truncated);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LineSplitter,
    ::testing::Values(split_case{"simple", {"a\nb\n"}, 10, {"a", "b"}, 0},
                      split_case{"split_across_chunks", {"ab", "c\nd", "e\n"}, 10, {"abc", "de"}, 0},
                      split_case{"crlf", {"a\r\nb\r", "\n"}, 10, {"a", "b"}, 0},
                      split_case{"empty_lines", {"\n\n"}, 10, {"", ""}, 0},
                      split_case{"partial_last_line", {"a\nb"}, 10, {"a", "b"}, 0},
                      split_case{"exactly_max", {"abcd\n"}, 4, {"abcd"}, 0},
                      split_case{"overlong_in_one_chunk", {"abcdefg\nh\n"}, 4, {"abcd", "h"}, 1},
                      split_case{"overlong_across_chunks", {"abc", "def", "ghi", "\nj\n"}, 4, {"abcd", "j"}, 1},
                      split_case{"two_overlong", {"aaaaaa\nbbbbbb\n"}, 4, {"aaaa", "bbbb"}, 2},
                      split_case{"overlong_unterminated", {"abcdefgh"}, 4, {"abcd"}, 1}),
    [](const auto& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace switchboard::turn

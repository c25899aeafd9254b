#pragma once
// Helpers for the tests that run Switchboard with its managed coturn: ports
// coturn can bind, finding coturn among a process's children, TURN REST API
// credentials signed by the openssl CLI (an implementation independent of
// Switchboard's), and turnutils_peer / turnutils_uclient runs. Header-only:
// the integration CMakeLists compiles *_test.cpp and signaling_helpers.cpp.

#include "tests/support/deadline.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace switchboard::test::turn_helpers {

using namespace std::chrono_literals;

inline const std::string uclient_binary = "/usr/bin/turnutils_uclient";
inline const std::string echo_peer_binary = "/usr/bin/turnutils_peer";

// ---- ports -----------------------------------------------------------------

// A plain bind on 127.0.0.1, without SO_REUSEADDR: that is how coturn binds
// its TCP listener, and a port in TIME_WAIT would make it retry forever.
inline bool bindable(int type, std::uint16_t port) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

struct turn_ports {
  std::uint16_t listen = 0;     // coturn, UDP and TCP
  std::uint16_t relay_min = 0;  // relay range, UDP, excludes every other port here
  std::uint16_t relay_max = 0;
  std::uint16_t peer = 0;  // turnutils_peer binds this port and the next one (UDP)
};

// Picks all of them at random in 20000-29999: below the kernel's ephemeral
// range (32768+), so no outgoing connection of a parallel test takes them
// between the pick and coturn's bind.
inline turn_ports pick_turn_ports(std::uint16_t relay_count = 40) {
  static std::mt19937 rng{std::random_device{}()};
  auto free_run = [&](std::uint16_t count, bool tcp_too, auto&& acceptable) -> std::uint16_t {
    std::uniform_int_distribution<int> first(20000, 30000 - count);
    for (int attempt = 0; attempt < 500; ++attempt) {
      const auto start = static_cast<std::uint16_t>(first(rng));
      bool ok = acceptable(start, static_cast<std::uint16_t>(start + count - 1));
      for (std::uint16_t p = start; ok && p < start + count; ++p) {
        ok = bindable(SOCK_DGRAM, p) && (!tcp_too || bindable(SOCK_STREAM, p));
      }
      if (ok) return start;
    }
    throw std::runtime_error("no free run of " + std::to_string(count) + " ports in 20000-29999");
  };
  turn_ports p;
  p.relay_min = free_run(relay_count, false, [](auto, auto) { return true; });
  p.relay_max = static_cast<std::uint16_t>(p.relay_min + relay_count - 1);
  auto outside_relay = [&](std::uint16_t lo, std::uint16_t hi) { return hi < p.relay_min || lo > p.relay_max; };
  p.listen = free_run(1, true, outside_relay);
  p.peer = free_run(2, false, [&](std::uint16_t lo, std::uint16_t hi) {
    return outside_relay(lo, hi) && (hi < p.listen || lo > p.listen);
  });
  return p;
}

// --set overrides that make the fixture's server run coturn on `p`.
inline std::vector<std::string> managed_turn_sets(const turn_ports& p, const std::string& probe_interval = "1s") {
  const std::string listen = "127.0.0.1:" + std::to_string(p.listen);
  return {"turn.managed.enabled=true",
          "turn.managed.listen=" + listen,
          "turn.managed.relay_ports=" + std::to_string(p.relay_min) + "-" + std::to_string(p.relay_max),
          "turn.uris=[\"turn:" + listen + "?transport=udp\"]",
          "turn.probe.interval=" + probe_interval};
}

// True while some socket is bound to UDP 127.0.0.1:port or *:port. Reads
// /proc/net/udp instead of trying to bind, which could steal the port from the
// process being waited for.
inline bool udp_port_bound(std::uint16_t port) {
  std::ifstream in("/proc/net/udp");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot;
    std::string local;
    fields >> slot >> local;
    const auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    unsigned value = 0;
    const auto* begin = local.data() + colon + 1;
    if (std::from_chars(begin, local.data() + local.size(), value, 16).ec == std::errc() && value == port) return true;
  }
  return false;
}

// ---- processes -------------------------------------------------------------

struct proc_stat {
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
};

// From /proc/PID/stat; nullopt once the pid is gone.
inline std::optional<proc_stat> read_proc_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  const auto open = text.find('(');
  const auto close = text.rfind(')');  // comm may itself hold parentheses
  if (open == std::string::npos || close == std::string::npos || close + 2 > text.size()) return std::nullopt;
  proc_stat s;
  s.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  rest >> s.state >> s.ppid;
  if (!rest) return std::nullopt;
  return s;
}

// Live `turnserver` processes whose parent is `parent`.
inline std::vector<pid_t> coturn_children(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    pid_t pid = 0;
    if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc()) continue;
    const auto s = read_proc_stat(pid);
    if (s && s->ppid == parent && s->comm == "turnserver" && s->state != 'Z') out.push_back(pid);
  }
  return out;
}

// The one coturn child of `parent` other than `not_this`; 0 at the deadline.
inline pid_t wait_coturn_child(pid_t parent, deadline until, pid_t not_this = 0) {
  for (;;) {
    for (pid_t pid : coturn_children(parent)) {
      if (pid != not_this) return pid;
    }
    if (clock::now() >= until) return 0;
    std::this_thread::sleep_for(20ms);
  }
}

// Nothing runs as `pid` any more: no such process, or a zombie (dead, only
// not reaped yet by whoever inherited it).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) == -1 && errno == ESRCH) return true;
  const auto s = read_proc_stat(pid);
  return !s || s->state == 'Z';
}

inline bool wait_process_gone(pid_t pid, deadline until) {
  for (;;) {
    if (process_gone(pid)) return true;
    if (clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// GET /readyz until it answers 200.
inline bool wait_readyz(std::uint16_t port, deadline until) {
  for (;;) {
    if (http_get(port, "/readyz").status == 200) return true;
    if (clock::now() >= until) return false;
    std::this_thread::sleep_for(50ms);
  }
}

// ---- credentials -----------------------------------------------------------

inline long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "<now + offset>:<user>", the REST API username; a negative offset has expired.
inline std::string rest_username(std::chrono::seconds offset, const std::string& user) {
  return std::to_string(unix_now() + offset.count()) + ":" + user;
}

// base64(HMAC-SHA1(secret, username)) computed by the openssl CLI.
inline std::string rest_password(const std::string& secret, const std::string& username) {
  auto opts = command(
      {"sh", "-c", R"(printf '%s' "$USERNAME" | openssl dgst -sha1 -hmac "$SECRET" -binary | openssl base64 -A)"});
  opts.env = {{"USERNAME", username}, {"SECRET", secret}};
  auto result = run(std::move(opts), within(10s));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == '\r')) {
    result.output.pop_back();
  }
  return result.output;
}

// ---- turnutils ---------------------------------------------------------------

// A UDP echo server on 127.0.0.1:port and port+1 (turnutils_peer), returned
// once both are bound; the process dies with the pointer.
inline std::unique_ptr<process> start_echo_peer(std::uint16_t port) {
  auto peer = std::make_unique<process>(command({echo_peer_binary, "-L", "127.0.0.1", "-p", std::to_string(port)}));
  const auto until = within(10s);
  while (!(udp_port_bound(port) && udp_port_bound(static_cast<std::uint16_t>(port + 1)))) {
    if (clock::now() >= until || !peer->running()) {
      ADD_FAILURE() << "turnutils_peer did not bind 127.0.0.1:" << port << ": " << peer->output();
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  return peer;
}

struct relay_job {
  std::string username;
  std::string password;
  int messages = 5;
  int length = 100;  // bytes of payload per message
};

// turnutils_uclient: allocate on the coturn at `p`, bind a channel to the
// echo peer, send `messages` of `length` bytes, read the echoes, release.
// -c: no second (RTCP) allocation, so one allocation carries all the data.
inline process_options uclient_command(const turn_ports& p, const relay_job& job) {
  return command({uclient_binary, "-p", std::to_string(p.listen), "-u", job.username, "-w", job.password, "-e",
                  "127.0.0.1", "-r", std::to_string(p.peer), "-n", std::to_string(job.messages), "-l",
                  std::to_string(job.length), "-c", "127.0.0.1"});
}

struct relay_outcome {
  int exit_code = -1;  // -1: did not finish (killed)
  long sent = -1;      // messages, from uclient's "tot_send_msgs=S, tot_recv_msgs=R" summary
  long received = -1;
  std::string output;
};

inline long number_after(const std::string& text, std::size_t from, std::string_view key) {
  const auto at = text.find(key, from);
  if (at == std::string::npos) return -1;
  long value = -1;
  const char* begin = text.data() + at + key.size();
  std::from_chars(begin, text.data() + text.size(), value);
  return value;
}

// Waits for a started uclient and reads its summary.
inline relay_outcome finish_uclient(process& client, deadline until = within(30s)) {
  relay_outcome out;
  const auto status = client.wait_exit(until);
  if (status && WIFEXITED(*status)) out.exit_code = WEXITSTATUS(*status);
  client.wait_output_closed(within(2s));
  out.output = client.output();
  const auto summary = out.output.rfind("start_mclient: tot_send_msgs=");
  if (summary != std::string::npos) {
    out.sent = number_after(out.output, summary, "tot_send_msgs=");
    out.received = number_after(out.output, summary, "tot_recv_msgs=");
  }
  return out;
}

inline relay_outcome relay_through(const turn_ports& p, const relay_job& job) {
  process client(uclient_command(p, job));
  return finish_uclient(client);
}

}  // namespace switchboard::test::turn_helpers

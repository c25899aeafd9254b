// switchboard_relay_floor: what relaying costs the kernel alone on this machine.
// A forked child is the simplest possible relay (epoll; for each readable socket one
// recv() and one send() of the same bytes to its partner: no WebSocket, no JSON, no
// routing table); the parent keeps K fixed-size messages in flight per pair, exactly
// like switchboard_loadgen's relay phase, and reads the child's CPU time from /proc.
// Usage: switchboard_relay_floor [pairs=100] [in_flight=8] [seconds=5] [bytes=260] [per_message=0]
// per_message=1 makes the relay receive one message per recv(), so every message costs
// exactly one recv() and one send(), as in a server that writes each frame on its own;
// 0 lets it pass on whatever one recv() returned (several messages when they queue up).
// Loopback only; bounded by the message count and the time given.
#include "bench/loadgen/proc_stats.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct settings {
  std::size_t pairs = 100;
  std::size_t in_flight = 8;
  double seconds = 5;
  std::size_t bytes = 260;
  bool per_message = false;
};

int listen_loopback(sockaddr_in& address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  address = sockaddr_in{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(fd, 4096) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  return fd;
}

void no_delay(int fd) {
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// The child: accept 2N connections (i and i^1 are partners), relay until all close.
// Reports the number of recv+send pairs it made on `report` when it is done.
[[noreturn]] void relay(int listener, std::size_t connections, std::size_t read_size, int report) {
  std::vector<int> fds(connections);
  const int ep = epoll_create1(0);
  for (std::size_t i = 0; i < connections; ++i) {
    fds[i] = accept(listener, nullptr, nullptr);
    if (fds[i] < 0) _exit(1);
    no_delay(fds[i]);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  std::vector<char> buffer(65536);
  std::vector<epoll_event> events(256);
  unsigned long long relays = 0;  // recv + send pairs: compare with the messages relayed
  for (std::size_t open = connections; open > 0;) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 60'000);
    if (n <= 0) _exit(n == 0 ? 2 : 1);  // a minute without traffic: the parent is gone
    for (int e = 0; e < n; ++e) {
      const auto i = events[static_cast<std::size_t>(e)].data.u64;
      const ssize_t got = recv(fds[i], buffer.data(), read_size, 0);
      if (got <= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
        --open;
        continue;
      }
      if (send(fds[i ^ 1], buffer.data(), static_cast<std::size_t>(got), MSG_NOSIGNAL) != got) _exit(1);
      ++relays;
    }
  }
  const bool reported = write(report, &relays, sizeof relays) == sizeof relays;
  _exit(reported ? 0 : 1);
}

struct client {
  std::vector<int> fds;
  std::vector<std::size_t> partial;  // bytes of an incomplete message per socket
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

void send_one(client& c, std::size_t from, const std::vector<char>& message) {
  if (send(c.fds[from], message.data(), message.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(message.size())) {
    std::perror("send");
    std::exit(1);
  }
  ++c.sent;
}

// Echo each complete message back until the deadline, then drain.
void drive(client& c, const settings& s, int ep) {
  const std::vector<char> message(s.bytes, 'x');
  std::vector<char> buffer(1 << 16);
  std::vector<epoll_event> events(256);
  const auto deadline = clock_type::now() + std::chrono::duration<double>(s.seconds);
  const auto give_up = deadline + std::chrono::seconds(30);
  for (std::size_t p = 0; p < s.pairs; ++p) {
    for (std::size_t k = 0; k < s.in_flight; ++k) send_one(c, 2 * p + k % 2, message);
  }
  while (c.received < c.sent && clock_type::now() < give_up) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    const bool sending = clock_type::now() < deadline;
    for (int e = 0; e < n; ++e) {
      const auto i = events[static_cast<std::size_t>(e)].data.u64;
      const ssize_t got = recv(c.fds[i], buffer.data(), buffer.size(), 0);
      if (got <= 0) std::exit(1);
      c.partial[i] += static_cast<std::size_t>(got);
      for (; c.partial[i] >= s.bytes; c.partial[i] -= s.bytes) {
        ++c.received;
        if (sending) send_one(c, i, message);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  if (argc > 1) s.pairs = std::strtoul(argv[1], nullptr, 10);
  if (argc > 2) s.in_flight = std::strtoul(argv[2], nullptr, 10);
  if (argc > 3) s.seconds = std::strtod(argv[3], nullptr);
  if (argc > 4) s.bytes = std::strtoul(argv[4], nullptr, 10);
  if (argc > 5) s.per_message = std::strtoul(argv[5], nullptr, 10) != 0;
  if (s.pairs < 1 || s.pairs > 20000 || s.in_flight < 1 || s.in_flight > 256 || s.seconds <= 0 ||
      s.seconds > 600 || s.bytes < 1 || s.bytes > 65536) {
    std::fprintf(stderr, "usage: %s [pairs 1-20000] [in_flight 1-256] [seconds] [bytes] [0|1]\n",
                 argv[0]);
    return 2;
  }
  sockaddr_in address{};
  const int listener = listen_loopback(address);
  int report[2];
  if (pipe(report) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) relay(listener, 2 * s.pairs, s.per_message ? s.bytes : 65536, report[1]);
  close(listener);
  close(report[1]);
  client c;
  c.fds.resize(2 * s.pairs);
  c.partial.assign(2 * s.pairs, 0);
  const int ep = epoll_create1(0);
  for (std::size_t i = 0; i < c.fds.size(); ++i) {
    c.fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c.fds[i], reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      std::perror("connect");
      return 1;
    }
    no_delay(c.fds[i]);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fds[i], &ev);
  }
  usleep(200'000);  // let the child accept everything before the clock starts
  const auto cpu_before = switchboard::bench::process_cpu_us(child).value_or(-1);
  const auto started = clock_type::now();
  drive(c, s, ep);
  const double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  const auto cpu_after = switchboard::bench::process_cpu_us(child).value_or(-1);
  for (const int fd : c.fds) close(fd);
  unsigned long long relays = 0;
  const bool reported = read(report[0], &relays, sizeof relays) == sizeof relays;
  int status = 0;
  waitpid(child, &status, 0);
  const auto messages = static_cast<double>(c.received);
  std::printf("{\"pairs\":%zu,\"in_flight\":%zu,\"bytes\":%zu,\"per_message\":%d,\"relayed\":%llu,\"msgs_per_s\":%.0f,"
              "\"relay_cpu_us_per_msg\":%.2f,\"recv_send_pairs_per_msg\":%.2f}\n",
              s.pairs, s.in_flight, s.bytes, s.per_message ? 1 : 0,
              static_cast<unsigned long long>(c.received),
              messages / elapsed, (cpu_after - cpu_before) / messages,
              reported ? static_cast<double>(relays) / messages : -1.0);
  return c.received == c.sent ? 0 : 1;
}

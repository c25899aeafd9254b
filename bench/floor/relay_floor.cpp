// switchboard_relay_floor: what relaying costs the kernel alone on this machine.
// A forked child is the simplest possible relay (epoll; for each readable socket one
// recv() and one send() of the same bytes to its partner: no WebSocket, no JSON, no
// routing table); the parent keeps K fixed-size messages in flight per pair, exactly
// like switchboard_loadgen's relay phase, and reads the child's CPU time from /proc.
// Usage: switchboard_relay_floor [pairs=100] [in_flight=8] [seconds=5] [bytes=260] [per_message=0] [uring=0]
// per_message=1 makes the relay receive one message per recv(), so every message costs
// exactly one recv() and one send(), as in a server that writes each frame on its own;
// 0 lets it pass on whatever one recv() returned (several messages when they queue up).
// uring=1 (built only where liburing's headers are installed) makes the same receives
// and sends io_uring operations, submitted and reaped together: one system call per
// turn of the loop instead of two per message.
// Loopback only; bounded by the message count and the time given.
#include "bench/loadgen/proc_stats.hpp"

#if defined(SWITCHBOARD_HAVE_LIBURING)
#include <liburing.h>
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
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

#if defined(SWITCHBOARD_HAVE_LIBURING)
// The same relay on io_uring: each connection has a receive in flight; its
// completion queues a send of those bytes to the partner, linked to the next
// receive into the same buffer (which starts once the send is done). One
// io_uring_submit_and_wait() per turn submits everything the last turn queued
// and reaps every completion there is.
[[noreturn]] void relay_uring(int listener, std::size_t connections, std::size_t read_size, int report) {
  std::vector<int> fds(connections);
  for (std::size_t i = 0; i < connections; ++i) {
    fds[i] = accept(listener, nullptr, nullptr);
    if (fds[i] < 0) _exit(1);
    no_delay(fds[i]);
  }
  io_uring ring{};
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
  params.cq_entries = 65536;
  if (io_uring_queue_init_params(8192, &ring, &params) != 0) _exit(3);
  std::vector<char> buffers(connections * read_size);
  const auto next_sqe = [&ring] {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) {  // the submission queue is full: hand it over first
      io_uring_submit(&ring);
      sqe = io_uring_get_sqe(&ring);
    }
    if (sqe == nullptr) _exit(3);
    return sqe;
  };
  const auto receive = [&](std::size_t i) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, fds[i], buffers.data() + i * read_size, read_size, 0);
    io_uring_sqe_set_data64(sqe, i);
  };
  constexpr std::uint64_t send_tag = 1ULL << 63;
  for (std::size_t i = 0; i < connections; ++i) receive(i);
  unsigned long long relays = 0;
  for (std::size_t open = connections; open > 0;) {
    __kernel_timespec minute{60, 0};
    io_uring_cqe* first = nullptr;
    if (io_uring_submit_and_wait_timeout(&ring, &first, 1, &minute, nullptr) < 0 && first == nullptr) _exit(2);
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      if ((cqe->user_data & send_tag) != 0) {  // only failed sends complete visibly
        if (cqe->res < 0) _exit(4);
        continue;
      }
      const auto i = static_cast<std::size_t>(cqe->user_data);
      if (cqe->res <= 0) {  // end of input (or the linked receive after a failed send)
        if (cqe->res != -ECANCELED) --open;
        continue;
      }
      ++relays;
      io_uring_sqe* sqe = next_sqe();
      io_uring_prep_send(sqe, fds[i ^ 1], buffers.data() + i * read_size, static_cast<std::size_t>(cqe->res),
                         MSG_NOSIGNAL | MSG_WAITALL);
      io_uring_sqe_set_data64(sqe, send_tag | i);
      sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
      receive(i);
    }
    io_uring_cq_advance(&ring, seen);
  }
  const bool reported = write(report, &relays, sizeof relays) == sizeof relays;
  _exit(reported ? 0 : 1);
}
#endif

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
  const bool uring = argc > 6 && std::strtoul(argv[6], nullptr, 10) != 0;
#if !defined(SWITCHBOARD_HAVE_LIBURING)
  if (uring) {
    std::fprintf(stderr, "%s: built without liburing (install liburing-dev and reconfigure)\n", argv[0]);
    return 2;
  }
#endif
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
#if defined(SWITCHBOARD_HAVE_LIBURING)
  // Batched reads get 4 KiB each here: one buffer per connection stays in use while its send is out.
  if (child == 0 && uring) relay_uring(listener, 2 * s.pairs, s.per_message ? s.bytes : 4096, report[1]);
#endif
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
  std::printf("{\"pairs\":%zu,\"in_flight\":%zu,\"bytes\":%zu,\"per_message\":%d,\"uring\":%d,\"relayed\":%llu,\"msgs_per_s\":%.0f,"
              "\"relay_cpu_us_per_msg\":%.2f,\"recv_send_pairs_per_msg\":%.2f}\n",
              s.pairs, s.in_flight, s.bytes, s.per_message ? 1 : 0, uring ? 1 : 0,
              static_cast<unsigned long long>(c.received),
              messages / elapsed, (cpu_after - cpu_before) / messages,
              reported ? static_cast<double>(relays) / messages : -1.0);
  return c.received == c.sent ? 0 : 1;
}

#include "tests/hardening/raw_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace switchboard::test {
namespace {

sockaddr_in ipv4(const std::string& address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  return sa;
}

int millis_until(deadline until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000));
}

}  // namespace

raw_socket::~raw_socket() { close(); }

raw_socket::raw_socket(raw_socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), peer_closed_(other.peer_closed_), error_(std::move(other.error_)) {}

raw_socket& raw_socket::operator=(raw_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    peer_closed_ = other.peer_closed_;
    error_ = std::move(other.error_);
  }
  return *this;
}

void raw_socket::fail(const char* what, int err) {
  error_ = std::string(what) + ": " + std::strerror(err);
  if (err == ECONNRESET || err == EPIPE) peer_closed_ = true;
}

bool raw_socket::connect(const raw_connect_options& opts, deadline until) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    fail("socket", errno);
    return false;
  }
  if (opts.receive_buffer_bytes > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &opts.receive_buffer_bytes, sizeof opts.receive_buffer_bytes);
  }
  // Pick the source port at connect(), by the whole 4-tuple: a flood of
  // thousands of short connections must not exhaust the ephemeral ports that
  // bind() alone would reserve per source address.
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  const auto local = ipv4(opts.local_address, 0);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    fail("bind", errno);
    return false;
  }
  const auto remote = ipv4("127.0.0.1", opts.port);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0 && errno != EINPROGRESS) {
    fail("connect", errno);
    return false;
  }
  if (!wait_for(POLLOUT, until)) {
    error_ = "connect: timed out";
    return false;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    fail("connect", err);
    return false;
  }
  return true;
}

bool raw_socket::wait_for(short events, deadline until) {
  for (;;) {
    pollfd p{fd_, events, 0};
    const int ready = ::poll(&p, 1, millis_until(until));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
    if (clock::now() >= until) return false;
  }
}

std::ptrdiff_t raw_socket::send_some(std::string_view bytes) {
  if (fd_ < 0) return -1;
  const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  fail("send", errno);
  return -1;
}

bool raw_socket::wait_writable(deadline until) { return fd_ >= 0 && wait_for(POLLOUT, until); }

bool raw_socket::wait_readable(deadline until) { return fd_ >= 0 && wait_for(POLLIN, until); }

bool raw_socket::send_all(std::string_view bytes, deadline until) {
  while (!bytes.empty()) {
    const auto n = send_some(bytes);
    if (n < 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
    if (!bytes.empty() && !wait_writable(until)) {
      if (error_.empty()) error_ = "send: timed out";
      return false;
    }
  }
  return true;
}

bool raw_socket::receive_some(std::string& out, deadline until) {
  if (fd_ < 0 || peer_closed_) return false;
  char buf[16384];
  for (;;) {
    const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      peer_closed_ = true;
      return false;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail("recv", errno);
      peer_closed_ = true;
      return false;
    }
    if (!wait_for(POLLIN, until)) return false;
  }
}

bool raw_socket::receive_until(std::string& out, std::string_view marker, deadline until) {
  while (out.find(marker) == std::string::npos) {
    if (!receive_some(out, until)) return false;
  }
  return true;
}

bool raw_socket::receive_until_closed(std::string& out, deadline until) {
  while (receive_some(out, until)) {
  }
  return peer_closed_;
}

bool raw_socket::peer_gone() {
  if (fd_ < 0 || peer_closed_) return true;
  pollfd p{fd_, static_cast<short>(POLLRDHUP), 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

void raw_socket::reset() {
  if (fd_ < 0) return;
  linger lg{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close();
}

void raw_socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace switchboard::test

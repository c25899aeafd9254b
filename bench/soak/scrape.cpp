#include "bench/soak/scrape.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace switchboard::soak {

namespace {

using clock = std::chrono::steady_clock;

// Closes the descriptor on every path out.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

int ms_left(clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool wait_ready(int fd, short events, clock::time_point deadline) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, ms_left(deadline)) == 1;
}

bool connect_with_deadline(int fd, const sockaddr_in& addr, clock::time_point deadline, std::string& error) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    return false;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (!wait_ready(fd, POLLOUT, deadline) || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    error = "connect: " + std::string(err != 0 ? std::strerror(err) : "timed out");
    return false;
  }
  return true;
}

// The whole reply: HTTP/1.0 with Connection: close ends it at EOF.
bool exchange(int fd, const std::string& request, clock::time_point deadline, std::string& reply,
              std::string& error) {
  std::size_t off = 0;
  while (off < request.size()) {
    if (!wait_ready(fd, POLLOUT, deadline)) return error = "send timed out", false;
    const auto n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return error = std::string("send: ") + std::strerror(errno), false;
    if (n > 0) off += static_cast<std::size_t>(n);
  }
  char buf[16384];
  for (;;) {
    if (!wait_ready(fd, POLLIN, deadline)) return error = "reply timed out", false;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN) return error = std::string("recv: ") + std::strerror(errno), false;
    if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
  }
}

std::string dechunk(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    const auto eol = body.find("\r\n");
    if (eol == std::string_view::npos) break;
    const auto size = std::strtoul(std::string(body.substr(0, eol)).c_str(), nullptr, 16);
    if (size == 0 || eol + 2 + size > body.size()) break;
    out.append(body.substr(eol + 2, size));
    body.remove_prefix(std::min(body.size(), eol + 2 + size + 2));
  }
  return out;
}

}  // namespace

metric_map parse_prometheus(std::string_view text) {
  metric_map m;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    // Label values may hold spaces: the value starts after the closing brace.
    const auto brace = line.rfind('}');
    const auto space = line.find(' ', brace == std::string_view::npos ? 0 : brace);
    if (space == std::string_view::npos) continue;
    std::string_view rest = line.substr(space + 1);
    rest = rest.substr(0, rest.find(' '));  // drop a timestamp
    m[std::string(line.substr(0, space))] = std::strtod(std::string(rest).c_str(), nullptr);
  }
  return m;
}

double family_sum(const metric_map& m, std::string_view name) {
  double sum = 0;
  for (auto it = m.lower_bound(name); it != m.end(); ++it) {
    const std::string_view key = it->first;
    if (key.substr(0, name.size()) != name) break;
    if (key.size() == name.size() || key[name.size()] == '{') sum += it->second;
  }
  return sum;
}

bool has_family(const metric_map& m, std::string_view name) {
  const auto it = m.lower_bound(name);
  if (it == m.end()) return false;
  const std::string_view key = it->first;
  return key.substr(0, name.size()) == name && (key.size() == name.size() || key[name.size()] == '{');
}

std::optional<double> series(const metric_map& m, std::string_view name, std::string_view label,
                             std::string_view value) {
  const auto key = std::string(name) + "{" + std::string(label) + "=\"" + std::string(value) + "\"}";
  const auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> http_get(const std::string& host, std::uint16_t port, const std::string& path,
                                    double timeout_s, std::string& error) {
  const auto deadline = clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return error = "not an IPv4 address", std::nullopt;
  fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return error = std::string("socket: ") + std::strerror(errno), std::nullopt;
  if (!connect_with_deadline(s.fd, addr, deadline, error)) return std::nullopt;
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  std::string reply;
  if (!exchange(s.fd, request, deadline, reply, error)) return std::nullopt;
  const auto head_end = reply.find("\r\n\r\n");
  if (reply.compare(0, 12, "HTTP/1.1 200") != 0 && reply.compare(0, 12, "HTTP/1.0 200") != 0) {
    error = "reply: " + reply.substr(0, reply.find("\r\n"));
    return std::nullopt;
  }
  if (head_end == std::string::npos) return error = "reply without a header end", std::nullopt;
  const std::string_view head(reply.data(), head_end);
  std::string body = reply.substr(head_end + 4);
  if (head.find("chunked") != std::string_view::npos) body = dechunk(body);
  return body;
}

}  // namespace switchboard::soak

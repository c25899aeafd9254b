#include "tests/support/haproxy_fixture.hpp"

#include "tests/support/free_port.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace switchboard::test {
namespace {

std::string haproxy_binary() {
  const char* other = std::getenv("SWITCHBOARD_HAPROXY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string("/usr/sbin/haproxy");
}

// One command on the stats socket; its whole answer ("" when it cannot be reached).
std::string stats_command(const std::string& socket_path, const std::string& command) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  // Answers come at once; a wedged HAProxy must not hang the test.
  const timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string line = command + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, sep);) cells.push_back(cell);
  return cells;
}

// `show stat` is CSV under a "# pxname,svname,..." header: the status column
// of backend `replicas`' server `name`.
std::optional<std::string> status_in(const std::string& csv, const std::string& name) {
  std::istringstream lines(csv);
  std::string header;
  if (!std::getline(lines, header) || header.rfind("# ", 0) != 0) return std::nullopt;
  const auto columns = split(header.substr(2), ',');
  std::size_t status_at = columns.size();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == "status") status_at = i;
  }
  for (std::string line; std::getline(lines, line);) {
    const auto cells = split(line, ',');
    if (cells.size() > status_at && cells[0] == "replicas" && cells[1] == name) return cells[status_at];
  }
  return std::nullopt;
}

}  // namespace

std::string haproxy_config(const haproxy_options& opts, std::uint16_t port, const std::string& stats_socket) {
  std::ostringstream out;
  out << "global\n"
         "    log stdout format raw local0 info\n"
         "    stats socket "
      << stats_socket
      << " mode 600 level user\n"
         "\n"
         "defaults\n"
         "    mode http\n"
         "    log global\n"
         "    option httplog\n"
         "    # The server side closes after each response: leastconn then counts only\n"
         "    # requests in flight and open WebSockets, not idle keep-alive connections.\n"
         "    option http-server-close\n"
         "    timeout connect 2s\n"
         "    timeout client 30s\n"
         "    timeout server 30s\n"
         "    timeout http-request 10s\n"
         "    # After the upgrade; Switchboard pings well within it.\n"
         "    timeout tunnel 1h\n"
         "    timeout client-fin 5s\n"
         "    timeout server-fin 5s\n"
         "\n"
         "frontend signaling\n"
         "    bind 127.0.0.1:"
      << port
      << "\n"
         "    default_backend replicas\n"
         "\n"
         "backend replicas\n"
         "    balance leastconn\n"
         "    # A draining replica answers upgrades 503 until the checks take it out;\n"
         "    # a stopped one refuses the connection: try another one.\n"
         "    retries 3\n"
         "    option redispatch 1\n"
         "    retry-on conn-failure empty-response 503\n"
         "    option httpchk\n"
         "    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host signaling\n"
         "    http-check expect status 200\n"
         "    default-server check inter "
      << opts.check_interval.count() << "ms fall 2 rise 2\n";
  for (const auto& s : opts.servers) out << "    server " << s.name << " 127.0.0.1:" << s.port << "\n";
  return out.str();
}

haproxy_fixture::haproxy_fixture(haproxy_options opts) : opts_(std::move(opts)) {
  // Someone may take the picked port first: HAProxy then exits, and another is tried.
  for (int tries = 0; tries < 5; ++tries) {
    if (launch(pick_free_port())) return;
  }
  throw std::runtime_error("haproxy did not start:\n" + failed_output_);
}

haproxy_fixture::~haproxy_fixture() {
  if (proc_ && proc_->running()) (void)stop();
  if (::testing::Test::HasFailure() && proc_) {
    std::cerr << "---- haproxy output ----\n" << proc_->output() << "---- end of haproxy output ----\n";
  }
}

bool haproxy_fixture::launch(std::uint16_t port) {
  port_ = port;
  const auto config = dir_.write("haproxy.cfg", haproxy_config(opts_, port, dir_.file("stats.sock")));
  proc_ = std::make_unique<process>(command({haproxy_binary(), "-f", config, "-db"}));
  const auto until = within(std::chrono::seconds(10));
  while (clock::now() < until && proc_->running()) {
    if (stats_command(dir_.file("stats.sock"), "show stat").rfind("# ", 0) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  failed_output_ += proc_->output();
  proc_.reset();
  return false;
}

std::optional<std::string> haproxy_fixture::server_status(const std::string& name) const {
  return status_in(stats_command(dir_.file("stats.sock"), "show stat"), name);
}

bool haproxy_fixture::wait_status(const std::string& name, const std::string& wanted, deadline until) const {
  for (;;) {
    if (server_status(name) == wanted) return true;
    if (clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string haproxy_fixture::output() const { return proc_ ? proc_->output() : failed_output_; }

int haproxy_fixture::stop(deadline until) {
  if (!proc_) return -1;
  proc_->signal(SIGUSR1);
  if (auto status = proc_->wait_exit(until)) return *status;
  proc_->signal(SIGKILL);
  return proc_->wait_exit(within(std::chrono::seconds(5))).value_or(-1);
}

}  // namespace switchboard::test

#pragma once
// A real HAProxy (Debian /usr/sbin/haproxy, or $SWITCHBOARD_HAPROXY) in front
// of cluster replicas, set up like deploy/compose/haproxy.cfg where it matters
// for WebSockets and drains: leastconn, a tunnel timeout, /readyz health
// checks (a draining replica leaves the pool), and a refused or 503 upgrade
// retried on another replica. It listens on 127.0.0.1 on a port it picks; its
// configuration and stats socket live in a temp dir. Each server line names a
// fixed port, so a replica restarted on its port rejoins the pool by itself.
// When the test failed, HAProxy's log is printed.

#include "tests/support/deadline.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::test {

struct haproxy_backend {
  std::string name;  // the server's name in HAProxy (and its stats)
  std::uint16_t port = 0;
};

struct haproxy_options {
  std::vector<haproxy_backend> servers;
  std::chrono::milliseconds check_interval{300};  // /readyz every this; down after 2 failures, up after 2 passes
};

// The configuration the fixture runs with `port` and `stats_socket`.
std::string haproxy_config(const haproxy_options& opts, std::uint16_t port, const std::string& stats_socket);

class haproxy_fixture {
public:
  // Throws std::runtime_error (with HAProxy's output) when it does not start.
  explicit haproxy_fixture(haproxy_options opts);
  ~haproxy_fixture();
  haproxy_fixture(const haproxy_fixture&) = delete;
  haproxy_fixture& operator=(const haproxy_fixture&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  // HAProxy's view of a server ("UP", "DOWN", "UP 1/2", "MAINT", ...); nullopt
  // when the stats socket does not answer or names no such server.
  std::optional<std::string> server_status(const std::string& name) const;
  // Polls server_status until it is `wanted`; false at the deadline.
  bool wait_status(const std::string& name, const std::string& wanted, deadline until) const;

  std::string output() const;
  // Soft stop (SIGUSR1: exits once its connections are gone), SIGKILL at the
  // deadline. The wait status.
  int stop(deadline until = within(std::chrono::seconds(5)));

private:
  bool launch(std::uint16_t port);

  haproxy_options opts_;
  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<process> proc_;
  std::string failed_output_;  // of earlier attempts that did not start
};

}  // namespace switchboard::test

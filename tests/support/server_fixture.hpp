#pragma once
// Starts the real switchboard binary for one test: writes a YAML config into
// a fresh temp dir, runs `switchboard serve --config FILE [--set k=v ...]`,
// learns both ports from the server's log, and stops it (SIGTERM, then
// SIGKILL) when the fixture goes away; an unclean exit then fails the test
// (sanitizer reports end that way). When the test failed, the server's output
// is printed so the failure can be understood.

#include "tests/support/deadline.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::test {

// The built server (or $SWITCHBOARD_TEST_SERVER_BINARY when set) and the source
// tree; the support CMakeLists defines both.
std::string server_binary();
std::string source_dir();

struct server_options {
  std::vector<std::string> sets;             // --set dotted.key=value; "@DIR@" becomes the temp dir
  std::map<std::string, std::string> files;  // written under the temp dir before start
  std::map<std::string, std::string> env;    // extra environment for the server
  bool tls = false;                          // self-signed cert; https + wss
  bool wait_ready = true;                    // false: the test waits for (or expects no) ports
};

// Defaults plus these --set overrides.
server_options with_sets(std::vector<std::string> sets);

class server_fixture {
public:
  // Throws std::runtime_error (with the server's output) when the server does
  // not report both ports before the start-up deadline.
  explicit server_fixture(server_options opts = {});
  ~server_fixture();
  server_fixture(const server_fixture&) = delete;
  server_fixture& operator=(const server_fixture&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::uint16_t metrics_port() const noexcept { return metrics_port_; }
  bool tls() const noexcept { return tls_; }
  const temp_dir& dir() const noexcept { return dir_; }
  const std::string& config_path() const noexcept { return config_path_; }
  process& proc() { return *proc_; }
  std::string output() const { return proc_->output(); }

  // Connection options for this server's WebSocket endpoint.
  ws_connect_options ws_options(const std::string& path = "/ws") const;
  // A connected client; fails the current test (ADD_FAILURE) when the upgrade fails.
  ws_client connect(const std::string& path = "/ws") const;

  // GET /metrics on the metrics port ("" on failure).
  std::string metrics_text() const;
  // One series, e.g. metric_value(R"(switchboard_errors_sent_total{code="bad-request"})").
  std::optional<double> metric_value(std::string_view series) const;
  // Polls until the series satisfies `pred`; the last value seen (nullopt if never present).
  std::optional<double> wait_metric(std::string_view series, const std::function<bool(double)>& pred,
                                    deadline until) const;

  // SIGTERM, wait; SIGKILL when the deadline passes. The wait status.
  int stop(deadline until = within(std::chrono::seconds(15)));

private:
  void write_config(const server_options& opts);
  std::vector<std::string> command_line(const server_options& opts) const;
  void learn_ports();

  temp_dir dir_;
  std::string config_path_;
  bool tls_ = false;
  std::unique_ptr<process> proc_;
  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
};

// The port in a log line like "... listening on http://127.0.0.1:PORT", or 0.
std::uint16_t port_after(std::string_view line, std::string_view marker);

}  // namespace switchboard::test

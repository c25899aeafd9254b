#include "tests/support/server_fixture.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/metrics_text.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace switchboard::test {
namespace {

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Test defaults: loopback, ports picked by the kernel, short drain so that
// stopping a server with clients still attached is quick.
std::string default_yaml() {
  return "profile: development\n"
         "server:\n"
         "  listen: 127.0.0.1:0\n"
         "  static_dir: " +
         source_dir() +
         "/signaling/web\n"
         "  drain_period: 1s\n"
         "metrics:\n"
         "  listen: 127.0.0.1:0\n"
         "turn:\n"
         "  secrets: [\"itest-secret-1\"]\n"
         "  uris: [\"stun:127.0.0.1:3478\", \"turn:127.0.0.1:3478?transport=udp\"]\n"
         "log:\n"
         "  level: debug\n";
}

// A server flooded into logging megabytes must not flood the test report too:
// at most the first and last 150 lines, each cut to 1000 bytes.
std::string shortened(const std::string& text) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = std::min(text.find('\n', pos), text.size());
    lines.push_back(std::string_view(text).substr(pos, nl - pos));
    pos = nl + 1;
  }
  constexpr std::size_t keep_lines = 150;
  constexpr std::size_t keep_bytes = 1000;
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines.size() > 2 * keep_lines && i == keep_lines) {
      out += "[... " + std::to_string(lines.size() - 2 * keep_lines) + " lines left out ...]\n";
      i = lines.size() - keep_lines;
    }
    out += lines[i].substr(0, keep_bytes);
    if (lines[i].size() > keep_bytes) out += "[... " + std::to_string(lines[i].size() - keep_bytes) + " bytes]";
    out += '\n';
  }
  return out;
}

}  // namespace

server_options with_sets(std::vector<std::string> sets) {
  server_options opts;
  opts.sets = std::move(sets);
  return opts;
}

// SWITCHBOARD_TEST_SERVER_BINARY points the same tests at another build
// (e.g. an older one, to measure what an attack did before a fix).
std::string server_binary() {
  const char* other = std::getenv("SWITCHBOARD_TEST_SERVER_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(SWITCHBOARD_BINARY);
}
std::string source_dir() { return SWITCHBOARD_SOURCE_DIR; }

std::uint16_t port_after(std::string_view line, std::string_view marker) {
  auto pos = line.find(marker);
  if (pos == std::string_view::npos) return 0;
  pos = line.find(':', line.find("127.0.0.1", pos));
  if (pos == std::string_view::npos) return 0;
  unsigned value = 0;
  std::size_t digits = 0;
  for (++pos; pos < line.size() && line[pos] >= '0' && line[pos] <= '9' && digits < 6; ++pos, ++digits) {
    value = value * 10 + static_cast<unsigned>(line[pos] - '0');
  }
  return digits == 0 || value > 65535 ? 0 : static_cast<std::uint16_t>(value);
}

server_fixture::server_fixture(server_options opts) : tls_(opts.tls) {
  write_config(opts);
  auto spawn = command(command_line(opts));
  spawn.env = opts.env;
  proc_ = std::make_unique<process>(std::move(spawn));
  if (opts.wait_ready) learn_ports();
}

server_fixture::~server_fixture() {
  // A server that crashes, hangs or reports sanitizer errors on the way out
  // fails the test that ran it; tests that stopped it themselves checked already.
  if (proc_->running()) {
    const int status = stop();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ADD_FAILURE() << "switchboard did not exit cleanly on SIGTERM: " << describe_status(status);
    }
  }
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- switchboard output (" << config_path_ << ") ----\n"
              << shortened(proc_->output()) << "---- end of switchboard output ----\n";
  }
}

void server_fixture::write_config(const server_options& opts) {
  for (const auto& [relative, content] : opts.files) dir_.write(relative, content);
  config_path_ = dir_.write("switchboard.yaml", default_yaml());
}

std::vector<std::string> server_fixture::command_line(const server_options& opts) const {
  std::vector<std::string> argv{server_binary(), "serve", "--config", config_path_};
  auto add_set = [&](const std::string& kv) {
    argv.push_back("--set");
    argv.push_back(replace_all(kv, "@DIR@", dir_.path()));
  };
  if (const char* threads = std::getenv("SWITCHBOARD_TEST_THREADS"); threads != nullptr && *threads != '\0') {
    add_set(std::string("server.threads=") + threads);
  }
  if (opts.tls) {
    const auto [cert, key] = make_self_signed_cert(dir_);
    add_set("server.tls.cert=" + cert);
    add_set("server.tls.key=" + key);
  }
  for (const auto& kv : opts.sets) add_set(kv);
  return argv;
}

void server_fixture::learn_ports() {
  const auto until = within(std::chrono::seconds(15));
  const std::string scheme = tls_ ? "https://" : "http://";
  const auto ws_line = proc_->wait_for_line("signaling listening on " + scheme, until);
  const auto metrics_line = proc_->wait_for_line("metrics listening on ", until);
  if (ws_line) port_ = port_after(*ws_line, "signaling listening on ");
  if (metrics_line) metrics_port_ = port_after(*metrics_line, "metrics listening on ");
  if (port_ == 0 || metrics_port_ == 0) {
    throw std::runtime_error("switchboard did not report its ports; output:\n" + proc_->output());
  }
}

ws_connect_options server_fixture::ws_options(const std::string& path) const {
  ws_connect_options o;
  o.port = port_;
  o.path = path;
  o.tls = tls_;
  return o;
}

ws_client server_fixture::connect(const std::string& path) const {
  ws_client client;
  const auto result = client.connect(ws_options(path));
  if (!result.ok) {
    ADD_FAILURE() << "WebSocket connect to " << path << " failed: " << result.error << " (HTTP "
                  << result.http_status << ")";
  }
  return client;
}

std::string server_fixture::metrics_text() const {
  const auto res = http_get(metrics_port_, "/metrics");
  return res.status == 200 ? res.body : std::string();
}

std::optional<double> server_fixture::metric_value(std::string_view series) const {
  return find_metric(metrics_text(), series);
}

std::optional<double> server_fixture::wait_metric(std::string_view series,
                                                  const std::function<bool(double)>& pred,
                                                  deadline until) const {
  std::optional<double> last;
  for (;;) {
    last = metric_value(series);
    if ((last && pred(*last)) || clock::now() >= until) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int server_fixture::stop(deadline until) {
  proc_->signal(SIGTERM);
  if (auto status = proc_->wait_exit(until)) return *status;
  proc_->signal(SIGKILL);
  return proc_->wait_exit(within(std::chrono::seconds(10))).value_or(-1);
}

}  // namespace switchboard::test

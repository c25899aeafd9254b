// switchboard_loadgen: the signaling benchmark's client (docs/performance.md).
// Exit status: 0 = every phase completed cleanly, 1 = the run failed, 2 = bad usage.
#include "bench/loadgen/adapter.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/report.hpp"
#include "bench/loadgen/scenario.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace sb = switchboard::bench;

namespace {

void add_flags(CLI::App& app, sb::options& o) {
  app.add_option("--protocol", o.protocol, "switchboard | peerjs")
      ->check(CLI::IsMember({"switchboard", "peerjs"}));
  app.add_option("--host", o.host, "server address (loopback only)");
  app.add_option("--port", o.port, "server port")->required();
  app.add_option("--port-b", o.port_b, "second server's port (another replica)");
  app.add_option("--layout", o.layout, "same: both peers of a pair on --port; cross: callee on --port-b")
      ->check(CLI::IsMember({"same", "cross"}));
  app.add_option("--path", o.path, "WebSocket path (default /ws or /peerjs)");
  app.add_option("--server-pid", o.server_pid, "read the server's CPU and RSS from /proc/PID");
  app.add_option("--pairs", o.pairs, "peer pairs (2 connections each)")->check(CLI::Range(1, 20000));
  app.add_option("--connect-window", o.connect_window, "connections set up at once");
  app.add_option("--call-window", o.call_window, "calls set up at once");
  app.add_option("--setup-candidates", o.setup_candidates, "candidates each way per call")
      ->check(CLI::Range(0, 64));
  app.add_option("--sdp-bytes", o.sdp_bytes, "offer/answer SDP size")->check(CLI::Range(200, 60000));
  app.add_option("--in-flight", o.in_flight, "relay: candidates in flight per pair")
      ->check(CLI::Range(1, 256));
  app.add_option("--warmup-seconds", o.warmup_seconds, "relay before measuring")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--relay-seconds", o.relay_seconds, "measured relay duration")
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--relay-messages", o.relay_messages, "measured relay: message cap")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  app.add_option("--settle-seconds", o.settle_seconds, "pause before the idle RSS reading")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--phase-timeout", o.phase_timeout_seconds, "seconds before a phase fails")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--mark-command", o.mark_command,
                 "shell command run with 'start' / 'end' appended around the measured relay");
  app.add_option("--json-out", o.json_out, "append the JSON result line to this file");
  app.add_option("--label", o.label, "server name in the report");
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// The whole run's bound: every phase's timeout plus the relay, with room to spare.
std::chrono::seconds overall_limit(const sb::options& o) {
  const double s = 4 * o.phase_timeout_seconds + o.warmup_seconds + o.relay_seconds +
                   o.settle_seconds + 30;
  return std::chrono::seconds(static_cast<long>(s));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Switchboard signaling load generator"};
  sb::options opts;
  add_flags(app, opts);
  CLI11_PARSE(app, argc, argv);
  if (!is_loopback(opts.host)) {
    std::fprintf(stderr, "--host must be a loopback address, got '%s'\n", opts.host.c_str());
    return 2;
  }
  if (opts.layout == "cross" && opts.port_b == 0) {
    std::fprintf(stderr, "--layout cross needs --port-b\n");
    return 2;
  }
  auto adapter = sb::make_adapter(opts.protocol, opts.path);
  boost::asio::io_context io(1);
  sb::scenario run(io, opts, std::move(adapter));
  run.start();
  io.run_for(overall_limit(opts));
  auto results = run.result();
  if (!run.finished()) {
    results.ok = false;
    results.failure = "overall time limit reached";
  }
  const auto line = sb::to_json_line(results);
  std::printf("%s\n%s", line.c_str(), sb::to_table(results).c_str());
  if (!opts.json_out.empty()) std::ofstream(opts.json_out, std::ios::app) << line << '\n';
  return results.ok ? 0 : 1;
}

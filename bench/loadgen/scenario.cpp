#include "bench/loadgen/scenario.hpp"

#include "bench/loadgen/proc_stats.hpp"
#include "bench/loadgen/sdp.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <unistd.h>

namespace switchboard::bench {
namespace net = boost::asio;

namespace {

constexpr std::size_t candidate_pool = 16;
constexpr std::uint64_t notes_max = 5;

double ms_of(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
double us_of(std::uint64_t ns) { return static_cast<double>(ns) / 1e3; }

std::chrono::steady_clock::duration seconds_of(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

}  // namespace

scenario::scenario(net::io_context& io, options opts, std::unique_ptr<protocol_adapter> adapter)
    : io_(io), opts_(std::move(opts)), adapter_(std::move(adapter)), latch_(io.get_executor()) {
  for (std::size_t i = 0; i < candidate_pool; ++i) {
    candidate_lines_.push_back(json_quote(make_candidate(i, static_cast<std::uint32_t>(i * 7919))));
  }
  peers_.resize(2 * opts_.pairs);
  for (std::size_t i = 0; i < peers_.size(); ++i) peers_[i].partner = i ^ 1;
  results_.server = opts_.label.empty() ? opts_.protocol : opts_.label;
  results_.layout = opts_.port_b == 0 ? "single" : opts_.layout;
  results_.pairs = opts_.pairs;
  results_.connections = peers_.size();
  results_.in_flight = opts_.in_flight;
}

void scenario::start() {
  net::co_spawn(io_, run(), [this](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);  // a bug: let it end the program loudly
    finished_ = true;
  });
}

net::awaitable<void> scenario::run() {
  results_.load_start = load_average();
  read_rss(results_.rss_base_kib);
  if (!co_await connect_all()) {
    teardown();
    co_return;
  }
  co_await pause(opts_.settle_seconds);
  read_rss(results_.rss_idle_kib);
  if (results_.rss_idle_kib >= 0 && results_.rss_base_kib >= 0) {
    results_.rss_per_idle_connection_kib =
        std::max(0.0, results_.rss_idle_kib - results_.rss_base_kib) /
        static_cast<double>(peers_.size());
  }
  bool ok = co_await set_up_calls();
  if (ok && opts_.warmup_seconds > 0) {
    ok = co_await relay(opts_.warmup_seconds, opts_.relay_messages, false);
  }
  if (ok) ok = co_await measured_relay();
  if (!ok) {
    teardown();
    co_return;
  }
  read_rss(results_.rss_after_kib);
  if (results_.server_errors + results_.misrouted + results_.disconnects > 0) {
    fail("unexpected messages or disconnects");
  }
  results_.ok = results_.failure.empty();
  teardown();
}

net::awaitable<bool> scenario::connect_all() {
  latch_.reset(peers_.size());
  const auto started = clock::now();
  const auto workers = std::min(std::max<std::size_t>(opts_.connect_window, 1), peers_.size());
  for (std::size_t w = 0; w < workers; ++w) {
    net::co_spawn(io_, [this] { return connect_worker(); }, net::detached);
  }
  const bool done = co_await latch_.wait(seconds_of(opts_.phase_timeout_seconds));
  const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
  results_.connect_seconds = elapsed;
  results_.connections_per_second = static_cast<double>(setup_ns_.count()) / elapsed;
  results_.setup_ms_p50 = ms_of(setup_ns_.quantile(0.50));
  results_.setup_ms_p99 = ms_of(setup_ns_.quantile(0.99));
  if (!done) fail("connect phase timed out");
  if (results_.connect_failures > 0) fail("some connections failed");
  co_return results_.failure.empty();
}

net::awaitable<void> scenario::connect_worker() {
  while (next_connect_ < peers_.size() && !tearing_down_) {
    const std::size_t index = next_connect_++;
    co_await connect_one(index);
    latch_.count_down();
  }
}

net::awaitable<void> scenario::connect_one(std::size_t index) {
  auto& p = peers_[index];
  p.conn = std::make_shared<ws_client>(io_.get_executor());
  const auto client_id = "lg" + std::to_string(getpid()) + "-" + std::to_string(index);
  // Peers 2i+1 are the callees: on replica B in the cross layout.
  const bool on_b = opts_.layout == "cross" && index % 2 == 1;
  const net::ip::tcp::endpoint server(net::ip::make_address(opts_.host), on_b ? opts_.port_b : opts_.port);
  const auto started = clock::now();
  std::string first;
  const auto ec = co_await p.conn->open(server, adapter_->target(client_id), adapter_->hello(), first);
  inbound ready;
  if (!ec) ready = adapter_->parse(first);
  if (ec || ready.kind != inbound_kind::ready) {
    if (++results_.connect_failures <= notes_max) {
      std::fprintf(stderr, "connect %zu: %s\n", index,
                   ec ? ec.message().c_str() : ("unexpected first message: " + first).c_str());
    }
    co_return;
  }
  setup_ns_.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - started).count()));
  p.id = ready.id.empty() ? client_id : ready.id;
  p.quoted_id = json_quote(p.id);
  p.conn->start_reading([this, index](std::string_view text) { on_message(index, text); },
                        [this, index](boost::system::error_code e) {
                          if (tearing_down_) return;
                          if (++results_.disconnects <= notes_max) {
                            std::fprintf(stderr, "peer %zu closed: %s\n", index, e.message().c_str());
                          }
                        });
}

net::awaitable<bool> scenario::set_up_calls() {
  latch_.reset(opts_.pairs);
  call_started_.assign(opts_.pairs, clock::time_point{});
  const auto started = clock::now();
  const auto window = std::min(std::max<std::size_t>(opts_.call_window, 1), opts_.pairs);
  for (next_call_ = 0; next_call_ < window;) start_call(next_call_++);
  const bool done = co_await latch_.wait(seconds_of(opts_.phase_timeout_seconds));
  const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
  results_.calls_seconds = elapsed;
  results_.calls_per_second = static_cast<double>(call_ns_.count()) / elapsed;
  results_.call_ms_p50 = ms_of(call_ns_.quantile(0.50));
  results_.call_ms_p99 = ms_of(call_ns_.quantile(0.99));
  if (!done) fail("call set-up timed out: " + std::to_string(latch_.remaining()) + " calls left");
  co_return done;
}

net::awaitable<bool> scenario::relay(double seconds, std::uint64_t limit, bool measured) {
  relay_ = relay_state{};
  relay_.measured = measured;
  relay_.deadline = clock::now() + seconds_of(seconds);
  relay_.limit = limit;
  latch_.reset(1);
  for (std::size_t pair = 0; pair < opts_.pairs; ++pair) {
    for (std::size_t k = 0; k < opts_.in_flight; ++k) send_relay(2 * pair + k % 2);
  }
  const bool done = co_await latch_.wait(seconds_of(seconds + opts_.phase_timeout_seconds));
  if (!done) {
    fail("relay did not drain: " + std::to_string(relay_.sent - relay_.received) + " lost");
  }
  co_return done;
}

net::awaitable<bool> scenario::measured_relay() {
  if (!run_mark("start")) co_return false;
  measure_relay_start();
  const bool done = co_await relay(opts_.relay_seconds, opts_.relay_messages, true);
  if (!done) co_return false;
  measure_relay_end();
  co_return run_mark("end");
}

// Blocks the event loop on purpose: nothing is in flight, so the command's
// snapshots (CPU, Redis counters) enclose exactly the measured relay.
bool scenario::run_mark(const char* phase) {
  if (opts_.mark_command.empty()) return true;
  const auto command = opts_.mark_command + " " + phase;
  const int status = std::system(command.c_str());
  if (status == 0) return true;
  fail("mark command failed at " + std::string(phase) + " (status " + std::to_string(status) + ")");
  return false;
}

net::awaitable<void> scenario::pause(double seconds) {
  net::steady_timer timer(io_, seconds_of(seconds));
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
}

void scenario::measure_relay_start() {
  if (opts_.server_pid > 0) server_cpu_before_us_ = process_cpu_us(opts_.server_pid).value_or(-1);
  self_cpu_before_us_ = self_cpu_us();
  relay_started_ = clock::now();
}

void scenario::measure_relay_end() {
  const double elapsed = std::chrono::duration<double>(clock::now() - relay_started_).count();
  const double self_us = self_cpu_us() - self_cpu_before_us_;
  const auto relayed = static_cast<double>(relay_.received);
  results_.relayed = relay_.received;
  results_.relay_seconds = elapsed;
  results_.messages_per_second = relayed / elapsed;
  results_.latency_us_p50 = us_of(latency_ns_.quantile(0.50));
  results_.latency_us_p99 = us_of(latency_ns_.quantile(0.99));
  results_.latency_us_max = us_of(latency_ns_.max());
  results_.loadgen_cpu_us_per_message = relayed > 0 ? self_us / relayed : -1;
  if (opts_.server_pid <= 0 || server_cpu_before_us_ < 0 || relayed == 0) return;
  const auto after = process_cpu_us(opts_.server_pid);
  if (!after) return;
  results_.server_cpu_seconds = (*after - server_cpu_before_us_) / 1e6;
  results_.server_cpu_us_per_message = (*after - server_cpu_before_us_) / relayed;
}

void scenario::read_rss(double& into) const {
  if (opts_.server_pid <= 0) return;
  if (const auto kib = process_rss_kib(opts_.server_pid)) into = static_cast<double>(*kib);
}

void scenario::fail(std::string why) {
  if (results_.failure.empty()) results_.failure = std::move(why);
}

void scenario::teardown() {
  results_.load_end = load_average();
  tearing_down_ = true;
  for (auto& p : peers_) {
    if (p.conn) p.conn->close();
  }
}

}  // namespace switchboard::bench

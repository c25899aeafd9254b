// switchboard_soak: N pairs under continuous churn against one server, sampled every
// second into a CSV and a plot (docs/testing.md, "Soak").
// Exit status: 0 = pass, 1 = fail, 2 = bad usage or the server could not be started.
#include "bench/soak/driver.hpp"
#include "bench/soak/options.hpp"
#include "bench/soak/plot.hpp"
#include "bench/soak/sampler.hpp"
#include "bench/soak/server_process.hpp"
#include "bench/soak/verdict.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>

namespace sk = switchboard::soak;
namespace net = boost::asio;

namespace {

using clock_type = std::chrono::steady_clock;

// "90", "90s", "10m", "1h" -> seconds; negative when malformed.
double parse_duration(const std::string& s) {
  if (s.empty()) return -1;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  const std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "m" || unit == "min") return v * 60;
  if (unit == "h") return v * 3600;
  return -1;
}

void add_flags(CLI::App& app, sk::options& o, std::string& duration, std::string& warmup) {
  app.add_option("--pairs", o.pairs, "peer pairs (2 connections each)")->check(CLI::Range(1, 9000));
  app.add_option("--duration", duration, "ramp + churn time: 600, 90s, 10m, 1h");
  app.add_option("--warmup", warmup, "RSS is compared from here (default 60s)");
  app.add_option("--csv", o.csv, "samples, one row a second");
  app.add_option("--png", o.png, "plot (gnuplot); empty = none");
  app.add_option("--plot-script", o.plot_script, "gnuplot script (default: bench/soak/plot.gp)");
  app.add_option("--title", o.title, "plot title");
  app.add_option("--server-binary", o.server_binary, "switchboard executable to start");
  app.add_option("--config-set", o.config_sets, "k=v passed to the server as --set (repeatable)");
  app.add_option("--attach-pid", o.attach_pid, "soak a running server instead of starting one");
  app.add_option("--url", o.attach_url, "with --attach-pid: http://HOST:PORT of its signaling port");
  app.add_option("--metrics", o.attach_metrics, "with --attach-pid: HOST:PORT of its metrics port");
  app.add_option("--resume-grace", o.resume_grace_s,
                 "the server's peers.resume_grace in seconds (default: from --config-set, else 30)");
  app.add_flag("--asan", o.asan, "sanitizer build: longer step timeouts, RSS tolerance 25 %");
  app.add_flag("--keep-temp", o.keep_temp, "keep the temporary config and server log");
  app.add_option("--seed", o.seed, "random seed (which pairs churn, how, when)");
  app.add_option("--churn-rate", o.churn_rate, "fraction of pairs starting a churn action per second");
  app.add_option("--relay-rate", o.relay_rate, "relayed candidates per second from each peer");
  app.add_option("--inject-rate", o.inject_rate, "malformed messages per second per peer");
  app.add_option("--ramp-rate", o.ramp_rate, "pairs started per second at the beginning");
  app.add_option("--peers-per-address", o.peers_per_address, "clients per 127.x.y.z source address")
      ->check(CLI::Range(1, 60));
  app.add_option("--step-timeout", o.step_timeout_s, "seconds any awaited reply may take");
  app.add_option("--rss-tolerance", o.rss_tolerance, "allowed RSS drift, fraction (default 0.10)");
}

// The soak's own descriptors: soft limit up to the hard one (inherited by the server).
bool raise_fd_limit(std::size_t needed) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  std::printf("[soak] RLIMIT_NOFILE %llu (need ~%zu)\n", static_cast<unsigned long long>(rl.rlim_cur), needed);
  return rl.rlim_cur >= needed;
}

// Runs the clients until the driver is done and every connection object is gone.
bool run_clients(net::io_context& io, sk::driver& d, const sk::tally& t, double limit_s) {
  const auto deadline = clock_type::now() + std::chrono::milliseconds(static_cast<long>(limit_s * 1000));
  while (clock_type::now() < deadline) {
    if (d.phase() == sk::run_phase::done && t.live_conns.load() == 0) return true;
    if (io.run_for(std::chrono::milliseconds(100)) == 0 && io.stopped()) io.restart();
  }
  return false;
}

// A first connection (see driver::prime), then until the server holds no connection.
bool prime(net::io_context& io, sk::driver& d, const sk::tally& t, const sk::server_endpoints& ep) {
  d.start_prime();
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  while ((!d.primed() || t.live_conns.load() > 0) && clock_type::now() < deadline) {
    io.run_for(std::chrono::milliseconds(50));
  }
  while (d.primed().value_or(false) && clock_type::now() < deadline) {
    std::string error;
    const auto body = sk::http_get(ep.metrics_host, ep.metrics_port, "/metrics", 2.0, error);
    if (body && sk::family_sum(sk::parse_prometheus(*body), "switchboard_connections") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Closed sockets (the scrapes' included) may linger a moment: the baseline is
  // read once the count has held still for half a second.
  long last = -1;
  int same = 0;
  while (same < 5 && clock_type::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const long now = sk::count_fds(ep.pid);
    same = now == last ? same + 1 : 0;
    last = now;
  }
  return d.primed().value_or(false) && clock_type::now() < deadline;
}

// Polls the server's descriptors until they are back at the baseline; seconds taken or -1.
double wait_fds(int pid, long baseline, double limit_s, long& last) {
  const auto start = clock_type::now();
  for (;;) {
    last = sk::count_fds(pid);
    const double waited = std::chrono::duration<double>(clock_type::now() - start).count();
    if (last >= 0 && last <= baseline) return waited;
    if (waited >= limit_s) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Runs the clients from t0 until they are done; fills in the run's times.
void run_clients_phase(net::io_context& io, sk::driver& drv, sk::sampler& smp, const sk::tally& tally,
                       sk::problem_log& problems, const sk::options& opts, sk::run_record& rec) {
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    rec.interrupted = true;
    drv.stop_early();
  });
  const auto t0 = clock_type::now();
  smp.start(t0);
  drv.start(t0);
  const double limit = opts.duration_s + 6 * opts.step_timeout_s + opts.resume_delay_s + 90;
  if (!run_clients(io, drv, tally, limit)) problems.add("run did not finish", "time limit reached");
  signals.cancel();
  rec.run_s = drv.churn_seconds();
  rec.ramp_s = drv.ramp_seconds();
  rec.peer_left_pending = drv.peer_left_pending();
  std::printf("[soak] clients done after %.0f s; waiting for the server's descriptors\n",
              std::chrono::duration<double>(clock_type::now() - t0).count());
}

// After the clients: the descriptors' return, the last sample, the server's exit.
void finish_record(const sk::options& opts, sk::sampler& smp, sk::server_process& server, sk::run_record& rec) {
  const auto& ep = server.endpoints();
  rec.fds_baseline = smp.baseline_fds();
  rec.fds_return_s = wait_fds(ep.pid, rec.fds_baseline, opts.fd_wait_s, rec.fds_end);
  smp.stop();
  rec.rows = smp.rows();
  rec.before = smp.baseline_metrics();
  rec.after = rec.rows.empty() ? sk::metric_map{} : rec.rows.back().metrics;
  rec.scrape_failures = smp.scrape_failures();
  if (server.started_here()) rec.server_exit = server.stop(30);
}

int soak(const sk::options& opts, sk::server_process& server) {
  const auto& ep = server.endpoints();
  sk::tally tally;
  sk::problem_log problems(tally);
  net::io_context io(1);
  const net::ip::tcp::endpoint target(net::ip::make_address(ep.host), ep.port);
  sk::driver drv(io, opts, target, tally, problems);
  if (!prime(io, drv, tally, ep)) {
    std::fprintf(stderr, "[soak] the first connection to the server failed\n");
    return 2;
  }
  sk::sampler smp(ep, tally, drv.phase_counter());
  std::string error;
  if (!smp.begin(opts.csv, error)) {
    std::fprintf(stderr, "[soak] %s\n", error.c_str());
    return 2;
  }
  sk::run_record rec;
  run_clients_phase(io, drv, smp, tally, problems, opts, rec);
  finish_record(opts, smp, server, rec);
  const auto v = sk::evaluate(opts, tally, rec);
  std::printf("%s", sk::summary(opts, tally, problems, rec, v).c_str());
  if (!v.pass && server.started_here()) std::printf("server log (last lines):\n%s\n", server.log_tail(15).c_str());
  if (!opts.png.empty()) sk::plot(opts, rec, v);
  return v.pass ? 0 : 1;
}

// -1 when the options are good, else the exit status.
int parse_options(int argc, char** argv, sk::options& opts) {
  CLI::App app{"Switchboard churn soak"};
  std::string duration = "600s", warmup = "60s";
  add_flags(app, opts, duration, warmup);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  opts.duration_s = parse_duration(duration);
  opts.warmup_s = parse_duration(warmup);
  if (opts.duration_s <= 0 || opts.warmup_s < 0 || opts.warmup_s >= opts.duration_s) {
    std::fprintf(stderr, "--duration and --warmup: durations, warm-up shorter than the run\n");
    return 2;
  }
  // The soak must know the grace to time peerLeft for abandoned peers.
  for (const auto& kv : opts.config_sets) {
    constexpr std::string_view key = "peers.resume_grace=";
    if (kv.rfind(key, 0) != 0 || app.count("--resume-grace") > 0) continue;
    opts.resume_grace_s = parse_duration(kv.substr(key.size()));
  }
  if (opts.resume_grace_s < 0) {
    std::fprintf(stderr, "peers.resume_grace: give it in seconds (30, 30s, 1m)\n");
    return 2;
  }
  if (opts.asan) {
    opts.step_timeout_s *= 3;
    if (app.count("--rss-tolerance") == 0) opts.rss_tolerance = 0.25;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines interleave with stderr's problems
  sk::options opts;
  if (const int status = parse_options(argc, argv, opts); status >= 0) return status;
  if (!raise_fd_limit(2 * opts.pairs + 200)) std::fprintf(stderr, "[soak] warning: too few file descriptors\n");
  sk::server_process server(opts);
  if (!server.start()) {
    std::fprintf(stderr, "[soak] %s\n", server.error().c_str());
    return 2;
  }
  const auto& ep = server.endpoints();
  std::printf("[soak] server pid %d, signaling %s:%u, metrics %s:%u\n", ep.pid, ep.host.c_str(), ep.port,
              ep.metrics_host.c_str(), ep.metrics_port);
  return soak(opts, server);
}

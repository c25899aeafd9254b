#pragma once
// Once a second, on its own thread: the server's RSS, open descriptors and CPU
// time from /proc, its counters from /metrics, and the clients' tally; one CSV row
// each, kept in memory too for the verdict.

#include "bench/soak/scrape.hpp"
#include "bench/soak/server_process.hpp"
#include "bench/soak/tally.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace switchboard::soak {

struct sample {
  double t = 0;       // seconds since the clients started
  int phase = 0;      // run_phase
  double rss_kib = -1;
  long fds = -1;
  double cpu_s = -1;  // utime + stime
  double cpu_pct = 0; // over the last interval (100 = one core)
  bool scraped = false;
  metric_map metrics;  // only the last sample keeps it (memory)
};

// Open descriptors of `pid` (entries of /proc/PID/fd); -1 if unreadable.
long count_fds(int pid);

class sampler {
 public:
  using clock = std::chrono::steady_clock;

  sampler(const server_endpoints& ep, const tally& t, const std::atomic<int>& phase);
  ~sampler();

  // Opens the CSV, reads the baseline (fds, RSS, metrics) before any client exists.
  bool begin(const std::string& csv_path, std::string& error);
  void start(clock::time_point t0);
  void stop();  // takes a last sample

  long baseline_fds() const { return baseline_.fds; }
  double baseline_rss_kib() const { return baseline_.rss_kib; }
  const metric_map& baseline_metrics() const { return baseline_.metrics; }
  // Every row so far (metrics only on the last one).
  std::vector<sample> rows() const;
  std::size_t scrape_failures() const { return scrape_failures_.load(); }
  const std::string& last_scrape_error() const { return last_error_; }

 private:
  sample take(double t);
  void write_header();
  void write_row(const sample& s);
  void loop(std::stop_token stop);

  server_endpoints ep_;
  const tally& tally_;
  const std::atomic<int>& phase_;
  std::ofstream csv_;
  sample baseline_;
  clock::time_point t0_;
  double last_cpu_s_ = -1, last_t_ = 0;
  metric_map last_metrics_;
  mutable std::mutex mutex_;
  std::vector<sample> rows_;
  std::atomic<std::size_t> scrape_failures_{0};
  std::string last_error_;
  std::jthread thread_;
};

}  // namespace switchboard::soak

#pragma once
// Pass or fail, from what the run recorded; pure (no I/O), so the rules read in one place:
// 1. no problem seen by the clients (anything the protocol did not promise);
// 2. the server's counters moved by exactly what the clients caused: each injected
//    message's error, each relayed message, each resume; nothing else (no rate
//    limiting, refusals, evictions, policy closes, slow consumers, accept errors);
// 3. RSS flat: the average over the last minute within the tolerance of the average
//    over the minute after warm-up (half the churn each when it is shorter);
// 4. open descriptors back at their baseline at the end;
// 5. every scrape of /metrics answered; a server the soak started exits with 0.

#include "bench/soak/options.hpp"
#include "bench/soak/sampler.hpp"
#include "bench/soak/scrape.hpp"
#include "bench/soak/tally.hpp"

#include <string>
#include <vector>

namespace switchboard::soak {

struct run_record {
  std::vector<sample> rows;         // the CSV's rows (the last one with its metrics)
  metric_map before, after;         // counters at the baseline and at the end
  long fds_baseline = -1;
  long fds_end = -1;
  double fds_return_s = -1;         // how long the return took; -1 = it did not
  std::size_t scrape_failures = 0;
  int server_exit = -2;             // -2: not started by the soak; -1: killed or signalled
  double run_s = 0;                 // ramp + churn
  double ramp_s = -1;               // every pair had its first call by then; -1 = never
  bool interrupted = false;
  std::size_t peer_left_pending = 0;
};

struct metric_check {
  std::string series;
  double expected = 0;
  double actual = 0;
  bool present = true;  // absent series count as 0 (older servers lack some)
};

struct rss_windows {
  double second_from = 0, second_to = 0, last_from = 0, last_to = 0;
  double second_avg = -1, last_avg = -1;  // KiB; -1 = no samples
};

struct verdict {
  bool pass = false;
  std::vector<std::string> failures;  // one line per failed rule
  std::vector<metric_check> checks;
  rss_windows rss;
};

// The exact counter movements the clients' tally implies.
std::vector<metric_check> expected_counters(const tally& t, const metric_map& before, const metric_map& after);
// The first window starts after the warm-up, and not before the ramp is over plus one
// resume grace (until then the population of detached peers is still growing).
rss_windows rss_flatness(const std::vector<sample>& rows, double start_s, double run_s);
double rss_window_start(const options& o, const run_record& r);
verdict evaluate(const options& o, const tally& t, const run_record& r);
// The human summary printed at the end (and the figures for docs/testing.md).
std::string summary(const options& o, const tally& t, const problem_log& problems, const run_record& r,
                    const verdict& v);

}  // namespace switchboard::soak

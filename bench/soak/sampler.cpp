#include "bench/soak/sampler.hpp"

#include "bench/loadgen/proc_stats.hpp"

#include <condition_variable>
#include <filesystem>
#include <iomanip>

namespace switchboard::soak {

namespace {

constexpr double scrape_timeout_s = 2.0;

// One CSV column: its header and how a row computes it.
struct column {
  const char* name;
  double (*value)(const sample& s, const tally& t);
};

double sum(const sample& s, const char* family) { return family_sum(s.metrics, family); }
double u(const counter& c) { return static_cast<double>(c.load(std::memory_order_relaxed)); }

// Columns after t_s and phase. The plot script refers to them by name.
const column columns[] = {
    {"rss_mib", [](const sample& s, const tally&) { return s.rss_kib / 1024.0; }},
    {"fds", [](const sample& s, const tally&) { return static_cast<double>(s.fds); }},
    {"cpu_pct", [](const sample& s, const tally&) { return s.cpu_pct; }},
    {"cpu_s", [](const sample& s, const tally&) { return s.cpu_s; }},
    {"srv_connections", [](const sample& s, const tally&) { return sum(s, "switchboard_connections"); }},
    {"srv_peers", [](const sample& s, const tally&) { return sum(s, "switchboard_peers"); }},
    {"srv_peers_detached", [](const sample& s, const tally&) { return sum(s, "switchboard_peers_detached"); }},
    {"cli_live_conns", [](const sample&, const tally& t) { return static_cast<double>(t.live_conns.load()); }},
    {"cli_pairs_relaying", [](const sample&, const tally& t) { return static_cast<double>(t.pairs_relaying.load()); }},
    {"cli_opened", [](const sample&, const tally& t) { return u(t.opened); }},
    {"cli_resets", [](const sample&, const tally& t) { return u(t.resets); }},
    {"cli_clean_closes", [](const sample&, const tally& t) { return u(t.clean_closes); }},
    {"cli_resumed", [](const sample&, const tally& t) { return u(t.resumed); }},
    {"cli_relayed_sent",
     [](const sample&, const tally& t) { return u(t.offers) + u(t.answers) + u(t.candidates) + u(t.hangups); }},
    {"cli_relayed_in", [](const sample&, const tally& t) { return u(t.relayed_in); }},
    {"cli_injected", [](const sample&, const tally& t) { return static_cast<double>(t.injected()); }},
    {"cli_problems", [](const sample&, const tally& t) { return u(t.problems_total); }},
    {"srv_errors_sent", [](const sample& s, const tally&) { return sum(s, "switchboard_errors_sent_total"); }},
    {"srv_undeliverable",
     [](const sample& s, const tally&) { return sum(s, "switchboard_messages_undeliverable_total"); }},
    {"srv_relayed", [](const sample& s, const tally&) { return sum(s, "switchboard_messages_relayed_total"); }},
    {"srv_resumes_ok",
     [](const sample& s, const tally&) {
       return series(s.metrics, "switchboard_resumes_total", "result", "ok").value_or(0);
     }},
    {"srv_rejected", [](const sample& s, const tally&) { return sum(s, "switchboard_connections_rejected_total"); }},
    {"srv_peers_refused", [](const sample& s, const tally&) { return sum(s, "switchboard_peers_refused_total"); }},
    {"srv_peers_evicted", [](const sample& s, const tally&) { return sum(s, "switchboard_peers_evicted_total"); }},
    {"srv_policy_closes", [](const sample& s, const tally&) { return sum(s, "switchboard_policy_closes_total"); }},
    {"srv_slow_consumers",
     [](const sample& s, const tally&) { return sum(s, "switchboard_slow_consumers_closed_total"); }},
    {"srv_accept_errors", [](const sample& s, const tally&) { return sum(s, "switchboard_accept_errors_total"); }},
    {"srv_http_errors", [](const sample& s, const tally&) { return sum(s, "switchboard_http_errors_total"); }},
    {"scraped", [](const sample& s, const tally&) { return s.scraped ? 1.0 : 0.0; }},
};

}  // namespace

long count_fds(int pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return -1;
  long n = 0;
  for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return -1;
    ++n;
  }
  return n;
}

sampler::sampler(const server_endpoints& ep, const tally& t, const std::atomic<int>& phase)
    : ep_(ep), tally_(t), phase_(phase) {}

sampler::~sampler() { stop(); }

bool sampler::begin(const std::string& csv_path, std::string& error) {
  const auto parent = std::filesystem::path(csv_path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  csv_.open(csv_path);
  if (!csv_) return error = "cannot write " + csv_path, false;
  write_header();
  baseline_ = take(0);
  if (!baseline_.scraped) return error = "cannot scrape /metrics: " + last_error_, false;
  if (baseline_.fds < 0) return error = "cannot read /proc/" + std::to_string(ep_.pid) + "/fd", false;
  return true;
}

void sampler::start(clock::time_point t0) {
  t0_ = t0;
  thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void sampler::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

std::vector<sample> sampler::rows() const {
  std::lock_guard lock(mutex_);
  return rows_;
}

void sampler::loop(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  auto next = t0_;
  for (;;) {
    next += std::chrono::seconds(1);
    {
      std::unique_lock lock(m);
      cv.wait_until(lock, stop, next, [] { return false; });
    }
    const double t = std::chrono::duration<double>(clock::now() - t0_).count();
    sample s = take(t);
    write_row(s);
    {
      std::lock_guard lock(mutex_);
      if (!rows_.empty()) rows_.back().metrics.clear();  // only the newest keeps its counters
      rows_.push_back(std::move(s));
    }
    if (stop.stop_requested()) return;  // the row just taken is the final one
  }
}

sample sampler::take(double t) {
  sample s;
  s.t = t;
  s.phase = phase_.load();
  s.fds = count_fds(ep_.pid);  // before the scrape: its own connection is not counted
  if (const auto kib = bench::process_rss_kib(ep_.pid)) s.rss_kib = static_cast<double>(*kib);
  if (const auto us = bench::process_cpu_us(ep_.pid)) s.cpu_s = *us / 1e6;
  if (last_cpu_s_ >= 0 && s.cpu_s >= 0 && t > last_t_) s.cpu_pct = 100 * (s.cpu_s - last_cpu_s_) / (t - last_t_);
  last_cpu_s_ = s.cpu_s;
  last_t_ = t;
  std::string error;
  if (auto body = http_get(ep_.metrics_host, ep_.metrics_port, "/metrics", scrape_timeout_s, error)) {
    s.metrics = parse_prometheus(*body);
    s.scraped = true;
    last_metrics_ = s.metrics;
  } else {
    s.metrics = last_metrics_;  // the counters only grow: keep the last known values
    last_error_ = error;
    if (t > 0) scrape_failures_.fetch_add(1);
  }
  return s;
}

void sampler::write_header() {
  csv_ << "t_s,phase";
  for (const auto& c : columns) csv_ << ',' << c.name;
  csv_ << '\n';
}

void sampler::write_row(const sample& s) {
  csv_ << std::fixed << std::setprecision(3) << s.t << ',' << s.phase;
  for (const auto& c : columns) csv_ << ',' << c.value(s, tally_);
  csv_ << std::endl;  // flushed: a crashed run still leaves its rows
}

}  // namespace switchboard::soak

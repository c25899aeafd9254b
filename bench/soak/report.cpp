// The summary printed at the end of a run.
#include "bench/soak/verdict.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace switchboard::soak {

namespace {

std::uint64_t u(const counter& c) { return c.load(); }

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  std::string s = buf;
  for (int at = static_cast<int>(s.size()) - 3; at > (s[0] == '-' ? 1 : 0); at -= 3) s.insert(at, ",");
  return s;
}

std::string mib(double kib) {
  if (kib < 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", kib / 1024);
  return buf;
}

void workload(std::ostringstream& os, const tally& t, double run_s) {
  const double relayed = static_cast<double>(u(t.offers) + u(t.answers) + u(t.candidates) + u(t.hangups));
  os << "  connections opened " << num(static_cast<double>(u(t.opened))) << " ("
     << num(static_cast<double>(u(t.opened)) / std::max(run_s, 1.0)) << "/s), resets " << num(u(t.resets))
     << ", clean closes " << num(u(t.clean_closes)) << ", new IDs " << num(u(t.new_ids)) << ", resumes "
     << num(u(t.resumed)) << ", failed opens " << num(u(t.open_failed)) << "\n";
  os << "  churn actions: resume " << num(u(t.churn_resume)) << ", hangup " << num(u(t.churn_hangup))
     << ", leave " << num(u(t.churn_leave)) << ", abandon " << num(u(t.churn_abandon)) << "; pair rebuilds "
     << num(u(t.recoveries)) << "\n";
  os << "  relayed sent " << num(relayed) << " (offers " << num(u(t.offers)) << ", answers " << num(u(t.answers))
     << ", candidates " << num(u(t.candidates)) << ", hangups " << num(u(t.hangups)) << "), received in order "
     << num(u(t.relayed_in)) << ", sent to detached peers " << num(u(t.queued_for_detached)) << ", peerLeft "
     << num(u(t.peer_left_in)) << "\n";
  os << "  injected: bad JSON " << num(u(t.bad_json)) << ", unknown action " << num(u(t.unknown_action))
     << ", relay to unknown id " << num(u(t.unknown_target)) << ", resume with unknown id " << num(u(t.bad_resume))
     << "; iceServers requests " << num(u(t.ice_servers)) << "\n";
}

void server_figures(std::ostringstream& os, const run_record& r, const verdict& v) {
  double peak_rss = 0, cpu_total = 0;
  long peak_fds = 0;
  int churn_rows = 0;
  for (const auto& s : r.rows) {
    peak_rss = std::max(peak_rss, s.rss_kib);
    peak_fds = std::max(peak_fds, s.fds);
    if (s.phase == 1) {
      cpu_total += s.cpu_pct;
      ++churn_rows;
    }
  }
  char windows[128];
  std::snprintf(windows, sizeof windows, " average over [%.0f, %.0f) s, ", v.rss.second_from, v.rss.second_to);
  os << "  RSS: " << mib(v.rss.second_avg) << windows << mib(v.rss.last_avg);
  std::snprintf(windows, sizeof windows, " over [%.0f, %.0f) s", v.rss.last_from, v.rss.last_to);
  os << windows;
  if (v.rss.second_avg > 0 && v.rss.last_avg > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%+.1f %%)", 100 * (v.rss.last_avg / v.rss.second_avg - 1));
    os << buf;
  }
  os << "; peak " << mib(peak_rss) << "\n";
  std::snprintf(windows, sizeof windows, "  (every pair had its first call %.0f s after the start)\n", r.ramp_s);
  if (r.ramp_s >= 0) os << windows;
  os << "  open fds: baseline " << r.fds_baseline << ", peak " << peak_fds << ", end " << r.fds_end;
  if (r.fds_return_s >= 0) os << " (back " << static_cast<int>(r.fds_return_s * 10) / 10.0 << " s after teardown)";
  char cpu[64];
  std::snprintf(cpu, sizeof cpu, "%.1f", churn_rows > 0 ? cpu_total / churn_rows : 0.0);
  os << "\n  CPU: " << cpu << " % of a core on average during the churn\n";
  os << "  /metrics scrapes failed: " << r.scrape_failures << "; server exit status: "
     << (r.server_exit == -2 ? std::string("not ours") : std::to_string(r.server_exit)) << "\n";
}

}  // namespace

std::string summary(const options& o, const tally& t, const problem_log& problems, const run_record& r,
                    const verdict& v) {
  std::ostringstream os;
  os << "soak: " << (v.pass ? "PASS" : "FAIL") << " - " << o.pairs << " pairs, " << static_cast<long>(r.run_s)
     << " s of ramp and churn"
     << " (warm-up " << o.warmup_s << " s), seed " << o.seed << ", " << o.peers_per_address
     << " clients per source address\n";
  workload(os, t, r.run_s);
  os << "problems seen by the clients: " << (problems.categories().empty() ? "none" : "") << "\n";
  for (const auto& [name, c] : problems.categories()) {
    os << "  " << name << ": " << c.count;
    for (const auto& e : c.examples) os << "\n      e.g. " << e;
    os << "\n";
  }
  if (r.peer_left_pending > 0) os << "  (" << r.peer_left_pending << " peerLeft not yet due at the end: not checked)\n";
  os << "server counters (moved / expected):\n";
  for (const auto& c : v.checks) {
    const bool ok = c.actual == c.expected;
    os << "  " << (ok ? "ok  " : "BAD ") << c.series << " " << num(c.actual) << " / " << num(c.expected)
       << (c.present ? "" : " (series absent)") << "\n";
  }
  os << "server:\n";
  server_figures(os, r, v);
  for (const auto& f : v.failures) os << "FAILED: " << f << "\n";
  return os.str();
}

}  // namespace switchboard::soak

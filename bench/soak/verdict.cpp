#include "bench/soak/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace switchboard::soak {

namespace {

constexpr double window_s = 60;

double u(const counter& c) { return static_cast<double>(c.load()); }

std::string key(const char* name, const char* label, const char* value) {
  return std::string(name) + "{" + label + "=\"" + value + "\"}";
}

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

}  // namespace

std::vector<metric_check> expected_counters(const tally& t, const metric_map& before, const metric_map& after) {
  constexpr const char* errors = "switchboard_errors_sent_total";
  constexpr const char* undeliverable = "switchboard_messages_undeliverable_total";
  constexpr const char* relayed = "switchboard_messages_relayed_total";
  constexpr const char* resumes = "switchboard_resumes_total";
  const std::vector<std::pair<std::string, double>> exact = {
      {key(errors, "code", "bad-request"), u(t.bad_json)},
      {key(errors, "code", "unknown-action"), u(t.unknown_action)},
      {key(errors, "code", "peer-not-found"), u(t.unknown_target)},
      {key(errors, "code", "resume-failed"), u(t.bad_resume)},
      {key(undeliverable, "reason", "peer_not_found"), u(t.unknown_target)},
      {key(relayed, "type", "offer"), u(t.offers)},
      {key(relayed, "type", "answer"), u(t.answers)},
      {key(relayed, "type", "iceCandidate"), u(t.candidates)},
      {key(relayed, "type", "hangup"), u(t.hangups)},
      {key(resumes, "result", "ok"), u(t.resumed)},
      {key(resumes, "result", "unknown_peer"), u(t.bad_resume)},
      {"switchboard_connections_accepted_total", u(t.opened)},
  };
  // Families that must not move at all (all labels together).
  const char* const none[] = {
      "switchboard_connections_rejected_total", "switchboard_peers_refused_total",
      "switchboard_peers_evicted_total",        "switchboard_policy_closes_total",
      "switchboard_slow_consumers_closed_total", "switchboard_accept_errors_total",
      "switchboard_http_errors_total"};
  std::vector<metric_check> out;
  for (const auto& [series, want] : exact) {
    const auto b = before.find(series);
    const auto a = after.find(series);
    out.push_back({series, want, (a == after.end() ? 0 : a->second) - (b == before.end() ? 0 : b->second),
                   a != after.end()});
  }
  // The other error codes and undeliverable reasons: the family total minus the exact ones.
  const double errors_other = family_sum(after, errors) - family_sum(before, errors) -
                              (out[0].actual + out[1].actual + out[2].actual + out[3].actual);
  out.push_back({std::string(errors) + "{any other code}", 0, errors_other, true});
  const double undeliverable_other =
      family_sum(after, undeliverable) - family_sum(before, undeliverable) - out[4].actual;
  out.push_back({std::string(undeliverable) + "{any other reason}", 0, undeliverable_other, true});
  const double resumes_other = family_sum(after, resumes) - family_sum(before, resumes) - out[9].actual -
                               out[10].actual;
  out.push_back({std::string(resumes) + "{bad_token,expired}", 0, resumes_other, true});
  for (const char* family : none) {
    out.push_back({family, 0, family_sum(after, family) - family_sum(before, family), has_family(after, family)});
  }
  return out;
}

double rss_window_start(const options& o, const run_record& r) {
  return std::max(o.warmup_s, r.ramp_s < 0 ? 0.0 : r.ramp_s + o.resume_grace_s);
}

rss_windows rss_flatness(const std::vector<sample>& rows, double start_s, double run_s) {
  rss_windows w;
  const double span = std::min(window_s, std::max(0.0, run_s - start_s) / 2);
  w.second_from = start_s;
  w.second_to = start_s + span;
  w.last_from = run_s - span;
  w.last_to = run_s;
  const auto average = [&](double from, double to) {
    double total = 0;
    int n = 0;
    for (const auto& s : rows) {
      if (s.t >= from && s.t < to && s.rss_kib > 0 && s.phase <= 1) {
        total += s.rss_kib;
        ++n;
      }
    }
    return n > 0 ? total / n : -1.0;
  };
  if (span > 0) {
    w.second_avg = average(w.second_from, w.second_to);
    w.last_avg = average(w.last_from, w.last_to);
  }
  return w;
}

verdict evaluate(const options& o, const tally& t, const run_record& r) {
  verdict v;
  if (t.problems_total.load() > 0) {
    v.failures.push_back(std::to_string(t.problems_total.load()) + " problems seen by the clients");
  }
  v.checks = expected_counters(t, r.before, r.after);
  for (const auto& c : v.checks) {
    if (std::fabs(c.actual - c.expected) > 0.5) {
      v.failures.push_back(c.series + ": moved by " + fmt("%.0f", c.actual) + ", expected " + fmt("%.0f", c.expected));
    }
  }
  v.rss = rss_flatness(r.rows, rss_window_start(o, r), r.run_s);
  if (v.rss.second_avg <= 0 || v.rss.last_avg <= 0) {
    v.failures.push_back(fmt("RSS: no samples to compare: the first window starts at %.0f s (warm-up, or every "
                             "pair's first call + the resume grace) and the churn ended at %.0f s",
                             rss_window_start(o, r), r.run_s));
  } else if (std::fabs(v.rss.last_avg / v.rss.second_avg - 1) > o.rss_tolerance) {
    v.failures.push_back(fmt("RSS not flat: last window %.1f MiB vs %.1f MiB after warm-up (%+.1f %%)",
                             v.rss.last_avg / 1024, v.rss.second_avg / 1024,
                             100 * (v.rss.last_avg / v.rss.second_avg - 1)));
  }
  if (r.fds_end < 0 || r.fds_end > r.fds_baseline) {
    v.failures.push_back("open fds did not return to their baseline: " + std::to_string(r.fds_end) + " vs " +
                         std::to_string(r.fds_baseline));
  }
  if (r.scrape_failures > 0) v.failures.push_back(std::to_string(r.scrape_failures) + " scrapes of /metrics failed");
  if (r.server_exit != -2 && r.server_exit != 0) {
    v.failures.push_back("the server exited with status " + std::to_string(r.server_exit));
  }
  if (r.interrupted) v.failures.push_back("interrupted");
  v.pass = v.failures.empty();
  return v;
}

}  // namespace switchboard::soak

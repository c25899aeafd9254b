#include "bench/loadgen/report.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>

namespace switchboard::bench {
namespace json = boost::json;

namespace {

json::value figure(double v) {
  if (v < 0) return nullptr;
  return v;
}

std::string fmt(double v, const char* unit) {
  if (v < 0) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, v >= 100 ? "%.0f" : "%.2f", v);
  return *unit == '\0' ? std::string(text) : std::string(text) + " " + unit;
}

}  // namespace

std::string to_json_line(const results& r) {
  json::object o;
  o["server"] = r.server;
  o["layout"] = r.layout;
  o["pairs"] = r.pairs;
  o["connections"] = r.connections;
  o["in_flight"] = r.in_flight;
  o["ok"] = r.ok;
  if (!r.ok) o["failure"] = r.failure;
  o["connect_s"] = figure(r.connect_seconds);
  o["connections_per_s"] = figure(r.connections_per_second);
  o["setup_ms_p50"] = figure(r.setup_ms_p50);
  o["setup_ms_p99"] = figure(r.setup_ms_p99);
  o["rss_base_kib"] = figure(r.rss_base_kib);
  o["rss_idle_kib"] = figure(r.rss_idle_kib);
  o["rss_kib_per_idle_conn"] = figure(r.rss_per_idle_connection_kib);
  o["calls_s"] = figure(r.calls_seconds);
  o["calls_per_s"] = figure(r.calls_per_second);
  o["call_ms_p50"] = figure(r.call_ms_p50);
  o["call_ms_p99"] = figure(r.call_ms_p99);
  o["offer_bytes"] = r.offer_bytes;
  o["relayed"] = r.relayed;
  o["relay_s"] = figure(r.relay_seconds);
  o["msgs_per_s"] = figure(r.messages_per_second);
  o["latency_us_p50"] = figure(r.latency_us_p50);
  o["latency_us_p99"] = figure(r.latency_us_p99);
  o["latency_us_max"] = figure(r.latency_us_max);
  o["candidate_bytes"] = r.candidate_bytes;
  o["server_cpu_s"] = figure(r.server_cpu_seconds);
  o["server_cpu_us_per_msg"] = figure(r.server_cpu_us_per_message);
  o["loadgen_cpu_us_per_msg"] = figure(r.loadgen_cpu_us_per_message);
  o["rss_after_kib"] = figure(r.rss_after_kib);
  o["connect_failures"] = r.connect_failures;
  o["server_errors"] = r.server_errors;
  o["misrouted"] = r.misrouted;
  o["disconnects"] = r.disconnects;
  o["load_start"] = figure(r.load_start);
  o["load_end"] = figure(r.load_end);
  return json::serialize(o);
}

std::string to_table(const results& r) {
  std::string t;
  const auto row = [&t](const char* name, const std::string& value) {
    char line[128];
    std::snprintf(line, sizeof line, "  %-34s %s\n", name, value.c_str());
    t += line;
  };
  t += r.server + (r.layout == "single" ? "" : " (" + r.layout + ")") + ": " + std::to_string(r.pairs) + " pairs, " +
       std::to_string(r.connections) + " connections" + (r.ok ? "" : "  FAILED: " + r.failure) +
       "\n";
  row("connection set-up p50 / p99", fmt(r.setup_ms_p50, "ms") + " / " + fmt(r.setup_ms_p99, "ms"));
  row("connections/s", fmt(r.connections_per_second, ""));
  row("server RSS per idle connection", fmt(r.rss_per_idle_connection_kib, "KiB"));
  row("calls/s (offer+answer+candidates)", fmt(r.calls_per_second, ""));
  row("call set-up p50 / p99", fmt(r.call_ms_p50, "ms") + " / " + fmt(r.call_ms_p99, "ms"));
  row("relayed messages", std::to_string(r.relayed));
  row("messages/s", fmt(r.messages_per_second, ""));
  row("relay latency p50 / p99", fmt(r.latency_us_p50, "us") + " / " + fmt(r.latency_us_p99, "us"));
  row("server CPU per relayed message", fmt(r.server_cpu_us_per_message, "us"));
  row("load generator CPU per message", fmt(r.loadgen_cpu_us_per_message, "us"));
  row("machine load, start / end", fmt(r.load_start, "") + " / " + fmt(r.load_end, ""));
  row("errors (connect/server/misrouted/closed)",
      std::to_string(r.connect_failures) + "/" + std::to_string(r.server_errors) + "/" +
          std::to_string(r.misrouted) + "/" + std::to_string(r.disconnects));
  return t;
}

}  // namespace switchboard::bench

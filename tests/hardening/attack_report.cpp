#include "tests/hardening/attack_report.hpp"

#include "tests/integration/signaling_helpers.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace switchboard::test {
namespace {

// The next message as an object with `action`, skipping others; nullopt at the deadline.
std::optional<json::object> next_with_action(ws_client& ws, std::string_view action, deadline until) {
  while (const auto text = ws.read(until)) {
    boost::system::error_code ec;
    auto v = json::parse(*text, ec);
    if (!ec && v.is_object() && str(v.as_object(), "action") == action) return std::move(v.as_object());
  }
  return std::nullopt;
}

// Connects from `local_address` and starts; the peer's id, or "" (with `problem` set).
std::string start_from(ws_client& ws, const server_fixture& server, const std::string& local_address,
                       const std::optional<std::string>& origin, std::string& problem) {
  auto opts = server.ws_options();
  opts.local_address = local_address;
  opts.origin = origin;
  const auto connected = ws.connect(opts);
  if (!connected.ok) {
    problem = "connect from " + local_address + ": " + connected.error + " (HTTP " +
              std::to_string(connected.http_status) + ")";
    return "";
  }
  if (!ws.send_text(R"({"action":"start"})")) {
    problem = "start from " + local_address + ": " + ws.last_error();
    return "";
  }
  const auto reply = next_with_action(ws, "start", within(std::chrono::seconds(5)));
  const auto id = reply ? str(*reply, "id") : std::string();
  if (id.empty()) problem = "no start reply for " + local_address + " (" + ws.last_error() + ")";
  return id;
}

}  // namespace

bool report_mode() {
  const char* v = std::getenv("SWITCHBOARD_ATTACK_REPORT");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

std::string in_mib(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / mib);
  return buf;
}

attack_budget::attack_budget(memory_watch& memory, server_fixture& server, std::chrono::milliseconds test_time,
                             std::chrono::milliseconds report_time)
    : memory_(memory),
      server_(server),
      end_(clock::now() + (report_mode() ? report_time : test_time)),
      // Test mode: past 4x the bound the test has failed anyway; stop hurting the machine.
      stop_growth_(report_mode() ? 2048 * mib : 4 * memory_bound) {}

bool attack_budget::ok() {
  if (!why_.empty()) return false;
  const auto now = clock::now();
  if (now >= end_) {
    why_ = "time budget used up";
  } else if (now >= next_check_) {
    next_check_ = now + std::chrono::milliseconds(20);
    if (!server_.proc().running()) {
      why_ = "the server exited";
    } else if (memory_.current_growth() > stop_growth_) {
      why_ = "the server grew past " + in_mib(stop_growth_);
    }
  }
  return why_.empty();
}

attack_record::attack_record(std::string name) : name_(std::move(name)) {}

attack_record::~attack_record() {
  const auto seconds = std::chrono::duration<double>(clock::now() - started_).count();
  std::cout << "[attack] " << name_ << (report_mode() ? " (report mode)" : "") << ", " << seconds << " s\n";
  for (const auto& f : figures_) std::cout << "[attack]   " << f << "\n";
  for (const auto& c : checks_) std::cout << "[attack]   " << c << "\n";
  std::cout << std::flush;
}

void attack_record::check(bool ok, const std::string& what) {
  checks_.push_back((ok ? "ok:     " : "FAILED: ") + what);
  if (!ok && !report_mode()) ADD_FAILURE() << name_ << ": " << what;
}

void attack_record::figure(const std::string& name, const std::string& value) {
  figures_.push_back(name + " = " + value);
}

void check_counter(attack_record& record, const server_fixture& server, std::string_view series, double min,
                   const std::string& why) {
  const auto value = server.metric_value(series);
  char buf[64];
  std::snprintf(buf, sizeof buf, " >= %.0f", min);
  record.check(value.value_or(0) >= min, std::string(series) + buf + (why.empty() ? "" : " (" + why + ")") +
                                             ", got " + (value ? std::to_string(*value) : std::string("none")));
}

void check_aftermath(attack_record& record, server_fixture& server, memory_watch& memory, log_window& log,
                     const aftermath_options& opts) {
  const bool alive = server.proc().running();
  record.check(alive, "the server is still running");
  const auto bytes = log.settle_and_measure();  // first: lets the server finish what the attack queued
  const auto growth = memory.peak_growth();
  record.figure("peak RSS growth (VmHWM - baseline VmRSS)", in_mib(growth) + " (baseline " +
                                                                 in_mib(memory.baseline()) + ")");
  record.check(growth < memory_bound, "peak RSS growth " + in_mib(growth) + " < " + in_mib(memory_bound));
  record.figure("log growth", std::to_string(bytes) + " bytes in " + std::to_string(log.lines()) +
                                  " lines, longest line " + std::to_string(log.longest_line()) + " bytes");
  record.check(bytes < opts.log_bound,
               "log growth " + std::to_string(bytes) + " bytes < " + std::to_string(opts.log_bound));
  const auto invalid = log.first_invalid_line(opts.json_log);
  record.check(invalid.empty(), std::string("every log line is ") +
                                    (opts.json_log ? "a JSON object" : "UTF-8 without control characters") +
                                    (invalid.empty() ? "" : ": " + invalid));
  const auto relay = alive ? fresh_pair_problem(server, opts.origin) : "server gone";
  record.check(relay.empty(), "a fresh pair from 127.0.0.2/127.0.0.3 relays" + (relay.empty() ? "" : ": " + relay));
}

std::string fresh_pair_problem(const server_fixture& server, const std::optional<std::string>& origin) {
  std::string problem;
  ws_client a;
  ws_client b;
  const auto a_id = start_from(a, server, "127.0.0.2", origin, problem);
  if (a_id.empty()) return problem;
  const auto b_id = start_from(b, server, "127.0.0.3", origin, problem);
  if (b_id.empty()) return problem;
  if (!a.send_text(offer_message(b_id, "v=0 fresh"))) return "offer not sent: " + a.last_error();
  const auto offer = next_with_action(b, "offer", within(std::chrono::seconds(5)));
  if (!offer || str(*offer, "from") != a_id) return "offer not relayed (" + b.last_error() + ")";
  if (!b.send_text(answer_message(a_id, "v=0 fresh"))) return "answer not sent: " + b.last_error();
  const auto answer = next_with_action(a, "answer", within(std::chrono::seconds(5)));
  if (!answer || str(*answer, "from") != b_id) return "answer not relayed (" + a.last_error() + ")";
  a.close(1000);
  b.close(1000);
  return "";
}

}  // namespace switchboard::test

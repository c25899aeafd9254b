#pragma once
// The shape every attack test shares: run the attack within a budget, then
// check its aftermath (memory growth under the bound, a small and valid log,
// a fresh pair from another address still relaying) and the specific
// reaction the spec asks for.
//
// With SWITCHBOARD_ATTACK_REPORT=1 the same code measures instead of
// asserting: attacks run up to 20 s (or until the server passes 2 GiB above
// its baseline) and every check is printed with its outcome, so one command
// gives the before and after figures for any binary
// (SWITCHBOARD_TEST_SERVER_BINARY).

#include "tests/hardening/server_probe.hpp"
#include "tests/support/server_fixture.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::test {

inline constexpr std::size_t mib = 1024 * 1024;
// The documented bound: one client address, shipped defaults.
inline constexpr std::size_t memory_bound = 64 * mib;

bool report_mode();

// Keeps an attack loop bounded: by time, by the server's memory growth, and
// by the server being alive at all.
class attack_budget {
public:
  // `test_time` applies in test mode, `report_time` (at most 20 s) in report mode.
  attack_budget(memory_watch& memory, server_fixture& server, std::chrono::milliseconds test_time,
                std::chrono::milliseconds report_time = std::chrono::seconds(20));
  // True while the attack may go on (checks memory at most every 20 ms).
  bool ok();
  deadline end() const noexcept { return end_; }
  // Why ok() turned false ("" while it has not).
  const std::string& stopped_because() const noexcept { return why_; }

private:
  memory_watch& memory_;
  server_fixture& server_;
  deadline end_;
  std::size_t stop_growth_;
  clock::time_point next_check_{};
  std::string why_;
};

// Checks and figures of one attack; printed when it goes away.
class attack_record {
public:
  explicit attack_record(std::string name);
  ~attack_record();
  attack_record(const attack_record&) = delete;
  attack_record& operator=(const attack_record&) = delete;

  // Test mode: a failure of the current test when !ok. Always recorded.
  void check(bool ok, const std::string& what);
  void figure(const std::string& name, const std::string& value);

private:
  std::string name_;
  clock::time_point started_ = clock::now();
  std::vector<std::string> figures_;
  std::vector<std::string> checks_;
};

// Checks that the server's metric `series` is at least `min` (`why` says what it counts).
void check_counter(attack_record& record, const server_fixture& server, std::string_view series, double min,
                   const std::string& why = "");

struct aftermath_options {
  std::size_t log_bound = 0;          // bytes the attack may add to the log
  bool json_log = false;              // log.format json: every line must parse
  std::optional<std::string> origin;  // Origin the fresh pair sends
};

// Options with just the log bound set.
inline aftermath_options log_at_most(std::size_t bytes) {
  aftermath_options opts;
  opts.log_bound = bytes;
  return opts;
}

// The checks every attack ends with: the server is alive, its peak memory
// stayed under memory_bound, the log stayed under opts.log_bound and valid,
// and a fresh pair connecting from 127.0.0.2 and 127.0.0.3 still relays.
void check_aftermath(attack_record& record, server_fixture& server, memory_watch& memory, log_window& log,
                     const aftermath_options& opts);

// "" when two new clients from 127.0.0.2 and 127.0.0.3 start and exchange an
// offer and an answer; otherwise what went wrong.
std::string fresh_pair_problem(const server_fixture& server, const std::optional<std::string>& origin = std::nullopt);

std::string in_mib(std::size_t bytes);

inline std::chrono::milliseconds millis(clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace switchboard::test

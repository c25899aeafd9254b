#include "turn/supervisor/restart_policy.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace switchboard::turn {
namespace {

using std::chrono::milliseconds;

// Raw waitpid statuses, as the kernel encodes them.
constexpr int exit_code(int code) { return code << 8; }
constexpr int killed_by(int sig) { return sig; }

const steady_clock::time_point t0 = steady_clock::time_point(std::chrono::hours(1));

constexpr policy_event start{event_kind::start_requested};
constexpr policy_event spawned{event_kind::spawned};
constexpr policy_event spawn_failed{event_kind::spawn_failed};
constexpr policy_event ready{event_kind::ready};
constexpr policy_event timer{event_kind::timer_fired};
constexpr policy_event stop{event_kind::stop_requested};
constexpr policy_event deadline{event_kind::stop_deadline};

// One event at a fake time (ms after t0) and what must come back.
struct step {
  policy_event event;
  int at_ms;
  action_kind action;
  policy_state state;
  std::optional<int> action_at_ms = {};  // wait_until / send_signal time
  int signal = 0;                        // send_signal
};

struct scenario {
  const char* name;
  restart_config cfg;
  std::vector<step> steps;
  std::uint64_t restarts;
  std::string reason_part = {};  // in the last reason given
};

void PrintTo(const scenario& s, std::ostream* os) { *os << s.name; }

// Short, distinct numbers so each expectation can only come from one rule.
restart_config quick(int crash_loop_restarts = 100) {
  restart_config c;
  c.initial_backoff = milliseconds(100);
  c.max_backoff = milliseconds(300);
  c.multiplier = 2;
  c.crash_loop_restarts = crash_loop_restarts;
  c.crash_loop_window = milliseconds(10'000);
  c.stable_after = milliseconds(1'000);
  c.stop_timeout = milliseconds(500);
  c.kill_timeout = milliseconds(200);
  return c;
}

using A = action_kind;
using S = policy_state;

const std::vector<step> up_and_ready = {
    {start, 0, A::spawn, S::starting},
    {spawned, 1, A::none, S::starting},
    {ready, 50, A::none, S::running},
};

std::vector<step> then(std::vector<step> head, const std::vector<step>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

const scenario scenarios[] = {
    {"normal_start", quick(), up_and_ready, 0},
    {"crash_backoff_doubles_then_caps", quick(),
     then(up_and_ready, {{exited_with(killed_by(9)), 100, A::wait_until, S::backoff, 200},
                         {timer, 200, A::spawn, S::starting},
                         {spawned, 200, A::none, S::starting},
                         {exited_with(exit_code(1)), 300, A::wait_until, S::backoff, 500},
                         {timer, 500, A::spawn, S::starting},
                         {spawned, 500, A::none, S::starting},
                         {exited_with(exit_code(1)), 600, A::wait_until, S::backoff, 900},
                         {timer, 900, A::spawn, S::starting},
                         {spawned, 900, A::none, S::starting},
                         {exited_with(exit_code(1)), 1000, A::wait_until, S::backoff, 1300}}),
     3},
    {"stable_run_resets_backoff", quick(),
     then(up_and_ready, {{exited_with(exit_code(1)), 100, A::wait_until, S::backoff, 200},
                         {timer, 200, A::spawn, S::starting},
                         {spawned, 200, A::none, S::starting},
                         {exited_with(exit_code(1)), 300, A::wait_until, S::backoff, 500},
                         {timer, 500, A::spawn, S::starting},
                         {spawned, 500, A::none, S::starting},
                         {ready, 520, A::none, S::running},
                         {exited_with(exit_code(0)), 1500, A::wait_until, S::backoff, 1600}}),
     2},
    {"crash_loop_gives_up", quick(2),
     then(up_and_ready, {{exited_with(exit_code(1)), 100, A::wait_until, S::backoff, 200},
                         {timer, 200, A::spawn, S::starting},
                         {spawned, 200, A::none, S::starting},
                         {exited_with(exit_code(1)), 300, A::wait_until, S::backoff, 500},
                         {timer, 500, A::spawn, S::starting},
                         {spawned, 500, A::none, S::starting},
                         {exited_with(exit_code(3)), 600, A::give_up, S::given_up},
                         {timer, 900, A::none, S::given_up},
                         {start, 900, A::none, S::given_up}}),
     2, "exited with 3"},
    {"crash_loop_window_slides", quick(1),
     then(up_and_ready, {{exited_with(exit_code(1)), 100, A::wait_until, S::backoff, 200},
                         {timer, 200, A::spawn, S::starting},
                         {spawned, 200, A::none, S::starting},
                         {exited_with(exit_code(1)), 10'200, A::wait_until, S::backoff, 10'300}}),
     1},
    {"zero_restarts_allowed", quick(0),
     then(up_and_ready, {{exited_with(killed_by(SIGSEGV)), 100, A::give_up, S::given_up}}), 0,
     "killed by signal 11"},
    {"spawn_failures_count_as_crashes", quick(1),
     {{start, 0, A::spawn, S::starting},
      {spawn_failed, 0, A::wait_until, S::backoff, 100},
      {timer, 100, A::spawn, S::starting},
      {spawn_failed, 100, A::give_up, S::given_up}},
     1, "spawn failed"},
    {"stop_during_backoff", quick(),
     then(up_and_ready, {{exited_with(exit_code(1)), 100, A::wait_until, S::backoff, 200},
                         {stop, 150, A::stopped, S::stopped},
                         {timer, 200, A::none, S::stopped}}),
     0},
    {"stop_while_running_term_then_kill", quick(),
     then(up_and_ready, {{stop, 1000, A::send_signal, S::stopping, 1500, SIGTERM},
                         {stop, 1100, A::none, S::stopping},
                         {ready, 1200, A::none, S::stopping},
                         {deadline, 1500, A::send_signal, S::stopping, 1700, SIGKILL},
                         {exited_with(killed_by(SIGKILL)), 1510, A::stopped, S::stopped}}),
     0},
    {"exit_during_stopping", quick(),
     then(up_and_ready, {{stop, 1000, A::send_signal, S::stopping, 1500, SIGTERM},
                         {exited_with(killed_by(SIGTERM)), 1010, A::stopped, S::stopped},
                         {deadline, 1500, A::none, S::stopped},
                         {stop, 1600, A::stopped, S::stopped}}),
     0},
    {"unkillable_child_is_abandoned", quick(),
     then(up_and_ready, {{stop, 1000, A::send_signal, S::stopping, 1500, SIGTERM},
                         {deadline, 1500, A::send_signal, S::stopping, 1700, SIGKILL},
                         {deadline, 1700, A::stopped, S::stopped}}),
     0, "abandoned"},
    {"stop_before_start", quick(),
     {{stop, 0, A::stopped, S::stopped}, {start, 10, A::none, S::stopped}}, 0},
    {"stop_while_spawning", quick(),
     {{start, 0, A::spawn, S::starting},
      {stop, 0, A::none, S::stopping},
      {spawned, 1, A::send_signal, S::stopping, 501, SIGTERM},
      {exited_with(killed_by(SIGTERM)), 2, A::stopped, S::stopped}},
     0},
    {"stop_while_starting", quick(),
     {{start, 0, A::spawn, S::starting},
      {spawned, 1, A::none, S::starting},
      {stop, 10, A::send_signal, S::stopping, 510, SIGTERM},
      {exited_with(exit_code(0)), 20, A::stopped, S::stopped}},
     0},
    {"stop_after_giving_up", quick(0),
     then(up_and_ready, {{exited_with(exit_code(1)), 100, A::give_up, S::given_up},
                         {stop, 200, A::stopped, S::stopped}}),
     0},
    {"stale_events_ignored", quick(),
     {{spawned, 0, A::none, S::idle},
      {exited_with(exit_code(1)), 0, A::none, S::idle},
      {timer, 0, A::none, S::idle},
      {start, 0, A::spawn, S::starting},
      {ready, 1, A::none, S::starting},  // no child yet
      {start, 1, A::none, S::starting},
      {spawned, 2, A::none, S::starting},
      {spawned, 3, A::none, S::starting},
      {timer, 4, A::none, S::starting},
      {deadline, 5, A::none, S::starting}},
     0},
};

class RestartPolicy : public ::testing::TestWithParam<scenario> {};

TEST_P(RestartPolicy, Steps) {
  const auto& s = GetParam();
  restart_policy policy(s.cfg);
  std::string reason;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    SCOPED_TRACE("step " + std::to_string(i) + " at " + std::to_string(st.at_ms) + " ms");
    const auto last = policy.resume(st.event, t0 + milliseconds(st.at_ms));
    if (!last.reason.empty()) reason = last.reason;
    EXPECT_EQ(last.kind, st.action);
    EXPECT_EQ(policy.state(), st.state) << to_string(policy.state());
    if (st.action_at_ms) {
      EXPECT_EQ(last.at, t0 + milliseconds(*st.action_at_ms));
    }
    if (st.action == A::send_signal) {
      EXPECT_EQ(last.signal, st.signal);
    }
  }
  EXPECT_EQ(policy.restarts(), s.restarts);
  if (!s.reason_part.empty()) {
    EXPECT_NE(reason.find(s.reason_part), std::string::npos) << reason;
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, RestartPolicy, ::testing::ValuesIn(scenarios),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(RestartPolicyConfig, DefaultsMatchTheDocumentedPolicy) {
  const restart_config c;
  EXPECT_EQ(c.initial_backoff, milliseconds(250));
  EXPECT_EQ(c.max_backoff, milliseconds(30'000));
  EXPECT_EQ(c.multiplier, 2.0);
  EXPECT_EQ(c.crash_loop_restarts, 5);
  EXPECT_EQ(c.crash_loop_window, milliseconds(60'000));
  EXPECT_EQ(c.stable_after, milliseconds(30'000));
  EXPECT_EQ(c.stop_timeout, milliseconds(5'000));
}

TEST(RestartPolicyConfig, DefaultBackoffSequence) {
  restart_policy policy;
  auto now = t0;
  policy.resume(start, now);
  const int expected_ms[] = {250, 500, 1000, 2000, 4000};
  for (const int wait : expected_ms) {
    policy.resume(spawned, now);
    const auto a = policy.resume(exited_with(exit_code(1)), now + milliseconds(10));
    ASSERT_EQ(a.kind, A::wait_until);
    EXPECT_EQ(a.at - (now + milliseconds(10)), milliseconds(wait));
    now = a.at;
    ASSERT_EQ(policy.resume(timer, now).kind, A::spawn);
  }
  policy.resume(spawned, now);
  EXPECT_EQ(policy.resume(exited_with(exit_code(1)), now).kind, A::give_up);
  EXPECT_EQ(policy.restarts(), 5u);
}

struct status_case {
  int status;
  const char* text;
};

class DescribeWaitStatus : public ::testing::TestWithParam<status_case> {};

TEST_P(DescribeWaitStatus, Text) { EXPECT_EQ(describe_wait_status(GetParam().status), GetParam().text); }

INSTANTIATE_TEST_SUITE_P(Cases, DescribeWaitStatus,
                         ::testing::Values(status_case{exit_code(0), "exited with 0"},
                                           status_case{exit_code(127), "exited with 127"},
                                           status_case{killed_by(9), "killed by signal 9"},
                                           status_case{killed_by(11) | 0x80, "killed by signal 11 (core dumped)"}));

}  // namespace
}  // namespace switchboard::turn

#pragma once
// When to (re)start a supervised child and how to stop it, with no I/O: the
// supervisor feeds in what happened (resume(event, now)) and performs the
// action that comes back. Tests step it by hand with a fake clock.
//
// A crash is any exit (or failed spawn) the policy did not ask for. Crashes
// are retried after an exponential backoff; a run that stayed up for
// stable_after resets the backoff; more than crash_loop_restarts restarts
// within crash_loop_window means a crash loop, and the policy gives up rather
// than burn CPU restarting a child that cannot work.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace switchboard::turn {

using steady_clock = std::chrono::steady_clock;

struct restart_config {
  std::chrono::milliseconds initial_backoff{250};       // wait before the first restart
  std::chrono::milliseconds max_backoff{30'000};        // the wait never grows beyond this
  double multiplier = 2.0;                              // growth of the wait after each crash
  int crash_loop_restarts = 5;                          // restarts allowed within the window; one more crash gives up
  std::chrono::milliseconds crash_loop_window{60'000};  // sliding window for crash_loop_restarts
  std::chrono::milliseconds stable_after{30'000};       // a run at least this long resets the backoff
  std::chrono::milliseconds stop_timeout{5'000};        // SIGTERM, then SIGKILL after this long
  std::chrono::milliseconds kill_timeout{2'000};        // after SIGKILL, report stopped even without an exit
};

enum class policy_state { idle, starting, running, backoff, stopping, given_up, stopped };

enum class event_kind {
  start_requested,  // the owner wants the child up
  spawned,          // the child process exists
  spawn_failed,     // fork/exec failed
  ready,            // the readiness check passed
  exited,           // the child was reaped (wait_status set)
  timer_fired,      // the wait_until time has come
  stop_requested,   // the owner wants the child gone
  stop_deadline,    // the time of a send_signal action has come
};

struct policy_event {
  event_kind kind = event_kind::start_requested;
  int wait_status = 0;  // exited: the raw status from waitpid
};

constexpr policy_event exited_with(int wait_status) noexcept { return {event_kind::exited, wait_status}; }

enum class action_kind {
  none,
  spawn,        // start the child, then feed spawned or spawn_failed
  wait_until,   // feed timer_fired at `at`
  send_signal,  // send `signal` to the child; feed stop_deadline at `at`
  give_up,      // crash loop: stay down and say so loudly (`reason`)
  stopped,      // the child is gone (or abandoned: `reason` set); stop is complete
};

struct policy_action {
  action_kind kind = action_kind::none;
  steady_clock::time_point at{};  // wait_until and send_signal
  int signal = 0;                 // send_signal
  std::string reason;             // give_up, and stopped when the child never exited
};

class restart_policy {
public:
  explicit restart_policy(restart_config cfg = {});

  policy_action resume(const policy_event& ev, steady_clock::time_point now);

  policy_state state() const noexcept { return state_; }
  // Restarts performed so far (the first start is not one).
  std::uint64_t restarts() const noexcept { return restarts_; }
  // The wait the next crash would get.
  std::chrono::milliseconds next_backoff() const noexcept { return backoff_; }
  // How the last crash ended ("exited with 1", "killed by signal 9", "spawn failed").
  const std::string& last_crash() const noexcept { return last_crash_; }

private:
  policy_action on_start();
  policy_action on_spawned(steady_clock::time_point now);
  policy_action on_crash(std::string what, steady_clock::time_point now, bool had_run);
  policy_action on_timer(steady_clock::time_point now);
  policy_action on_stop(steady_clock::time_point now);
  policy_action on_deadline(steady_clock::time_point now);
  policy_action finish_stop(std::string reason = {});
  policy_action send_term(steady_clock::time_point now);

  restart_config cfg_;
  policy_state state_ = policy_state::idle;
  std::chrono::milliseconds backoff_;
  bool child_alive_ = false;  // spawned and not yet reaped
  bool kill_sent_ = false;
  steady_clock::time_point run_started_{};
  std::deque<steady_clock::time_point> recent_restarts_;  // at most crash_loop_restarts entries
  std::uint64_t restarts_ = 0;
  std::string last_crash_;
};

std::string_view to_string(policy_state s) noexcept;

// "exited with 3", "killed by signal 9 (core dumped)", ... for logs.
std::string describe_wait_status(int wait_status);

}  // namespace switchboard::turn

#include "turn/supervisor/restart_policy.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace switchboard::turn {
namespace {

using std::chrono::milliseconds;

milliseconds grow(milliseconds current, const restart_config& cfg) {
  const double next = std::ceil(static_cast<double>(current.count()) * cfg.multiplier);
  const double capped = std::min(next, static_cast<double>(cfg.max_backoff.count()));
  // A multiplier below 1 must not shrink the wait below where it started.
  return std::max(milliseconds(static_cast<milliseconds::rep>(capped)),
                  std::min(cfg.initial_backoff, cfg.max_backoff));
}

policy_action make(action_kind kind, steady_clock::time_point at = {}, int sig = 0, std::string reason = {}) {
  policy_action a;
  a.kind = kind;
  a.at = at;
  a.signal = sig;
  a.reason = std::move(reason);
  return a;
}

std::string seconds_text(milliseconds d) {
  const auto whole = d.count() / 1000;
  const auto frac = d.count() % 1000;
  return frac == 0 ? std::to_string(whole) + "s" : std::to_string(d.count()) + "ms";
}

}  // namespace

restart_policy::restart_policy(restart_config cfg)
    : cfg_(cfg), backoff_(std::min(cfg.initial_backoff, cfg.max_backoff)) {}

policy_action restart_policy::resume(const policy_event& ev, steady_clock::time_point now) {
  switch (ev.kind) {
    case event_kind::start_requested:
      return state_ == policy_state::idle ? on_start() : policy_action{};
    case event_kind::spawned:
      return on_spawned(now);
    case event_kind::spawn_failed:
      if (state_ == policy_state::stopping) return finish_stop();
      if (state_ != policy_state::starting || child_alive_) return {};
      return on_crash("spawn failed", now, false);
    case event_kind::ready:
      if (state_ == policy_state::starting && child_alive_) state_ = policy_state::running;
      return {};
    case event_kind::exited:
      if (!child_alive_) return {};
      child_alive_ = false;
      if (state_ == policy_state::stopping) return finish_stop();
      return on_crash(describe_wait_status(ev.wait_status), now, true);
    case event_kind::timer_fired:
      return state_ == policy_state::backoff ? on_timer(now) : policy_action{};
    case event_kind::stop_requested:
      return on_stop(now);
    case event_kind::stop_deadline:
      return state_ == policy_state::stopping && child_alive_ ? on_deadline(now) : policy_action{};
  }
  return {};
}

policy_action restart_policy::on_start() {
  state_ = policy_state::starting;
  return make(action_kind::spawn);
}

policy_action restart_policy::on_spawned(steady_clock::time_point now) {
  if (child_alive_) return {};
  if (state_ == policy_state::starting) {
    child_alive_ = true;
    run_started_ = now;
    return {};
  }
  if (state_ == policy_state::stopping) {
    // The stop arrived while the spawn was under way: stop what just appeared.
    child_alive_ = true;
    return send_term(now);
  }
  return {};
}

policy_action restart_policy::on_crash(std::string what, steady_clock::time_point now, bool had_run) {
  last_crash_ = std::move(what);
  if (had_run && now - run_started_ >= cfg_.stable_after) backoff_ = std::min(cfg_.initial_backoff, cfg_.max_backoff);
  while (!recent_restarts_.empty() && now - recent_restarts_.front() >= cfg_.crash_loop_window) {
    recent_restarts_.pop_front();
  }
  if (std::cmp_greater_equal(recent_restarts_.size(), std::max(cfg_.crash_loop_restarts, 0))) {
    state_ = policy_state::given_up;
    return make(action_kind::give_up, {}, 0,
                "crash loop: " + std::to_string(recent_restarts_.size()) + " restarts within " +
                    seconds_text(cfg_.crash_loop_window) + ", last: " + last_crash_);
  }
  state_ = policy_state::backoff;
  const auto wait = backoff_;
  backoff_ = grow(backoff_, cfg_);
  return make(action_kind::wait_until, now + wait);
}

policy_action restart_policy::on_timer(steady_clock::time_point now) {
  ++restarts_;
  recent_restarts_.push_back(now);
  state_ = policy_state::starting;
  return make(action_kind::spawn);
}

policy_action restart_policy::on_stop(steady_clock::time_point now) {
  switch (state_) {
    case policy_state::starting:
    case policy_state::running:
      state_ = policy_state::stopping;
      // Without a child yet (spawn under way) the spawned event sends SIGTERM.
      return child_alive_ ? send_term(now) : policy_action{};
    case policy_state::stopping:
      return {};
    case policy_state::idle:
    case policy_state::backoff:
    case policy_state::given_up:
    case policy_state::stopped:
      return finish_stop();
  }
  return {};
}

policy_action restart_policy::on_deadline(steady_clock::time_point now) {
  if (!kill_sent_) {
    kill_sent_ = true;
    return make(action_kind::send_signal, now + cfg_.kill_timeout, SIGKILL);
  }
  // Only a process stuck in the kernel survives SIGKILL; waiting longer would
  // hang our own shutdown, so report it and move on.
  return finish_stop("no exit within " + seconds_text(cfg_.kill_timeout) + " of SIGKILL; abandoned");
}

policy_action restart_policy::send_term(steady_clock::time_point now) {
  kill_sent_ = false;
  return make(action_kind::send_signal, now + cfg_.stop_timeout, SIGTERM);
}

policy_action restart_policy::finish_stop(std::string reason) {
  state_ = policy_state::stopped;
  return make(action_kind::stopped, {}, 0, std::move(reason));
}

std::string_view to_string(policy_state s) noexcept {
  switch (s) {
    case policy_state::idle: return "idle";
    case policy_state::starting: return "starting";
    case policy_state::running: return "running";
    case policy_state::backoff: return "backoff";
    case policy_state::stopping: return "stopping";
    case policy_state::given_up: return "given_up";
    case policy_state::stopped: return "stopped";
  }
  return "unknown";
}

std::string describe_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    std::string text = "killed by signal " + std::to_string(WTERMSIG(wait_status));
    if (WCOREDUMP(wait_status)) text += " (core dumped)";
    return text;
  }
  return "wait status " + std::to_string(wait_status);
}

}  // namespace switchboard::turn

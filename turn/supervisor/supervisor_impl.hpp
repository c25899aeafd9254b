#pragma once
// The state behind process_supervisor, shared with the handlers it has in
// flight (internal; includes Asio). The handle owns it; a pending timer or
// child keeps it alive until that completes.

#include "turn/supervisor/cert_watch.hpp"
#include "turn/supervisor/child_process.hpp"
#include "turn/supervisor/process_supervisor.hpp"
#include "turn/supervisor/supervisor_metrics.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <optional>

namespace switchboard::turn {

namespace asio = boost::asio;

struct process_supervisor::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, supervisor_config cfg, supervisor_callbacks cb)
      : strand_(asio::make_strand(std::move(ex))),
        cfg_(std::move(cfg)),
        cb_(std::move(cb)),
        policy_(cfg_.policy),
        log_(cfg_.log ? cfg_.log : spdlog::default_logger()),
        policy_timer_(strand_),
        ready_timer_(strand_),
        cert_timer_(strand_) {}

  void start();
  void stop(std::function<void()> done);
  void shutdown_now();

  void feed(policy_event ev);
  void perform(const policy_action& a);
  void arm_policy_timer(steady_clock::time_point at, event_kind kind);
  void do_spawn();
  void do_signal(const policy_action& a);
  void on_line(std::string_view line);
  void on_exit(std::uint64_t generation, int status);
  void poll_ready(std::uint64_t generation);
  void on_ready_result(std::uint64_t generation, bool ok);
  void on_give_up(const std::string& reason);
  void on_stopped(const std::string& reason);
  void do_cert_poll();
  void on_cert_poll();
  void set_up(bool up);
  void set_ready(bool ready);
  void notify(child_state s);

  asio::strand<asio::any_io_executor> strand_;
  supervisor_config cfg_;
  supervisor_callbacks cb_;
  restart_policy policy_;
  std::shared_ptr<spdlog::logger> log_;
  asio::steady_timer policy_timer_;
  asio::steady_timer ready_timer_;
  asio::steady_timer cert_timer_;
  std::optional<cert_watch> certs_;
  std::shared_ptr<child_process> child_;
  std::vector<std::function<void()>> stop_waiters_;
  std::uint64_t generation_ = 0;  // per spawn: late callbacks of an earlier child are ignored
  std::uint64_t timer_seq_ = 0;   // per arm: a wait that completed before a re-arm is ignored
  std::uint64_t child_truncated_ = 0;
  child_state last_state_ = child_state::down;
  bool started_ = false;
  bool shut_down_ = false;

  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::uint64_t> cert_reloads_{0};
  std::atomic<std::uint64_t> truncated_{0};
  std::atomic<bool> up_{false};
  std::atomic<bool> ready_{false};
  std::atomic<bool> given_up_{false};
  std::atomic<pid_t> pid_{0};
};

}  // namespace switchboard::turn

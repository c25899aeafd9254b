#include "turn/supervisor/supervisor_impl.hpp"

#include <boost/asio/post.hpp>

#include <signal.h>
#include <string.h>

#include <utility>

namespace switchboard::turn {

void process_supervisor::impl::start() {
  if (started_ || shut_down_) return;
  started_ = true;
  feed({event_kind::start_requested});
  if (!cfg_.cert_paths.empty()) {
    certs_.emplace(cfg_.cert_paths);
    do_cert_poll();
  }
}

void process_supervisor::impl::stop(std::function<void()> done) {
  if (shut_down_) return;
  stop_waiters_.push_back(std::move(done));
  feed({event_kind::stop_requested});
}

void process_supervisor::impl::shutdown_now() {
  shut_down_ = true;
  cb_ = {};
  policy_timer_.cancel();
  ready_timer_.cancel();
  cert_timer_.cancel();
  if (child_) {
    child_->kill_now();
    child_.reset();
  }
  pid_ = 0;
  up_ = false;
  ready_ = false;
}

void process_supervisor::impl::feed(policy_event ev) {
  if (shut_down_) return;
  const auto before = policy_.restarts();
  const auto action = policy_.resume(ev, steady_clock::now());
  if (policy_.restarts() != before) {
    restarts_ = policy_.restarts();
    if (cfg_.metrics) cfg_.metrics->restarts.Increment(static_cast<double>(policy_.restarts() - before));
  }
  perform(action);
}

void process_supervisor::impl::perform(const policy_action& a) {
  switch (a.kind) {
    case action_kind::none:
      return;
    case action_kind::spawn:
      do_spawn();
      return;
    case action_kind::wait_until: {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(a.at - steady_clock::now());
      log_->warn("{}: restarting in {} ms", cfg_.name, wait.count());
      arm_policy_timer(a.at, event_kind::timer_fired);
      return;
    }
    case action_kind::send_signal:
      do_signal(a);
      return;
    case action_kind::give_up:
      on_give_up(a.reason);
      return;
    case action_kind::stopped:
      on_stopped(a.reason);
      return;
  }
}

void process_supervisor::impl::arm_policy_timer(steady_clock::time_point at, event_kind kind) {
  policy_timer_.expires_at(at);
  policy_timer_.async_wait([self = shared_from_this(), seq = ++timer_seq_, kind](const boost::system::error_code& ec) {
    if (ec || seq != self->timer_seq_) return;
    self->feed({kind});
  });
}

void process_supervisor::impl::do_spawn() {
  const auto generation = ++generation_;
  const std::weak_ptr<impl> weak = weak_from_this();
  std::error_code ec;
  child_ = child_process::spawn(
      strand_, child_options{cfg_.argv, cfg_.max_line_bytes},
      [weak](std::string_view line) {
        if (auto self = weak.lock()) self->on_line(line);
      },
      [weak, generation](int status) {
        if (auto self = weak.lock()) self->on_exit(generation, status);
      },
      ec);
  if (!child_) {
    log_->error("{}: cannot start {}: {}", cfg_.name, cfg_.argv.empty() ? "" : cfg_.argv[0], ec.message());
    feed({event_kind::spawn_failed});
    return;
  }
  child_truncated_ = 0;
  pid_ = child_->pid();
  log_->info("{}: started, pid {}", cfg_.name, child_->pid());
  set_up(true);
  feed({event_kind::spawned});
  poll_ready(generation);
}

void process_supervisor::impl::do_signal(const policy_action& a) {
  if (child_) {
    log_->info("{}: sending SIG{} to pid {}", cfg_.name, ::sigabbrev_np(a.signal), child_->pid());
    if (auto ec = child_->signal(a.signal)) log_->warn("{}: kill: {}", cfg_.name, ec.message());
  }
  arm_policy_timer(a.at, event_kind::stop_deadline);
}

void process_supervisor::impl::on_line(std::string_view line) {
  if (child_ && child_->truncated_lines() > child_truncated_) {
    const auto added = child_->truncated_lines() - child_truncated_;
    child_truncated_ = child_->truncated_lines();
    truncated_ += added;
    if (cfg_.metrics) cfg_.metrics->truncated_lines.Increment(static_cast<double>(added));
  }
  if (cb_.on_line) cb_.on_line(line);
}

void process_supervisor::impl::on_exit(std::uint64_t generation, int status) {
  if (generation != generation_) return;
  const auto pid = child_ ? child_->pid() : 0;
  child_.reset();
  pid_ = 0;
  ready_timer_.cancel();
  if (policy_.state() == policy_state::stopping) {
    log_->info("{}: pid {} {}", cfg_.name, pid, describe_wait_status(status));
  } else {
    log_->warn("{}: pid {} {} unexpectedly", cfg_.name, pid, describe_wait_status(status));
  }
  set_ready(false);
  set_up(false);
  feed(exited_with(status));
}

void process_supervisor::impl::on_give_up(const std::string& reason) {
  log_->error("{}: giving up, TURN stays down until Switchboard restarts: {}", cfg_.name, reason);
  given_up_ = true;
  if (cfg_.metrics) cfg_.metrics->given_up.Set(1);
  notify(child_state::given_up);
}

void process_supervisor::impl::on_stopped(const std::string& reason) {
  policy_timer_.cancel();
  ready_timer_.cancel();
  cert_timer_.cancel();
  if (!reason.empty()) {
    // The child stays referenced: releasing it would block on its reap.
    log_->error("{}: pid {} {}", cfg_.name, pid_.load(), reason);
  }
  if (last_state_ != child_state::given_up) notify(child_state::down);
  auto waiters = std::move(stop_waiters_);
  stop_waiters_.clear();
  for (auto& w : waiters) {
    if (w) w();
  }
}

std::string_view to_string(child_state s) noexcept {
  switch (s) {
    case child_state::down: return "down";
    case child_state::up: return "up";
    case child_state::ready: return "ready";
    case child_state::given_up: return "given_up";
  }
  return "unknown";
}

process_supervisor::process_supervisor(asio::any_io_executor ex, supervisor_config cfg, supervisor_callbacks cb)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(cfg), std::move(cb))) {}

process_supervisor::~process_supervisor() { impl_->shutdown_now(); }

void process_supervisor::start() {
  asio::post(impl_->strand_, [self = impl_] { self->start(); });
}

void process_supervisor::stop(std::function<void()> done) {
  asio::post(impl_->strand_, [self = impl_, done = std::move(done)]() mutable { self->stop(std::move(done)); });
}

std::uint64_t process_supervisor::restarts() const noexcept { return impl_->restarts_; }
bool process_supervisor::is_up() const noexcept { return impl_->up_; }
bool process_supervisor::is_ready() const noexcept { return impl_->ready_; }
bool process_supervisor::given_up() const noexcept { return impl_->given_up_; }
pid_t process_supervisor::pid() const noexcept { return impl_->pid_; }
std::uint64_t process_supervisor::cert_reloads() const noexcept { return impl_->cert_reloads_; }
std::uint64_t process_supervisor::truncated_lines() const noexcept { return impl_->truncated_; }

}  // namespace switchboard::turn

// Readiness polling, certificate watching and state reporting of the
// supervisor: the parts that observe the child rather than drive it.

#include "turn/supervisor/supervisor_impl.hpp"

#include <boost/asio/post.hpp>

#include <signal.h>

namespace switchboard::turn {

void process_supervisor::impl::poll_ready(std::uint64_t generation) {
  if (generation != generation_ || policy_.state() != policy_state::starting) return;
  if (!cb_.check_ready) {
    on_ready_result(generation, true);
    return;
  }
  cb_.check_ready([weak = weak_from_this(), strand = strand_, generation](bool ok) {
    asio::post(strand, [weak, generation, ok] {
      if (auto self = weak.lock()) self->on_ready_result(generation, ok);
    });
  });
}

void process_supervisor::impl::on_ready_result(std::uint64_t generation, bool ok) {
  if (shut_down_ || generation != generation_ || policy_.state() != policy_state::starting) return;
  if (ok) {
    feed({event_kind::ready});
    log_->info("{}: ready", cfg_.name);
    set_ready(true);
    return;
  }
  ready_timer_.expires_after(cfg_.readiness_interval);
  ready_timer_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
    if (!ec) self->poll_ready(generation);
  });
}

void process_supervisor::impl::do_cert_poll() {
  cert_timer_.expires_after(cfg_.cert_poll_interval);
  cert_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_cert_poll();
  });
}

void process_supervisor::impl::on_cert_poll() {
  const auto state = policy_.state();
  if (shut_down_ || state == policy_state::stopping || state == policy_state::stopped) return;
  if (certs_->poll()) {
    if (child_ && !child_->signal(SIGUSR2)) {
      ++cert_reloads_;
      if (cfg_.metrics) cfg_.metrics->cert_reloads.Increment();
      log_->info("{}: certificate files changed, sent SIGUSR2 to pid {}", cfg_.name, child_->pid());
    } else {
      log_->info("{}: certificate files changed; the next start reads them", cfg_.name);
    }
  }
  do_cert_poll();
}

void process_supervisor::impl::set_up(bool up) {
  up_ = up;
  if (cfg_.metrics) cfg_.metrics->up.Set(up ? 1 : 0);
  if (up) notify(child_state::up);
}

void process_supervisor::impl::set_ready(bool ready) {
  ready_ = ready;
  if (cfg_.metrics) cfg_.metrics->ready.Set(ready ? 1 : 0);
  notify(ready ? child_state::ready : child_state::down);
}

void process_supervisor::impl::notify(child_state s) {
  if (s == last_state_) return;
  last_state_ = s;
  if (cb_.on_state) cb_.on_state(s);
}

}  // namespace switchboard::turn

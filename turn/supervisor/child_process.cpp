#include "turn/supervisor/child_process.hpp"

#include "turn/supervisor/spawn.hpp"

#include <boost/asio/buffer.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

namespace switchboard::turn {
namespace {

int blocking_reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::shared_ptr<child_process> child_process::spawn(boost::asio::any_io_executor ex, const child_options& opts,
                                                    line_handler on_line, exit_handler on_exit,
                                                    std::error_code& ec) {
  // The SIGCHLD registration exists before the child does, so an instant
  // exit is still noticed: signal_set keeps signals that arrive between waits.
  auto self = std::make_shared<child_process>(private_tag{}, std::move(ex), opts, std::move(on_line),
                                              std::move(on_exit));
  spawned_child c;
  ec = spawn_child(opts.argv, c);
  if (ec) return nullptr;
  self->start(c.pid, c.output_fd);
  return self;
}

child_process::child_process(private_tag, boost::asio::any_io_executor ex, const child_options& opts,
                             line_handler on_line, exit_handler on_exit)
    : output_(ex),
      sigchld_(ex, SIGCHLD),
      drain_timer_(ex),
      drain_timeout_(opts.drain_timeout),
      splitter_(opts.max_line_bytes),
      on_line_(std::move(on_line)),
      on_exit_(std::move(on_exit)) {}

child_process::~child_process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    blocking_reap(pid_);
  }
}

void child_process::start(pid_t pid, int output_fd) {
  pid_ = pid;
  output_.assign(output_fd);
  do_read();
  do_wait_signal();
}

std::error_code child_process::signal(int sig) {
  if (pid_ <= 0 || reaped_) return std::make_error_code(std::errc::no_such_process);
  if (::kill(-pid_, sig) != 0) return {errno, std::system_category()};
  return {};
}

void child_process::kill_now() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    status_ = blocking_reap(pid_);
    reaped_ = true;
  }
  finished_ = true;
  on_line_ = nullptr;
  on_exit_ = nullptr;
  boost::system::error_code ignored;
  output_.close(ignored);
  sigchld_.cancel(ignored);
  drain_timer_.cancel();
}

void child_process::do_read() {
  output_.async_read_some(boost::asio::buffer(buffer_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void child_process::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (n > 0) {
    splitter_.feed({buffer_.data(), n}, [this](std::string_view line) {
      if (on_line_) on_line_(line);
    });
  }
  if (ec) {
    // EOF: every writer is gone. Any other error ends reading the same way.
    output_done_ = true;
    maybe_finish();
    return;
  }
  do_read();
}

void child_process::do_wait_signal() {
  sigchld_.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int) {
    if (ec) return;
    self->on_sigchld();
  });
}

void child_process::on_sigchld() {
  if (reaped_) return;
  // Peek first, reap after: while the leader is a zombie its pid, and so the
  // group id, cannot be reused, so killing the group cannot hit a stranger.
  siginfo_t info{};
  int rc = 0;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  if (rc != 0 || info.si_pid != pid_) {
    do_wait_signal();  // another child's SIGCHLD, or ours was stopped/continued
    return;
  }
  ::kill(-pid_, SIGKILL);
  status_ = blocking_reap(pid_);
  reaped_ = true;
  boost::system::error_code ignored;
  sigchld_.clear(ignored);
  if (!output_done_) {
    drain_timer_.expires_after(drain_timeout_);
    drain_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      self->drain_expired_ = true;
      self->maybe_finish();
    });
  }
  maybe_finish();
}

void child_process::maybe_finish() {
  if (finished_ || !status_ || !(output_done_ || drain_expired_)) return;
  finished_ = true;
  drain_timer_.cancel();
  splitter_.finish([this](std::string_view line) {
    if (on_line_) on_line_(line);
  });
  boost::system::error_code ignored;
  output_.close(ignored);
  auto on_exit = std::move(on_exit_);
  on_exit_ = nullptr;
  on_line_ = nullptr;
  if (on_exit) on_exit(*status_);
}

}  // namespace switchboard::turn

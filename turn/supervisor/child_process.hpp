#pragma once
// One running child on Asio: its output read line by line, its exit noticed
// through SIGCHLD. Not thread-safe: use it from one strand (or a
// single-threaded io_context); the handlers run there.
//
// Reaping: an asio::signal_set on SIGCHLD, then waitpid(pid, WNOHANG) on our
// own pid only, never waitpid(-1), so children of other parts of the process
// (test helpers, other supervisors) are never stolen. Boost.Process v1 is
// avoided for its racy SIGCHLD handler.
//
// When the child exits, anything left in its process group is SIGKILLed (the
// group is ours, nothing in it should outlive its leader), the output is read
// to its end (bounded by drain_timeout in case something outside the group
// holds the pipe) and only then the exit handler runs: the last lines, often
// the reason for a crash, come before the exit.

#include "turn/supervisor/line_splitter.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace switchboard::turn {

struct child_options {
  std::vector<std::string> argv;                  // argv[0]: program path, or a name searched in PATH
  std::size_t max_line_bytes = 8192;              // longer output lines are cut and counted
  std::chrono::milliseconds drain_timeout{1000};  // after the exit, wait this long at most for the output to end
};

class child_process : public std::enable_shared_from_this<child_process> {
public:
  using line_handler = std::function<void(std::string_view line)>;
  using exit_handler = std::function<void(int wait_status)>;

  // Starts the child (see spawn.hpp). On failure returns nullptr and sets ec.
  static std::shared_ptr<child_process> spawn(boost::asio::any_io_executor ex, const child_options& opts,
                                              line_handler on_line, exit_handler on_exit, std::error_code& ec);

  // Kills (SIGKILL) and reaps a child still running: a child never outlives its handle.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Sends `sig` to the child's process group; ESRCH once the child was reaped
  // (its pid may belong to someone else by then).
  std::error_code signal(int sig);
  // SIGKILL and a blocking reap, now; the handlers will not run any more.
  void kill_now();

  pid_t pid() const noexcept { return pid_; }
  bool reaped() const noexcept { return reaped_; }
  std::uint64_t truncated_lines() const noexcept { return splitter_.truncated(); }

  struct private_tag {};
  child_process(private_tag, boost::asio::any_io_executor ex, const child_options& opts, line_handler on_line,
                exit_handler on_exit);

private:
  void start(pid_t pid, int output_fd);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void do_wait_signal();
  void on_sigchld();
  void maybe_finish();

  boost::asio::posix::stream_descriptor output_;
  boost::asio::signal_set sigchld_;
  boost::asio::steady_timer drain_timer_;
  std::chrono::milliseconds drain_timeout_;
  line_splitter splitter_;
  line_handler on_line_;
  exit_handler on_exit_;
  std::array<char, 4096> buffer_{};
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::optional<int> status_;
  bool output_done_ = false;
  bool drain_expired_ = false;
  bool finished_ = false;
};

}  // namespace switchboard::turn

#pragma once
// A child process for tests: stdout and stderr merged into one pipe, read by a
// background thread into a line buffer the test can wait on. The destructor
// kills (SIGKILL) and reaps a child that is still running, so a failing test
// never leaves a server behind.

#include "tests/support/deadline.hpp"

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace switchboard::test {

struct process_options {
  std::vector<std::string> argv;           // argv[0] is the program path
  std::map<std::string, std::string> env;  // added to (or replacing in) the parent's environment
  std::optional<std::string> stdin_data;   // written to the child's stdin, then closed
};

// Options for running `argv` with the parent's environment and no input.
process_options command(std::vector<std::string> argv);

class process {
public:
  // Throws std::runtime_error when the child cannot be spawned.
  explicit process(process_options opts);
  ~process();
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  // The first captured line (old or new) matching `pred`, or nullopt at the deadline
  // or when the output ended without one.
  std::optional<std::string> wait_for_line(const std::function<bool(std::string_view)>& pred, deadline until);
  std::optional<std::string> wait_for_line(std::string_view substring, deadline until);

  void signal(int sig);
  // The raw wait status once the child exited (use WIFEXITED & co), or nullopt at the deadline.
  std::optional<int> wait_exit(deadline until);
  bool running();
  pid_t pid() const noexcept { return pid_; }

  // Everything captured so far (complete lines and any partial last line).
  std::string output() const;
  // Bytes read from the child's output so far (cheap: for measuring log growth).
  std::size_t output_bytes() const;
  // Complete lines captured so far.
  std::size_t line_count() const;
  // Calls `fn` on each complete line from index `first` on, under the buffer's
  // lock (no copies of a huge log), until it returns false.
  void for_each_line(std::size_t first, const std::function<bool(std::string_view)>& fn) const;
  // Waits until the child's output has ended (EOF on the pipe), up to the deadline.
  bool wait_output_closed(deadline until);

private:
  void read_loop(int fd);
  bool try_reap();

  pid_t pid_ = -1;
  std::optional<int> status_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::string partial_;
  std::size_t bytes_read_ = 0;
  bool eof_ = false;
  bool stop_reading_ = false;
  std::thread reader_;
};

// "exited with 3", "killed by signal 9", ... for assertion messages.
std::string describe_status(int status);

// Runs a command to completion and returns its exit code and merged output;
// exit code -1 when it did not finish before the deadline (it is then killed).
struct run_result {
  int exit_code = -1;
  std::string output;
};
run_result run(process_options opts, deadline until);

}  // namespace switchboard::test

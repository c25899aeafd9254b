#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace switchboard::test {
namespace {

// A child that dies while we write to its stdin must not kill the test binary.
const bool sigpipe_ignored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto name = std::string(entry.substr(0, entry.find('=')));
    if (extra.count(name) == 0) out.emplace_back(entry);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct pipe_fds {
  int read = -1;
  int write = -1;
  pipe_fds() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    read = fds[0];
    write = fds[1];
  }
};

// Spawn attributes: own process group (so the whole tree can be killed) and
// default signal handling in the child despite our ignored SIGPIPE.
struct spawn_attributes {
  posix_spawnattr_t attr;
  spawn_attributes() {
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  }
  ~spawn_attributes() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

process_options command(std::vector<std::string> argv) {
  process_options opts;
  opts.argv = std::move(argv);
  return opts;
}

process::process(process_options opts) {
  (void)sigpipe_ignored;
  if (opts.argv.empty()) throw std::invalid_argument("process: empty argv");
  pipe_fds out;
  pipe_fds in;
  if (opts.stdin_data) {
    // Small inputs fit in the pipe buffer: write before spawning, no writer thread.
    if (opts.stdin_data->size() > 60000) throw std::invalid_argument("process: stdin_data too large");
    if (::write(in.write, opts.stdin_data->data(), opts.stdin_data->size()) !=
        static_cast<ssize_t>(opts.stdin_data->size())) {
      throw std::runtime_error("process: writing stdin failed");
    }
  }
  ::close(in.write);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, out.write, 2);
  spawn_attributes attrs;
  auto env = merged_environment(opts.env);
  auto envp = pointers(env);
  auto argv = pointers(opts.argv);
  const int rc = ::posix_spawnp(&pid_, argv[0], &actions, &attrs.attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in.read);
  ::close(out.write);
  if (rc != 0) {
    ::close(out.read);
    pid_ = -1;
    throw std::runtime_error("posix_spawn " + opts.argv[0] + ": " + std::strerror(rc));
  }
  reader_ = std::thread([this, fd = out.read] { read_loop(fd); });
}

process::~process() {
  if (pid_ > 0 && !try_reap()) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
  }
  // A grandchild may still hold the pipe open: give up on the rest of the output then.
  if (!wait_output_closed(within(std::chrono::seconds(2)))) {
    std::lock_guard lock(mutex_);
    stop_reading_ = true;
  }
  if (reader_.joinable()) reader_.join();
}

void process::read_loop(int fd) {
  // Large reads: a server flooding its log must not be slowed down by us.
  std::vector<char> buf(64 * 1024);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_reading_) break;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 50);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    bytes_read_ += static_cast<std::size_t>(n);
    partial_.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
      std::string line = partial_.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(std::move(line));
      start = nl + 1;
    }
    partial_.erase(0, start);
    changed_.notify_all();
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  eof_ = true;
  changed_.notify_all();
}

std::optional<std::string> process::wait_for_line(const std::function<bool(std::string_view)>& pred,
                                                  deadline until) {
  std::unique_lock lock(mutex_);
  std::size_t checked = 0;
  for (;;) {
    for (; checked < lines_.size(); ++checked) {
      if (pred(lines_[checked])) return lines_[checked];
    }
    if (eof_) {
      if (!partial_.empty() && pred(partial_)) return partial_;
      return std::nullopt;
    }
    if (changed_.wait_until(lock, until) == std::cv_status::timeout && checked == lines_.size()) {
      return std::nullopt;
    }
  }
}

std::optional<std::string> process::wait_for_line(std::string_view substring, deadline until) {
  const std::string needle(substring);
  return wait_for_line([&](std::string_view line) { return line.find(needle) != std::string_view::npos; },
                       until);
}

void process::signal(int sig) {
  if (pid_ > 0 && !try_reap()) ::kill(pid_, sig);
}

bool process::try_reap() {
  if (status_) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = status;
  return status_.has_value();
}

std::optional<int> process::wait_exit(deadline until) {
  for (;;) {
    if (try_reap()) return status_;
    if (clock::now() >= until) return std::nullopt;
    // Polling waitpid keeps SIGCHLD handling out of the test binary.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool process::running() { return pid_ > 0 && !try_reap(); }

std::string process::output() const {
  std::lock_guard lock(mutex_);
  std::string all;
  for (const auto& line : lines_) all += line + "\n";
  return all + partial_;
}

std::size_t process::output_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_read_;
}

std::size_t process::line_count() const {
  std::lock_guard lock(mutex_);
  return lines_.size();
}

void process::for_each_line(std::size_t first, const std::function<bool(std::string_view)>& fn) const {
  std::lock_guard lock(mutex_);
  for (std::size_t i = first; i < lines_.size(); ++i) {
    if (!fn(lines_[i])) return;
  }
}

bool process::wait_output_closed(deadline until) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, until, [this] { return eof_; });
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

run_result run(process_options opts, deadline until) {
  process child(std::move(opts));
  run_result result;
  const auto status = child.wait_exit(until);
  if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  child.wait_output_closed(until);
  result.output = child.output();
  return result;
}

}  // namespace switchboard::test

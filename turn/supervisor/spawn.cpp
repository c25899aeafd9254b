#include "turn/supervisor/spawn.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <utility>

extern char** environ;

namespace switchboard::turn {
namespace {

std::error_code errno_code(int e) { return {e, std::system_category()}; }

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

bool make_pipe(unique_fd& r, unique_fd& w) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  r.reset(fds[0]);
  w.reset(fds[1]);
  return true;
}

// Done before fork: the forked child of a threaded process may only make
// async-signal-safe calls, and a PATH search allocates.
std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* env = std::getenv("PATH");
  std::string_view dirs = env != nullptr && *env != '\0' ? env : "/usr/local/bin:/usr/bin:/bin";
  for (;;) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

[[noreturn]] void report_and_exit(int report_fd) {
  const int e = errno;
  (void)!::write(report_fd, &e, sizeof e);
  ::_exit(127);
}

// Runs in the forked child: async-signal-safe calls only.
[[noreturn]] void exec_child(const char* path, char* const* argv, int in, int out, int report_fd, pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl: then no signal will ever come.
  if (::getppid() != parent) ::_exit(127);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) report_and_exit(report_fd);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(path, argv, environ);
  report_and_exit(report_fd);
}

// Blocks until exec succeeded (the close-on-exec pipe reads EOF) or the child
// wrote its errno; in the latter case reaps it.
std::error_code exec_result(pid_t pid, int report_fd) {
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report_fd, &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof child_errno)) return {};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return errno_code(child_errno);
}

}  // namespace

std::error_code spawn_child(const std::vector<std::string>& argv, spawned_child& out) {
  if (argv.empty()) return std::make_error_code(std::errc::invalid_argument);
  const std::string path = resolve(argv[0]);
  if (path.empty()) return std::make_error_code(std::errc::no_such_file_or_directory);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  unique_fd out_r, out_w, report_r, report_w;
  if (!make_pipe(out_r, out_w) || !make_pipe(report_r, report_w)) return errno_code(errno);
  unique_fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (devnull.get() < 0) return errno_code(errno);

  const pid_t parent = ::getpid();
  // Blocked across fork so no handler of ours runs in the child before it
  // resets them; the child unblocks after the reset.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(path.c_str(), args.data(), devnull.get(), out_w.get(), report_w.get(), parent);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return errno_code(fork_errno);

  ::setpgid(pid, pid);  // also from here, so the group exists before we ever signal it
  out_w.reset();
  report_w.reset();
  devnull.reset();
  if (auto ec = exec_result(pid, report_r.get())) return ec;
  out.pid = pid;
  out.output_fd = out_r.release();
  return {};
}

}  // namespace switchboard::turn

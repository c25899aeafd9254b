#pragma once
// Keeps one child process (coturn) running: starts it, polls a readiness
// check until it passes, restarts it with backoff when it exits, gives up
// loudly after a crash loop, stops it (SIGTERM, SIGKILL after a deadline)
// and asks it to reload its certificate (SIGUSR2) when the files change.
// The decisions are restart_policy's and cert_watch's; this is the Asio
// plumbing around them and child_process.
//
// Threading: everything runs on a strand made from the given executor; the
// callbacks run there too. start() and stop() may be called from any thread;
// the counters may be read from any thread.
//
// Lifetime: call stop() and wait for `done` before destroying it. Destroying
// it with a child still running kills the child with SIGKILL at once; do that
// on the executor's thread or after the io_context stopped running, and
// before the io_context is destroyed. If Switchboard itself dies, the child
// gets SIGKILL from the kernel (PR_SET_PDEATHSIG, see spawn.hpp).

#include "turn/supervisor/restart_policy.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace switchboard::turn {

class supervisor_metrics;

// What the owner is told: up (process exists), ready (check passed), down
// (no process), given_up (crash loop; stays down until a new supervisor).
enum class child_state { down, up, ready, given_up };

std::string_view to_string(child_state s) noexcept;

struct supervisor_config {
  std::vector<std::string> argv;                       // the child's command line; argv[0] absolute or in PATH
  restart_config policy;                               // backoff, crash loop and stop timeouts
  std::chrono::milliseconds readiness_interval{250};   // between failed readiness checks
  std::vector<std::string> cert_paths;                 // TLS files to watch; empty: no watching
  std::chrono::milliseconds cert_poll_interval{5000};  // how often cert_paths are stat'ed
  std::size_t max_line_bytes = 8192;                   // longer output lines are cut and counted
  std::string name = "turnserver";                     // the child's name in log messages
  std::shared_ptr<spdlog::logger> log;                 // null: spdlog's default logger
  supervisor_metrics* metrics = nullptr;               // updated when set; must outlive the supervisor
};

// Answers whether the child serves yet, by calling `done` exactly once (from
// any thread), also on its own timeout.
using readiness_check = std::function<void(std::function<void(bool ready)> done)>;

struct supervisor_callbacks {
  std::function<void(std::string_view line)> on_line;  // every output line (stdout and stderr)
  std::function<void(child_state)> on_state;           // each change of state
  readiness_check check_ready;                         // null: ready as soon as spawned
};

class process_supervisor {
public:
  process_supervisor(boost::asio::any_io_executor ex, supervisor_config cfg, supervisor_callbacks cb);
  ~process_supervisor();
  process_supervisor(const process_supervisor&) = delete;
  process_supervisor& operator=(const process_supervisor&) = delete;

  // Starts the child (once; later calls do nothing).
  void start();
  // Stops the child and stops restarting it; `done` runs on the strand once
  // it is gone. Also valid before start() or after giving up.
  void stop(std::function<void()> done);

  std::uint64_t restarts() const noexcept;
  bool is_up() const noexcept;
  bool is_ready() const noexcept;
  bool given_up() const noexcept;
  pid_t pid() const noexcept;  // 0 while no child runs
  std::uint64_t cert_reloads() const noexcept;
  std::uint64_t truncated_lines() const noexcept;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace switchboard::turn

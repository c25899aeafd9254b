#pragma once
// Rate limit for repeated warnings of one kind (a refused upgrade, a bad
// frame...), so that a client repeating a mistake cannot flood the log. Pure:
// the caller passes the time. Thread-safe; meant for warning paths only.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace switchboard::log {

class log_throttle {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  struct verdict {
    bool log = true;                    // emit this line
    std::size_t suppressed_before = 0;  // lines of this kind dropped since the last one logged
  };
  struct pending {
    std::size_t kind = 0;
    std::size_t suppressed = 0;
    bool operator==(const pending&) const = default;
  };

  // Kinds are 0..kinds-1, fixed here so the state is bounded. Per kind, at
  // most `burst` lines per window; a window opens at the first line after the
  // previous one ended. A kind outside the range shares one overflow slot,
  // reported as kind == kinds.
  explicit log_throttle(std::size_t kinds, std::chrono::milliseconds window = std::chrono::seconds(10),
                        std::size_t burst = 5);
  log_throttle(const log_throttle&) = delete;
  log_throttle& operator=(const log_throttle&) = delete;

  // One event of `kind`. When suppressed_before > 0 on a line that is
  // logged, the caller adds "suppressed N similar messages".
  verdict check(std::size_t kind, time_point now);

  // Kinds whose window has ended with lines still unreported; their counts
  // are reset. For a timer, so a burst that stops is still summed up.
  std::vector<pending> flush(time_point now);

private:
  struct slot {
    time_point window_start{};
    std::size_t logged = 0;
    std::size_t suppressed = 0;
    bool open = false;
  };
  bool window_over(const slot& s, time_point now) const { return !s.open || now - s.window_start >= window_; }

  std::chrono::milliseconds window_;
  std::size_t burst_;
  std::mutex mutex_;
  std::vector<slot> slots_;  // kinds + 1 (overflow); never resized
};

// "suppressed 3 similar messages" (singular for 1).
std::string suppressed_text(std::size_t count);

}  // namespace switchboard::log

#pragma once
// What an attack did to the server, seen from outside: its memory (VmRSS and
// VmHWM in /proc/<pid>/status) and its log (bytes written, line validity).

#include "tests/support/process.hpp"

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

namespace switchboard::test {

struct memory_status {
  std::size_t rss_bytes = 0;   // VmRSS: resident now
  std::size_t peak_bytes = 0;  // VmHWM: highest resident since start (or the last reset)
};

// nullopt once the process is gone.
std::optional<memory_status> read_memory(pid_t pid);

// Peak resident memory relative to a baseline taken at construction, after
// start-up. The kernel's peak is reset first (/proc/<pid>/clear_refs "5"), so
// start-up transients do not count as attack growth.
class memory_watch {
public:
  explicit memory_watch(pid_t pid);
  // VmHWM now minus the baseline VmRSS (the last value seen once the process is gone).
  std::size_t peak_growth();
  // VmRSS now minus the baseline.
  std::size_t current_growth();
  std::size_t baseline() const noexcept { return baseline_; }

private:
  pid_t pid_;
  std::size_t baseline_ = 0;
  std::size_t last_peak_ = 0;
};

// The log from a point on: bytes written and whether every line is valid.
class log_window {
public:
  // Starts at everything captured so far.
  explicit log_window(process& p);
  // Waits (up to 2 s) until the log has stopped growing for a moment, so
  // lines still in the pipe are counted; then the bytes written since the start.
  std::size_t settle_and_measure();
  std::size_t lines() const;
  // The longest line since the start, in bytes.
  std::size_t longest_line() const;
  // Lines since the start that contain `needle`.
  std::size_t count(std::string_view needle) const;
  // Checks every line of the whole log: with json, each is a JSON object;
  // otherwise valid UTF-8 without control characters. "" when all are valid,
  // else the first offending line (shortened) and why.
  std::string first_invalid_line(bool json) const;

private:
  process& proc_;
  std::size_t first_line_ = 0;
  std::size_t start_bytes_ = 0;
};

// Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace switchboard::test

#pragma once
// The commands of one redis_connection: those waiting for the connection and
// those in flight, in submission order. Pure (no I/O, the clock is passed in):
// it decides which callbacks fire with what; the driver fires them afterwards,
// so a callback that submits or closes never finds the queue half-updated.
//
// Replies arrive in the order commands were written, so the in-flight front
// always owns the next reply. A command whose caller deadline passes gets its
// timeout right away but keeps its place (a "ghost") until its reply or the
// connection's end: replies can never be matched to the wrong command. The
// connection itself counts as broken when the oldest in-flight command has
// been on the wire for a full timeout; measuring from the write, not from
// submission, keeps a reconnect that flushes old queued commands from failing
// again at once.

#include "signaling/cluster/redis_options.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

namespace switchboard::cluster {

class command_queue {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  command_queue(std::size_t max_commands, std::size_t max_bytes, clock::duration timeout);

  // Bytes a command is counted as: its arguments plus a little framing.
  static std::size_t cost(const redis_argv& argv) noexcept;
  // Whether a command of `bytes` fits under both bounds (ghosts still count:
  // their replies are still coming).
  bool admits(std::size_t bytes) const noexcept;
  // Adds a command to the waiting end. `internal` ones (the idle PING) skip
  // the bounds check and the latency report.
  void push(redis_argv argv, redis_callback cb, time_point now, bool internal = false);

  // The oldest waiting command to write, or null.
  const redis_argv* front_waiting() const noexcept;
  // It was written: it moves to the in-flight end.
  void mark_sent(time_point now);

  struct completion {
    redis_callback cb;  // empty when the caller already got its timeout
    time_point sent_at;
    bool internal = false;
  };
  // A reply arrived for the oldest in-flight command; nullopt if none is in
  // flight (the stream is out of step: the caller drops the connection).
  std::optional<completion> pop_reply();

  struct expiry {
    std::vector<redis_callback> timed_out;  // to call with redis_errc::timeout
    bool connection_stuck = false;          // the oldest in-flight command waited a full timeout on the wire
  };
  expiry expire(time_point now);

  // The connection is gone: every in-flight callback (not yet answered).
  std::vector<redis_callback> take_in_flight();
  // Closing: every callback, in flight or waiting.
  std::vector<redis_callback> take_all();

  // When expire() next has something to do.
  std::optional<time_point> next_deadline() const;

  std::size_t size() const noexcept { return waiting_.size() + in_flight_.size(); }
  std::size_t in_flight() const noexcept { return in_flight_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }

private:
  struct entry {
    redis_argv argv;  // released once written
    std::size_t bytes = 0;
    redis_callback cb;
    time_point deadline;
    time_point sent_at;
    bool internal = false;
  };
  void release(const entry& e) noexcept;

  std::size_t max_commands_;
  std::size_t max_bytes_;
  clock::duration timeout_;
  std::deque<entry> waiting_;
  std::deque<entry> in_flight_;
  std::size_t bytes_ = 0;
};

}  // namespace switchboard::cluster

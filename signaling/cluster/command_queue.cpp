#include "signaling/cluster/command_queue.hpp"

#include <algorithm>
#include <utility>

namespace switchboard::cluster {

command_queue::command_queue(std::size_t max_commands, std::size_t max_bytes, clock::duration timeout)
    : max_commands_(max_commands), max_bytes_(max_bytes), timeout_(timeout) {}

std::size_t command_queue::cost(const redis_argv& argv) noexcept {
  // RESP framing ("$<len>\r\n...\r\n") is about 16 bytes per argument.
  std::size_t bytes = 16;
  for (const auto& arg : argv) bytes += arg.size() + 16;
  return bytes;
}

bool command_queue::admits(std::size_t bytes) const noexcept {
  return size() < max_commands_ && bytes_ + bytes <= max_bytes_;
}

void command_queue::push(redis_argv argv, redis_callback cb, time_point now, bool internal) {
  entry e;
  e.bytes = cost(argv);
  e.argv = std::move(argv);
  e.cb = std::move(cb);
  e.deadline = now + timeout_;
  e.internal = internal;
  bytes_ += e.bytes;
  waiting_.push_back(std::move(e));
}

const redis_argv* command_queue::front_waiting() const noexcept {
  return waiting_.empty() ? nullptr : &waiting_.front().argv;
}

void command_queue::mark_sent(time_point now) {
  if (waiting_.empty()) return;
  auto e = std::move(waiting_.front());
  waiting_.pop_front();
  e.argv = {};  // hiredis copied it into its output buffer
  e.sent_at = now;
  in_flight_.push_back(std::move(e));
}

std::optional<command_queue::completion> command_queue::pop_reply() {
  if (in_flight_.empty()) return std::nullopt;
  auto& e = in_flight_.front();
  completion done{std::move(e.cb), e.sent_at, e.internal};
  release(e);
  in_flight_.pop_front();
  return done;
}

command_queue::expiry command_queue::expire(time_point now) {
  expiry out;
  while (!waiting_.empty() && waiting_.front().deadline <= now) {
    out.timed_out.push_back(std::move(waiting_.front().cb));
    release(waiting_.front());
    waiting_.pop_front();
  }
  // Deadlines grow along the deque; ghosts (empty callbacks) keep their place.
  for (auto& e : in_flight_) {
    if (e.deadline > now) break;
    if (e.cb) out.timed_out.push_back(std::exchange(e.cb, {}));
  }
  out.connection_stuck = !in_flight_.empty() && in_flight_.front().sent_at + timeout_ <= now;
  return out;
}

std::vector<redis_callback> command_queue::take_in_flight() {
  std::vector<redis_callback> out;
  for (auto& e : in_flight_) {
    if (e.cb) out.push_back(std::move(e.cb));
    release(e);
  }
  in_flight_.clear();
  return out;
}

std::vector<redis_callback> command_queue::take_all() {
  auto out = take_in_flight();
  for (auto& e : waiting_) {
    out.push_back(std::move(e.cb));
    release(e);
  }
  waiting_.clear();
  return out;
}

std::optional<command_queue::time_point> command_queue::next_deadline() const {
  std::optional<time_point> next;
  const auto consider = [&next](time_point t) { next = next ? std::min(*next, t) : t; };
  if (!waiting_.empty()) consider(waiting_.front().deadline);
  if (!in_flight_.empty()) consider(in_flight_.front().sent_at + timeout_);
  const auto live = std::find_if(in_flight_.begin(), in_flight_.end(), [](const entry& e) { return bool(e.cb); });
  if (live != in_flight_.end()) consider(live->deadline);
  return next;
}

void command_queue::release(const entry& e) noexcept { bytes_ -= e.bytes; }

}  // namespace switchboard::cluster

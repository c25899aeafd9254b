#pragma once
// What one WebSocket connection still has to write, with no I/O: queued
// messages (bounded, core::send_queue), framed only when gathered, and
// control bytes (the 101 response, pongs, pings, a close frame) that go out at
// the next frame boundary. The session gathers everything into one write and
// reports how many bytes went out; a write may stop anywhere, even inside a
// header, and the next gather resumes there.

#include "signaling/core/send_queue.hpp"
#include "signaling/net/ws_frame.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::net::ws {

class outbox {
public:
  outbox(std::size_t max_messages, std::size_t max_bytes) : queue_(max_messages, max_bytes) {}

  // Queues a text message; false (nothing queued) past a bound: a slow consumer.
  [[nodiscard]] bool push(core::outbound_ptr msg) { return queue_.push(std::move(msg)); }
  // Bytes written as they are, before the queued messages not yet started.
  void push_control(std::string_view bytes) { control_.append(bytes); }

  bool empty() const noexcept { return queue_.empty() && control_.empty(); }
  std::size_t queued_messages() const noexcept { return queue_.size(); }
  std::size_t queued_bytes() const noexcept { return queue_.bytes(); }

  // Drops the queued messages, except those the last gather handed to a write
  // and a frame partly written (a frame cannot be cut short).
  void drop_queued();

  // Fills `out` (at most max_buffers entries, at least 2) with the bytes still
  // to write, in order. Frame headers are built into `headers`, which must stay
  // untouched until consume(). What is pushed meanwhile goes after all of it.
  // Messages stop being added once `max_bytes` are gathered (at least one is).
  void gather(std::vector<std::span<const char>>& out, std::vector<frame_header>& headers,
              std::size_t max_buffers, std::size_t max_bytes = static_cast<std::size_t>(-1));

  // `n` bytes of the last gather were written: frees what is done and calls
  // sent(message) for each message now written whole, in order.
  template <class Sent>
  void consume(std::size_t n, Sent&& sent);

private:
  static std::size_t frame_size(const core::outbound_ptr& m) noexcept {
    const std::size_t len = m->text.size();
    return len + (len < 126 ? 2 : len <= 0xFFFF ? 4 : 10);
  }
  // Takes up to `n` bytes for the control bytes of the last gather; true when they are all out.
  bool consume_control(std::size_t& n);
  void pop();

  core::send_queue queue_;
  std::size_t front_sent_ = 0;        // bytes of the front message's frame already written
  std::size_t gathered_ = 0;          // messages (from the front) in the last gather, not yet written whole
  std::string control_;
  std::size_t control_sent_ = 0;      // bytes of control_ already written
  std::size_t control_gathered_ = 0;  // end of the control bytes in the last gather
};

template <class Sent>
void outbox::consume(std::size_t n, Sent&& sent) {
  if (front_sent_ > 0) {  // the last gather started inside the front frame
    const std::size_t take = std::min(n, frame_size(queue_.front()) - front_sent_);
    front_sent_ += take;
    n -= take;
    if (front_sent_ < frame_size(queue_.front())) return;
    sent(queue_.front());
    pop();
  }
  if (!consume_control(n)) return;
  while (n > 0) {
    const std::size_t size = frame_size(queue_.front());
    if (n < size) {
      front_sent_ = n;
      return;
    }
    n -= size;
    sent(queue_.front());
    pop();
  }
}

}  // namespace switchboard::net::ws

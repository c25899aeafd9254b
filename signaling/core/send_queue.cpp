#include "signaling/core/send_queue.hpp"

#include <algorithm>
#include <utility>

namespace switchboard::core {
namespace {

// Storage kept when the queue drains: enough for the usual handful of
// messages in flight without reallocating on every burst.
constexpr std::size_t kept_capacity = 8;

}  // namespace

send_queue::send_queue(std::size_t max_messages, std::size_t max_bytes)
    : max_messages_(max_messages), max_bytes_(max_bytes) {}

bool send_queue::push(outbound_ptr msg) {
  const std::size_t n = msg->text.size();
  if (size_ >= max_messages_ || n > max_bytes_ - bytes_) return false;
  if (size_ == capacity_) grow();
  ring_[(head_ + size_) & (capacity_ - 1)] = std::move(msg);
  ++size_;
  bytes_ += n;
  return true;
}

void send_queue::pop() {
  auto& slot = ring_[head_];
  bytes_ -= slot->text.size();
  slot.reset();
  head_ = (head_ + 1) & (capacity_ - 1);
  --size_;
  shrink_if_drained();
}

void send_queue::keep_front(std::size_t n) {
  while (size_ > n) {
    auto& slot = ring_[(head_ + size_ - 1) & (capacity_ - 1)];
    bytes_ -= slot->text.size();
    slot.reset();
    --size_;
  }
  shrink_if_drained();
}

void send_queue::grow() {
  const std::size_t cap = capacity_ == 0 ? 4 : capacity_ * 2;
  auto ring = std::make_unique<outbound_ptr[]>(cap);
  for (std::size_t i = 0; i < size_; ++i) ring[i] = std::move(ring_[(head_ + i) & (capacity_ - 1)]);
  ring_ = std::move(ring);
  capacity_ = cap;
  head_ = 0;
}

void send_queue::shrink_if_drained() {
  if (size_ != 0) return;
  head_ = 0;
  if (capacity_ > kept_capacity) {
    ring_.reset();
    capacity_ = 0;
  }
}

}  // namespace switchboard::core

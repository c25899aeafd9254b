#include "signaling/core/send_queue.hpp"

namespace switchboard::core {

send_queue::send_queue(std::size_t max_messages, std::size_t max_bytes)
    : max_messages_(max_messages), max_bytes_(max_bytes) {}

bool send_queue::push(outbound_ptr msg) {
  const std::size_t n = msg->text.size();
  if (items_.size() >= max_messages_ || n > max_bytes_ - bytes_) return false;
  bytes_ += n;
  items_.push_back(std::move(msg));
  return true;
}

void send_queue::pop() {
  bytes_ -= items_.front()->text.size();
  items_.pop_front();
}

void send_queue::clear() {
  items_.clear();
  bytes_ = 0;
}

}  // namespace switchboard::core

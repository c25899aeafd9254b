#pragma once
// Bounded outbound queue of one connection (count and bytes). A push past
// either bound is refused: the caller closes the connection as a slow consumer.

#include "signaling/core/participant.hpp"

#include <cstddef>
#include <deque>

namespace switchboard::core {

class send_queue {
public:
  send_queue(std::size_t max_messages, std::size_t max_bytes);

  // False (and nothing queued) when the message would exceed a bound.
  [[nodiscard]] bool push(outbound_ptr msg);
  const outbound_ptr& front() const { return items_.front(); }
  void pop();
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  void clear();

private:
  std::deque<outbound_ptr> items_;
  std::size_t bytes_ = 0;
  std::size_t max_messages_;
  std::size_t max_bytes_;
};

}  // namespace switchboard::core

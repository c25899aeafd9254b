#pragma once
// Bounded outbound queue of one connection (count and bytes). A push past
// either bound is refused: the caller closes the connection as a slow consumer.
// A ring that allocates on first use and frees its storage once drained from
// a burst, so an idle connection holds none.

#include "signaling/core/participant.hpp"

#include <cstddef>
#include <memory>

namespace switchboard::core {

class send_queue {
public:
  send_queue(std::size_t max_messages, std::size_t max_bytes);

  // False (and nothing queued) when the message would exceed a bound.
  [[nodiscard]] bool push(outbound_ptr msg);
  const outbound_ptr& front() const { return (*this)[0]; }
  // The i-th message from the front (i < size()).
  const outbound_ptr& operator[](std::size_t i) const { return ring_[(head_ + i) & (capacity_ - 1)]; }
  void pop();
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return bytes_; }
  void clear() { keep_front(0); }
  // Drops every message after the first n.
  void keep_front(std::size_t n);

private:
  void grow();
  void shrink_if_drained();

  std::unique_ptr<outbound_ptr[]> ring_;
  std::size_t capacity_ = 0;  // a power of two, or 0 before the first push
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
  std::size_t max_messages_;
  std::size_t max_bytes_;
};

}  // namespace switchboard::core

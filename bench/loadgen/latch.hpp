#pragma once
// Lets a coroutine wait, with a deadline, until a count of events has happened.
// Single-threaded: count_down() runs on the same io_context thread as wait().

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>

namespace switchboard::bench {

class latch {
 public:
  explicit latch(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}

  void reset(std::size_t count) noexcept { remaining_ = count; }
  void count_down() noexcept {
    if (remaining_ > 0 && --remaining_ == 0) timer_.cancel();
  }
  std::size_t remaining() const noexcept { return remaining_; }

  // True when the count reached zero, false when `limit` passed first.
  boost::asio::awaitable<bool> wait(std::chrono::steady_clock::duration limit) {
    if (remaining_ == 0) co_return true;
    timer_.expires_after(limit);
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return remaining_ == 0;
  }

 private:
  boost::asio::steady_timer timer_;
  std::size_t remaining_ = 0;
};

}  // namespace switchboard::bench

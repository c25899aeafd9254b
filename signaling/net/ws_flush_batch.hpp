#pragma once
// The end of a batch of readiness events, with no I/O. While one event loop
// handles the sockets one epoll_wait() returned, every connection that gets
// something to write (a relayed frame, a reply, a pong) is listed once; when
// the batch ends, each is flushed once: one gather write of all the frames
// it got in the batch, instead of one write per frame or per sender. Never on
// a timer: an idle server's batch is one event, so nothing waits longer than
// the batch it arrived in takes to handle.
//
// One batch per event-loop thread. A connection asks current() whether a
// batch is open on its thread; when none is (timers, another thread's
// deliveries, several loop threads), it flushes as it did before.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace switchboard::net::ws {

class flush_batch {
public:
  // A connection that can be listed: flushed once at the end of the batch.
  class member {
  public:
    virtual ~member() = default;
    // The batch ended: write everything pending, in one gather write if the socket takes it.
    virtual void end_of_batch() = 0;

  private:
    friend class flush_batch;
    bool listed_ = false;  // touched only by the thread whose batch listed it
  };

  // Opens `b` on this thread for the scope's lifetime; ends it (flushing) on exit.
  class scope {
  public:
    explicit scope(flush_batch& b) noexcept : batch_(b), outer_(current_) { current_ = &b; }
    ~scope() {
      batch_.end();
      current_ = outer_;
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

  private:
    flush_batch& batch_;
    flush_batch* outer_;
  };

  flush_batch() = default;
  flush_batch(const flush_batch&) = delete;
  flush_batch& operator=(const flush_batch&) = delete;

  // The batch open on this thread, or null.
  static flush_batch* current() noexcept { return current_; }

  // Lists `m` for the end of this batch; false (nothing done) when it already is.
  // Keeps `m` alive until it has been flushed.
  bool add(std::shared_ptr<member> m);
  // Flushes every listed member once, in the order listed. Members listed while
  // it runs (a failed write ends a connection, which tells its contacts) are
  // flushed before it returns.
  void end();

  std::size_t listed() const noexcept { return members_.size(); }
  // Batches that had something to flush, and flushes made: for tests and metrics.
  std::uint64_t batches() const noexcept { return batches_; }
  std::uint64_t flushes() const noexcept { return flushes_; }

private:
  static thread_local flush_batch* current_;

  std::vector<std::shared_ptr<member>> members_;
  std::vector<std::shared_ptr<member>> ending_;  // the ones end() is flushing; kept for its capacity
  std::uint64_t batches_ = 0;
  std::uint64_t flushes_ = 0;
};

}  // namespace switchboard::net::ws

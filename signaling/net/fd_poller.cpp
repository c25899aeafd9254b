#include "signaling/net/fd_poller.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace switchboard::net {

namespace asio = boost::asio;

namespace {

error_code last_error() { return {errno, boost::system::system_category()}; }

// Events fetched per epoll_wait(); more ready sockets take another call.
constexpr int batch = 256;

}  // namespace

// The Asio side: waits for the epoll set to become readable. Owned by its own
// pending wait, so it goes away with the io_context (as sessions do), while
// the fd_poller, which sessions use from their destructors, outlives it.
class fd_poller::driver : public std::enable_shared_from_this<driver> {
public:
  driver(asio::io_context& ioc, int fd, std::shared_ptr<fd_poller> poller)
      : descriptor_(ioc, fd), poller_(std::move(poller)) {}

  void arm() {
    descriptor_.async_wait(asio::posix::descriptor_base::wait_read,
                           [self = shared_from_this()](const error_code& ec) {
                             if (ec) return;  // the io_context is going away
                             self->poller_->drain();
                             self->arm();
                           });
  }

private:
  asio::posix::stream_descriptor descriptor_;  // a duplicate of the set's descriptor
  std::shared_ptr<fd_poller> poller_;
};

std::shared_ptr<fd_poller> fd_poller::start(asio::io_context& ioc, bool one_thread, error_code& ec) {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    ec = last_error();
    return nullptr;
  }
  std::shared_ptr<fd_poller> poller(new fd_poller(epfd, one_thread));
  const int dup = ::fcntl(epfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) {
    ec = last_error();
    return nullptr;
  }
  std::make_shared<driver>(ioc, dup, poller)->arm();
  ec = {};
  return poller;
}

fd_poller::~fd_poller() { ::close(epfd_); }

std::unique_ptr<fd_poller::entry> fd_poller::watch(int fd, std::weak_ptr<poll_target> target, error_code& ec) {
  auto e = std::make_unique<entry>(entry{std::move(target), fd});
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = e.get();
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ec = last_error();
    return nullptr;
  }
  ec = {};
  return e;
}

void fd_poller::forget(std::unique_ptr<entry> e) {
  if (!e) return;
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, e->fd, nullptr);
  std::lock_guard lock(mutex_);
  retired_.push_back(std::move(e));
}

void fd_poller::drain() {
  {
    std::lock_guard lock(mutex_);
    retired_.clear();
  }
  std::array<epoll_event, batch> events;
  for (;;) {
    const int n = ::epoll_wait(epfd_, events.data(), batch, 0);
    if (n < 0 && errno == EINTR) continue;
    if (one_thread_) {
      // Every connection written to while these events are handled is
      // flushed once, when the scope ends: one write per destination.
      const ws::flush_batch::scope scope(batch_);
      for (int i = 0; i < n; ++i) {
        const auto* e = static_cast<const entry*>(events[i].data.ptr);
        if (auto target = e->target.lock()) target->on_poll(events[i].events);
      }
    } else {
      for (int i = 0; i < n; ++i) {
        const auto* e = static_cast<const entry*>(events[i].data.ptr);
        if (auto target = e->target.lock()) target->post_poll(events[i].events);
      }
    }
    if (n < batch) return;
  }
}

}  // namespace switchboard::net

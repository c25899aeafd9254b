#pragma once
// Readiness of the plain TCP WebSocket sockets through one edge-triggered
// epoll set, itself watched by the io_context. Internal to signaling/net.
//
// Why not Asio's reactor: with it, every read costs one more system call than
// the recv() itself (an epoll_ctl() to re-arm a wait, or a speculative recv()
// that finds nothing), about 1 µs each on this kind of VM, once per message in
// a relay. Here a socket is registered once and never re-armed; one wake-up of
// the event loop serves every socket that became ready (one epoll_wait() and
// one re-arm of this set for all of them), and each gets exactly one recv()
// unless its data filled the read buffer.

#include "signaling/net/ws_flush_batch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace switchboard::net {

using error_code = boost::system::error_code;

// What a watched socket's owner implements.
class poll_target {
public:
  virtual ~poll_target() = default;
  // Epoll events (EPOLLIN, EPOLLOUT, EPOLLRDHUP, ...) since the last call, to
  // handle now (one thread runs the io_context). Edge-triggered: read until a
  // read comes back short.
  virtual void on_poll(std::uint32_t events) = 0;
  // The same, to queue on the owner's strand (several threads run it).
  virtual void post_poll(std::uint32_t events) = 0;
};

class fd_poller : public std::enable_shared_from_this<fd_poller> {
public:
  // One watched socket: what each epoll event points at. Holds nothing of
  // Asio's: retired entries may outlive the io_context.
  struct entry {
    std::weak_ptr<poll_target> target;
    int fd = -1;
  };

  // A poller on `ioc`; null (and ec set) when epoll is unavailable. With
  // one_thread (one thread runs the io_context, so strands serialise nothing),
  // targets get on_poll(), otherwise post_poll().
  static std::shared_ptr<fd_poller> start(boost::asio::io_context& ioc, bool one_thread, error_code& ec);
  ~fd_poller();
  fd_poller(const fd_poller&) = delete;
  fd_poller& operator=(const fd_poller&) = delete;

  // Watches `fd` for input and output until forget(). Thread-safe.
  std::unique_ptr<entry> watch(int fd, std::weak_ptr<poll_target> target, error_code& ec);
  // Stops watching; call before closing the fd. Thread-safe.
  void forget(std::unique_ptr<entry> e);

private:
  class driver;
  fd_poller(int epfd, bool one_thread) : epfd_(epfd), one_thread_(one_thread) {}
  // Hands every ready socket to its target; called by the driver when the set is readable.
  void drain();

  int epfd_;
  bool one_thread_;
  // One thread: each epoll_wait()'s events are one batch; what they queue is
  // written when it ends (ws_flush_batch.hpp). Drain's thread only.
  ws::flush_batch batch_;
  std::mutex mutex_;
  // Forgotten entries, freed at the start of the next drain: only a drain
  // under way can still hold events that point at them.
  std::vector<std::unique_ptr<entry>> retired_;
};

}  // namespace switchboard::net

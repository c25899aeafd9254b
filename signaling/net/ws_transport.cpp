#include "signaling/net/ws_transport.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>

namespace switchboard::net {

namespace asio = boost::asio;

namespace {

// Big enough for every frame a busy connection has queued up: the kernel
// hands over what it has, up to this, in one call.
constexpr std::size_t read_buffer_size = 64 * 1024;

error_code from_errno(int e) { return {e, boost::system::system_category()}; }

}  // namespace

strand_t strand_of(const asio::any_io_executor& ex) {
  if (const auto* s = ex.target<strand_t>()) return *s;
  auto& ctx = static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
  return asio::make_strand(ctx);
}

plain_transport::plain_transport(plain_stream&& stream) : strand_(strand_of(stream.get_executor())) {
  error_code ec;
  const int fd = stream.socket().release(ec);  // Asio forgets it: no more events there
  if (ec) return;  // already gone: reads fail and the session ends
  const int flags = ::fcntl(fd, F_GETFL);
  if ((flags & O_NONBLOCK) == 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  fd_ = fd;
}

void plain_transport::watch(std::shared_ptr<fd_poller> poller, std::weak_ptr<poll_target> target, error_code& ec) {
  if (fd_ < 0) {
    ec = asio::error::bad_descriptor;
    return;
  }
  poller_ = std::move(poller);
  entry_ = poller_->watch(fd_, std::move(target), ec);
}

std::span<char> plain_transport::read(error_code& ec) {
  // On the heap: a large thread_local array would be static TLS, carved out
  // of every thread's stack, including the small ones of other libraries.
  thread_local const std::unique_ptr<std::array<char, read_buffer_size>> storage =
      std::make_unique<std::array<char, read_buffer_size>>();
  auto& buffer = *storage;
  read_full_ = false;
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      ec = {};
      read_full_ = static_cast<std::size_t>(n) == buffer.size();
      return {buffer.data(), static_cast<std::size_t>(n)};
    }
    if (n == 0) {
      ec = asio::error::eof;
    } else if (errno == EINTR) {
      continue;
    } else {
      ec = errno == EAGAIN || errno == EWOULDBLOCK ? error_code(asio::error::would_block) : from_errno(errno);
    }
    return {};
  }
}

std::size_t plain_transport::write(const byte_spans& pieces, error_code& ec) {
  thread_local std::vector<iovec> iov;
  iov.clear();
  for (const auto& p : pieces) iov.push_back({const_cast<char*>(p.data()), p.size()});
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = std::min<std::size_t>(iov.size(), IOV_MAX);
  for (;;) {
    // MSG_NOSIGNAL: a peer that went away is an error code, not a SIGPIPE.
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = errno == EAGAIN || errno == EWOULDBLOCK ? error_code(asio::error::would_block) : from_errno(errno);
    return 0;
  }
}

void plain_transport::close() {
  if (fd_ < 0) return;
  if (poller_) poller_->forget(std::move(entry_));
  ::close(fd_);
  fd_ = -1;
}

}  // namespace switchboard::net

#include "signaling/net/ws_transport.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>

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

plain_transport::plain_transport(plain_stream&& stream)
    : strand_(strand_of(stream.get_executor())), socket_(strand_) {
  auto& old = stream.socket();
  error_code ec;
  const auto protocol = old.local_endpoint(ec).protocol();
  if (ec) return;  // already gone: socket_ stays closed and the first wait fails
  const auto fd = old.release(ec);
  if (ec) return;
  socket_.assign(protocol, fd, ec);
  if (!ec) socket_.non_blocking(true, ec);
}

std::span<char> plain_transport::read(error_code& ec) {
  thread_local std::array<char, read_buffer_size> buffer;
  read_full_ = false;
  for (;;) {
    const ssize_t n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), 0);
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
    const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = errno == EAGAIN || errno == EWOULDBLOCK ? error_code(asio::error::would_block) : from_errno(errno);
    return 0;
  }
}

void plain_transport::shutdown_send() {
  error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
}

void plain_transport::close() {
  error_code ignored;
  socket_.close(ignored);
}

}  // namespace switchboard::net

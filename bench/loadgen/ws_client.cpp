#include "bench/loadgen/ws_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>

namespace switchboard::bench {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {
constexpr auto with_error = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_frame_bytes = 1 << 20;
}  // namespace

struct ws_client::impl {
  explicit impl(net::any_io_executor ex) : ws(std::move(ex)) {}

  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> queue;
  bool writing = false;
  bool closed = false;
};

ws_client::ws_client(net::any_io_executor ex) : impl_(std::make_unique<impl>(std::move(ex))) {}
ws_client::~ws_client() = default;

net::awaitable<error_code> ws_client::open(net::ip::tcp::endpoint server, std::string target,
                                           std::string hello, std::string& first) {
  auto& ws = impl_->ws;
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.expires_after(std::chrono::seconds(30));
  if (auto [ec] = co_await tcp.async_connect(server, with_error); ec) co_return ec;
  tcp.socket().set_option(net::ip::tcp::no_delay(true));
  tcp.expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.read_message_max(max_frame_bytes);
  ws.auto_fragment(false);  // one frame per message, as browsers send them
  ws.text(true);
  const auto host = server.address().to_string() + ":" + std::to_string(server.port());
  if (auto [ec] = co_await ws.async_handshake(host, target, with_error); ec) co_return ec;
  if (!hello.empty()) {
    if (auto [ec, n] = co_await ws.async_write(net::buffer(hello), with_error); ec) co_return ec;
  }
  auto [ec, n] = co_await ws.async_read(impl_->buffer, with_error);
  if (ec) co_return ec;
  first = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(n);
  co_return error_code{};
}

void ws_client::start_reading(message_handler on_message, close_handler on_close) {
  on_message_ = std::move(on_message);
  on_close_ = std::move(on_close);
  net::co_spawn(impl_->ws.get_executor(),
                [self = shared_from_this()] { return self->read_loop(); }, net::detached);
}

net::awaitable<void> ws_client::read_loop() {
  auto& buffer = impl_->buffer;
  for (;;) {
    auto [ec, n] = co_await impl_->ws.async_read(buffer, with_error);
    if (ec) {
      if (!impl_->closed && on_close_) on_close_(ec);
      co_return;
    }
    const auto data = buffer.cdata();
    on_message_(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer.consume(n);
  }
}

void ws_client::send(std::string frame) {
  if (impl_->closed) return;
  impl_->queue.push_back(std::move(frame));
  if (impl_->writing) return;
  impl_->writing = true;
  net::co_spawn(impl_->ws.get_executor(),
                [self = shared_from_this()] { return self->write_loop(); }, net::detached);
}

net::awaitable<void> ws_client::write_loop() {
  auto& queue = impl_->queue;
  while (!queue.empty() && !impl_->closed) {
    auto [ec, n] = co_await impl_->ws.async_write(net::buffer(queue.front()), with_error);
    if (ec) {
      queue.clear();
      break;
    }
    queue.pop_front();
  }
  impl_->writing = false;
}

void ws_client::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

std::size_t ws_client::queued() const noexcept { return impl_->queue.size(); }

}  // namespace switchboard::bench

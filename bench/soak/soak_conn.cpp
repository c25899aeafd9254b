#include "bench/soak/soak_conn.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <deque>

namespace switchboard::soak {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {
constexpr auto with_error = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_frame_bytes = 1 << 20;
constexpr auto connect_timeout = std::chrono::seconds(30);
}  // namespace

struct soak_conn::impl {
  explicit impl(net::any_io_executor ex) : ws(std::move(ex)) {}

  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> queue;
  bool writing = false;
  bool ended = false;  // the soak closed or reset it: no close report
};

soak_conn::soak_conn(net::any_io_executor ex, std::atomic<long>& live)
    : impl_(std::make_unique<impl>(std::move(ex))), live_(live) {
  live_.fetch_add(1, std::memory_order_relaxed);
}

soak_conn::~soak_conn() { live_.fetch_sub(1, std::memory_order_relaxed); }

net::awaitable<error_code> soak_conn::open(net::ip::address source, net::ip::tcp::endpoint server,
                                           std::string target, std::string origin) {
  auto& ws = impl_->ws;
  auto& tcp = beast::get_lowest_layer(ws);
  error_code ec;
  tcp.socket().open(net::ip::tcp::v4(), ec);
  if (ec) co_return ec;
  // The port is picked at connect() from the 4-tuple, so thousands of sockets can
  // share a source address without exhausting its ephemeral ports at bind().
  const int one = 1;
  (void)::setsockopt(tcp.socket().native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  tcp.socket().bind(net::ip::tcp::endpoint(source, 0), ec);
  if (ec) co_return ec;
  tcp.expires_after(connect_timeout);
  auto [connected] = co_await tcp.async_connect(server, with_error);
  if (connected) co_return connected;
  tcp.socket().set_option(net::ip::tcp::no_delay(true));
  tcp.expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
    req.set(beast::http::field::origin, origin);
    req.set(beast::http::field::user_agent, "switchboard-soak");
  }));
  ws.read_message_max(max_frame_bytes);
  ws.auto_fragment(false);  // one frame per message, as browsers send them
  ws.text(true);
  const auto host = server.address().to_string() + ":" + std::to_string(server.port());
  auto [upgraded] = co_await ws.async_handshake(host, target, with_error);
  co_return upgraded;
}

void soak_conn::start_reading(message_handler on_message, close_handler on_close) {
  on_message_ = std::move(on_message);
  on_close_ = std::move(on_close);
  net::co_spawn(impl_->ws.get_executor(), [self = shared_from_this()] { return self->read_loop(); },
                net::detached);
}

net::awaitable<void> soak_conn::read_loop() {
  auto& buffer = impl_->buffer;
  for (;;) {
    auto [ec, n] = co_await impl_->ws.async_read(buffer, with_error);
    if (ec) {
      if (impl_->ended || !on_close_) co_return;
      impl_->ended = true;
      const auto code = impl_->ws.reason().code;
      on_close_(ec == websocket::error::closed ? "closed by the server with " + std::to_string(code)
                                                : "connection lost: " + ec.message());
      co_return;
    }
    const auto data = buffer.cdata();
    if (!impl_->ended) on_message_(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer.consume(n);
  }
}

void soak_conn::send(std::string frame) {
  if (impl_->ended) return;
  impl_->queue.push_back(std::move(frame));
  if (impl_->writing) return;
  impl_->writing = true;
  net::co_spawn(impl_->ws.get_executor(), [self = shared_from_this()] { return self->write_loop(); },
                net::detached);
}

net::awaitable<void> soak_conn::write_loop() {
  auto& queue = impl_->queue;
  while (!queue.empty()) {  // a reset socket fails the write and ends this
    auto [ec, n] = co_await impl_->ws.async_write(net::buffer(queue.front()), with_error);
    if (ec) break;
    queue.pop_front();
  }
  queue.clear();
  impl_->writing = false;
}

void soak_conn::close_clean() {
  if (impl_->ended) return;
  impl_->ended = true;
  net::co_spawn(impl_->ws.get_executor(), [self = shared_from_this()] { return self->close_op(); },
                net::detached);
}

net::awaitable<void> soak_conn::close_op() {
  // Frames already queued go out first: a browser's close() follows its sends.
  while (impl_->writing) {
    net::steady_timer wait(impl_->ws.get_executor(), std::chrono::milliseconds(5));
    co_await wait.async_wait(with_error);
  }
  // Beast's suggested client timeouts bound the close handshake (30 s).
  auto [ec] = co_await impl_->ws.async_close(websocket::close_code::normal, with_error);
  (void)ec;
}

void soak_conn::reset() {
  if (impl_->ended) return;
  impl_->ended = true;
  auto& socket = beast::get_lowest_layer(impl_->ws).socket();
  error_code ignored;
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace switchboard::soak

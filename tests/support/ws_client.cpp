#include "tests/support/ws_client.hpp"
#include "tests/support/client_tls.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <functional>
#include <utility>

namespace switchboard::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

// What every stream flavour shares: the io_context that drives it and the
// state tests inspect. One thread (the test's) runs everything.
class ws_client::impl {
public:
  virtual ~impl() = default;
  virtual ws_connect_result connect(const ws_connect_options& opts, deadline until) = 0;
  virtual bool send(std::string_view payload, bool binary, deadline until) = 0;
  virtual void start_read() = 0;
  virtual bool close(std::uint16_t code, deadline until) = 0;
  virtual void drop() = 0;
  virtual bool stream_open() const = 0;

  // Runs handlers until done() or the deadline; a final poll runs what is ready.
  bool run_until(const std::function<bool()>& done, deadline until) {
    while (!done()) {
      if (io_.stopped()) io_.restart();
      if (clock::now() >= until) {
        io_.poll();
        return done();
      }
      io_.run_one_until(until);
    }
    return true;
  }

  // `reason_code` is not 0 once the server's close frame was read: the
  // server closed, even when the rest of the handshake then failed.
  void on_read_failed(const error_code& ec, std::uint16_t reason_code) {
    closed_ = true;
    if (ec == websocket::error::closed || reason_code != 0) {
      close_code_ = reason_code;
      error_ = "closed by server with code " + std::to_string(reason_code);
      if (ec != websocket::error::closed) error_ += " (then: " + ec.message() + ")";
    } else {
      error_ = ec.message();
    }
  }

  net::io_context io_;
  std::deque<std::pair<std::string, bool>> inbox_;  // payload, binary
  bool read_pending_ = false;
  bool closed_ = false;
  bool last_binary_ = false;
  std::optional<std::uint16_t> close_code_;
  std::string error_;
};

namespace {

template <class Next>
class stream_impl final : public ws_client::impl {
public:
  template <class... Args>
  explicit stream_impl(Args&&... args) : ws_(io_, std::forward<Args>(args)...) {}

  ws_connect_result connect(const ws_connect_options& opts, deadline until) override {
    ws_connect_result result;
    error_code ec = connect_tcp(opts, until);
    if (!ec) ec = tls_handshake(opts, until);
    if (!ec) ec = upgrade(opts, until);
    if (ec) {
      result.error = ec.message();
      if (ec.category() == websocket::make_error_code(websocket::error::closed).category()) {
        result.http_status = static_cast<int>(response_.result_int());
        result.body = response_.body();
      }
      drop();
      return result;
    }
    result.ok = true;
    result.http_status = static_cast<int>(response_.result_int());
    return result;
  }

  bool send(std::string_view payload, bool binary, deadline until) override {
    if (write_pending_ || closed_) return false;
    write_buf_.assign(payload);
    ws_.binary(binary);
    write_pending_ = true;
    error_code result;
    ws_.async_write(net::buffer(write_buf_), [this, &result](error_code ec, std::size_t) {
      write_pending_ = false;
      result = ec;
    });
    if (!run_until([this] { return !write_pending_; }, until)) return false;
    if (result) error_ = "write: " + result.message();
    return !result;
  }

  void start_read() override {
    if (read_pending_ || closed_) return;
    read_pending_ = true;
    ws_.async_read(buffer_, [this](error_code ec, std::size_t) {
      read_pending_ = false;
      if (ec) {
        on_read_failed(ec, static_cast<std::uint16_t>(ws_.reason().code));
        return;
      }
      inbox_.emplace_back(beast::buffers_to_string(buffer_.data()), ws_.got_binary());
      buffer_.consume(buffer_.size());
    });
  }

  bool close(std::uint16_t code, deadline until) override {
    if (closed_ || !ws_.is_open()) return false;
    bool done = false;
    error_code result;
    ws_.async_close(websocket::close_reason(code), [&](error_code ec) {
      done = true;
      result = ec;
    });
    const bool finished = run_until([&] { return done && !read_pending_; }, until);
    closed_ = true;
    if (!finished) {
      drop();
      return false;
    }
    return !result;
  }

  void drop() override {
    error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    closed_ = true;
    // Let aborted handlers run now, while everything they touch is alive.
    io_.restart();
    io_.poll();
  }

  bool stream_open() const override { return ws_.is_open(); }

private:
  error_code connect_tcp(const ws_connect_options& opts, deadline until) {
    error_code ec;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    const auto address = net::ip::make_address(opts.host, ec);
    if (ec) return ec;
    socket.open(address.is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (!ec && !opts.local_address.empty()) {
      const auto local = net::ip::make_address(opts.local_address, ec);
      if (!ec) socket.bind(tcp::endpoint(local, 0), ec);
    }
    if (!ec && opts.receive_buffer_bytes > 0) {
      socket.set_option(net::socket_base::receive_buffer_size(opts.receive_buffer_bytes), ec);
    }
    if (ec) return ec;
    bool done = false;
    socket.async_connect(tcp::endpoint(address, opts.port), [&](error_code e) {
      done = true;
      ec = e;
    });
    return finish(done, ec, until);
  }

  error_code tls_handshake(const ws_connect_options& opts, deadline until) {
    if constexpr (std::is_same_v<Next, beast::tcp_stream>) {
      (void)opts;
      (void)until;
      return {};
    } else {
      SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), "localhost");
      error_code ec;
      bool done = false;
      ws_.next_layer().async_handshake(ssl::stream_base::client, [&](error_code e) {
        done = true;
        ec = e;
      });
      return finish(done, ec, until);
    }
  }

  error_code upgrade(const ws_connect_options& opts, deadline until) {
    ws_.set_option(websocket::stream_base::decorator([origin = opts.origin](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "switchboard-integration-test");
      if (origin) req.set(beast::http::field::origin, *origin);
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    const std::string host = opts.host + ":" + std::to_string(opts.port);
    error_code ec;
    bool done = false;
    ws_.async_handshake(response_, host, opts.path, [&](error_code e) {
      done = true;
      ec = e;
    });
    return finish(done, ec, until);
  }

  // Waits for an operation that sets `done`; at the deadline, aborts it.
  error_code finish(bool& done, error_code& ec, deadline until) {
    if (run_until([&] { return done; }, until)) return ec;
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    run_until([&] { return done; }, clock::now() + std::chrono::seconds(1));
    return net::error::timed_out;
  }

  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
  websocket::response_type response_;
  std::string write_buf_;
  bool write_pending_ = false;
};

}  // namespace

ws_client::ws_client() = default;
ws_client::~ws_client() = default;
ws_client::ws_client(ws_client&&) noexcept = default;
ws_client& ws_client::operator=(ws_client&&) noexcept = default;

ws_connect_result ws_client::connect(const ws_connect_options& opts) {
  const deadline until = within(opts.timeout);
  if (opts.tls) {
    impl_ = std::make_unique<stream_impl<beast::ssl_stream<beast::tcp_stream>>>(client_tls_context());
  } else {
    impl_ = std::make_unique<stream_impl<beast::tcp_stream>>();
  }
  return impl_->connect(opts, until);
}

bool ws_client::send_text(std::string_view text, deadline until) {
  return impl_ && impl_->send(text, false, until);
}

bool ws_client::send_binary(std::string_view bytes, deadline until) {
  return impl_ && impl_->send(bytes, true, until);
}

std::optional<std::string> ws_client::read(deadline until) {
  if (!impl_) return std::nullopt;
  auto& i = *impl_;
  if (i.inbox_.empty()) {
    i.start_read();
    i.run_until([&] { return !i.inbox_.empty() || !i.read_pending_; }, until);
  }
  if (i.inbox_.empty()) return std::nullopt;
  auto [payload, binary] = std::move(i.inbox_.front());
  i.inbox_.pop_front();
  i.last_binary_ = binary;
  return std::move(payload);
}

bool ws_client::last_was_binary() const { return impl_ && impl_->last_binary_; }

std::optional<std::size_t> ws_client::drain_until_closed(deadline until) {
  std::size_t discarded = 0;
  while (read(until)) ++discarded;
  if (impl_ && impl_->closed_) return discarded;
  return std::nullopt;
}

bool ws_client::close(std::uint16_t code, deadline until) { return impl_ && impl_->close(code, until); }

void ws_client::drop() {
  if (impl_) impl_->drop();
}

bool ws_client::is_open() const { return impl_ && !impl_->closed_ && impl_->stream_open(); }

bool ws_client::ended() const { return !impl_ || impl_->closed_; }

std::optional<std::uint16_t> ws_client::close_code() const { return impl_ ? impl_->close_code_ : std::nullopt; }

std::string ws_client::last_error() const { return impl_ ? impl_->error_ : "not connected"; }

}  // namespace switchboard::test

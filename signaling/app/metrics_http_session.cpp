// A metrics connection as one coroutine: read a header under the request
// deadline, plan the answer (metrics_http_route), write it under the write
// deadline, repeat while the client keeps the connection alive.

#include "signaling/app/metrics_http_session.hpp"

#include "signaling/app/metrics_http_route.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>
#include <utility>

namespace switchboard::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using response = http::response<http::string_body>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Counts a session in ctx.open and in the connections gauge while it lives.
// Taken when the connection is admitted, before the coroutine first runs, so
// that a burst of accepts cannot overshoot the limit.
class open_slot {
public:
  explicit open_slot(metrics_http_context& ctx) : ctx_(&ctx) {
    ++ctx_->open;
    ctx_->stats.connections.Increment();
  }
  open_slot(open_slot&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  open_slot& operator=(open_slot&&) = delete;
  ~open_slot() {
    if (ctx_ == nullptr) return;
    --ctx_->open;
    ctx_->stats.connections.Decrement();
  }

private:
  metrics_http_context* ctx_;
};

std::string serialise(const prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return std::move(out).str();
}

response make_response(const metrics_http_plan& plan, unsigned version, metrics_http_context& ctx) {
  response res{static_cast<http::status>(plan.status), version};
  res.set(http::field::server, "switchboard");
  if (plan.answer == metrics_http_answer::metrics) {
    ctx.stats.scrapes.Increment();  // before serialising: a scrape sees itself counted
    res.set(http::field::content_type, metrics_content_type);
    res.body() = serialise(*ctx.registry);
  } else {
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::string(metrics_http_error_body(plan.status));
  }
  if (plan.answer == metrics_http_answer::method_not_allowed) res.set(http::field::allow, "GET, HEAD");
  res.prepare_payload();
  if (!plan.send_body) res.body().clear();  // HEAD: the GET's Content-Length, no body
  res.keep_alive(plan.keep_alive);
  return res;
}

// Closing with unread request bytes makes the kernel send a reset, which can
// discard our response before the client reads it: stop sending, drain for a
// moment, then close (RFC 9112, section 9.6).
asio::awaitable<void> linger_close(beast::tcp_stream& stream, std::chrono::milliseconds linger) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  stream.expires_after(linger);
  std::array<char, 2048> sink{};
  for (std::size_t total = 0; total < 64 * 1024;) {
    const auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
    if (read_ec) co_return;
    total += n;
  }
}

// Writes `res` under the write deadline; false when it was not sent.
asio::awaitable<bool> write(beast::tcp_stream& stream, response& res, metrics_http_context& ctx) {
  stream.expires_after(ctx.limits.write_timeout);
  const auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (ec == beast::error::timeout) ctx.stats.rejected(metrics_http_reject::timeout).Increment();
  co_return !ec;
}

// Beast's parser errors, not the end of the input.
bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// A header read that failed: a parse error is answered (400, or 431 when the
// header is too large) before closing; anything else just ends the session.
asio::awaitable<void> on_read_error(beast::tcp_stream& stream, beast::error_code ec, bool idle_keep_alive,
                                    metrics_http_context& ctx) {
  if (ec == beast::error::timeout) {
    // A kept-alive connection that sent nothing more is closed like any idle one, not counted.
    if (!idle_keep_alive) ctx.stats.rejected(metrics_http_reject::timeout).Increment();
    co_return;
  }
  if (!is_parse_error(ec)) co_return;
  ctx.stats.rejected(metrics_http_reject::bad_request).Increment();
  const bool too_large = ec == http::error::header_limit || ec == http::error::buffer_overflow;
  const metrics_http_plan plan{metrics_http_answer::bad_request, too_large ? 431u : 400u, true, false};
  auto res = make_response(plan, 11, ctx);
  // Awaited outside the condition: gcc 12 can miscompile a co_await inside one.
  const bool written = co_await write(stream, res, ctx);
  if (written) co_await linger_close(stream, ctx.limits.linger);
}

// `slot` is held, not used: it counts the connection until the coroutine ends.
asio::awaitable<void> serve(beast::tcp_stream stream, [[maybe_unused]] open_slot slot, metrics_http_context& ctx) {
  // Room for a whole header and the start of a pipelined request after it.
  beast::flat_buffer buffer(2 * ctx.limits.header_bytes);
  for (bool served = false;; served = true) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(ctx.limits.header_bytes));
    // One deadline for the idle wait and the whole header: trickling bytes does not extend it.
    stream.expires_after(ctx.limits.request_timeout);
    const auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (ec) {
      co_await on_read_error(stream, ec, served && buffer.size() == 0 && !parser.got_some(), ctx);
      co_return;
    }
    const auto& req = parser.get();
    const auto plan = plan_metrics_response(req.method_string(), req.target(), !parser.is_done(), req.keep_alive());
    if (plan.answer == metrics_http_answer::bad_request) {
      ctx.stats.rejected(metrics_http_reject::bad_request).Increment();
    }
    auto res = make_response(plan, req.version(), ctx);
    const bool written = co_await write(stream, res, ctx);
    if (!written) co_return;
    if (!plan.keep_alive) {
      co_await linger_close(stream, ctx.limits.linger);
      co_return;
    }
  }
}

}  // namespace

void start_metrics_http_session(tcp::socket socket, metrics_http_context& ctx) {
  auto executor = socket.get_executor();
  asio::co_spawn(executor, serve(beast::tcp_stream(std::move(socket)), open_slot(ctx), ctx),
                 [&log = ctx.log](const std::exception_ptr& e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& x) {
                     log.warn("metrics connection failed: {}", x.what());
                   }
                 });
}

}  // namespace switchboard::app

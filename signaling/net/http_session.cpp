// One TCP (or TLS) connection on the public port until it upgrades to a
// WebSocket: reads requests with a fresh bounded parser under a deadline,
// answers them through http_router, hands upgrades to the WebSocket session.

#include "signaling/log/log_value.hpp"
#include "signaling/net/sessions.hpp"
#include "signaling/net/ws_handshake.hpp"

#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace switchboard::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

template <class Stream>
class http_session final : public std::enable_shared_from_this<http_session<Stream>> {
public:
  template <class... Args>
  http_session(shared_context& ctx, connection_slot slot, std::optional<metrics::reject_reason> reject,
               Args&&... stream_args)
      : stream_(std::forward<Args>(stream_args)...), ctx_(ctx), slot_(std::move(slot)), reject_(reject) {}

  ~http_session() {
    if (reject_) --ctx_.rejecting;
  }

  void run() {
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.server.handshake_timeout);
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(&http_session::on_handshake, this->shared_from_this()));
    } else {
      do_read();
    }
  }

private:
  void on_handshake(beast::error_code ec) {
    if (ec) {
      ctx_.metrics.rejected(ec == beast::error::timeout ? metrics::reject_reason::handshake_timeout
                                                        : metrics::reject_reason::tls)
          .Increment();
      ctx_.log->debug("TLS handshake with {} failed: {}", slot_.ip(), ec.message());
      return;
    }
    do_read();
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(ctx_.cfg.server.max_http_body_bytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.server.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_shutdown();
    if (ec) return on_read_error(ec);
    auto req = parser_->release();
    if (reject_) return refuse(req, 503, std::string(to_string(*reject_)), false);
    if (ws::is_upgrade_request(req.method_string(), req.version(), req[http::field::connection],
                               req[http::field::upgrade])) {
      return upgrade(req);
    }
    ctx_.metrics.http_requests.Increment();
    const auto reply = ctx_.router.handle(
        http_request{req.method_string(), req.target(), req[http::field::authorization]},
        !ctx_.draining && ctx_.dependencies_ready());
    respond(req, reply, req.keep_alive() && !ctx_.draining);
  }

  // A request that could not be read: answered with its status before the
  // close, unless the client is gone or too slow to be worth an answer.
  void on_read_error(beast::error_code ec) {
    using metrics::http_error;
    if (ec == beast::error::timeout) {
      ctx_.metrics.rejected(metrics::reject_reason::handshake_timeout).Increment();
      ctx_.metrics.http_errors(http_error::timeout).Increment();
      return;
    }
    // Anything but the parser's own errors (a reset, a partial request) means the client is gone.
    if (ec == http::error::partial_message || ec.category() != http::make_error_code(http::error::bad_method).category()) {
      return;
    }
    const bool headers = ec == http::error::header_limit;
    const bool body = ec == http::error::body_limit;
    ctx_.metrics.http_errors(headers ? http_error::headers_too_large
                             : body  ? http_error::body_too_large
                                     : http_error::bad_request)
        .Increment();
    ctx_.log->debug("HTTP request from {} refused: {}", slot_.ip(), ec.message());
    http_reply reply;
    reply.status = headers ? 431 : body ? 413 : 400;
    reply.body = headers ? "request header fields too large\n"
                 : body  ? "request body too large\n"
                         : "malformed request: " + ec.message() + "\n";
    write_reply(reply, 11, false, false);
  }

  void upgrade(const http_request_t& req) {
    const auto target = req.target();
    const auto path = target.substr(0, target.find('?'));
    if (path != ctx_.cfg.server.ws_path && path != "/") {
      return refuse(req, 404, "no WebSocket endpoint at this path", true);
    }
    if (ctx_.draining) {
      ctx_.metrics.rejected(metrics::reject_reason::draining).Increment();
      return refuse(req, 503, "draining", false);
    }
    if (const auto why = origin_refusal(req); !why.empty()) {
      ctx_.metrics.rejected(metrics::reject_reason::origin).Increment();
      if (std::string note; ctx_.log_allowed(log_kind::origin_refused, note)) {
        ctx_.log->info("WebSocket from {} refused: {} (Origin '{}'){}", slot_.ip(), why,
                       log::log_value(req[http::field::origin]), note);
      }
      return refuse(req, 403, std::string(why), false);
    }
    const auto key = req[http::field::sec_websocket_key];
    if (const auto why = ws::check_upgrade(req[http::field::sec_websocket_version], key); !why.empty()) {
      ctx_.metrics.rejected(metrics::reject_reason::bad_upgrade).Increment();
      ctx_.log->debug("WebSocket from {} refused: {}", slot_.ip(), why);
      return refuse(req, 400, std::string(why), false, {{"Sec-WebSocket-Version", "13"}});
    }
    beast::get_lowest_layer(stream_).expires_never();
    // Bytes the client sent after its request (it should wait for the 101) are the session's.
    const auto early = buffer_.cdata();
    std::string query_token;
    if (ctx_.cfg.auth.allow_query_token) query_token = query_param(target, "access_token");
    start_websocket_session(std::move(stream_), key,
                            std::string_view(static_cast<const char*>(early.data()), early.size()), ctx_,
                            std::move(slot_), std::move(query_token));
  }

  // Why the upgrade's Origin is refused; empty when it is accepted.
  std::string_view origin_refusal(const http_request_t& req) const {
    const auto& server = ctx_.cfg.server;
    if (req.count(http::field::origin) > 1) return "more than one Origin header";
    const auto origin = req[http::field::origin];
    if (origin.empty()) {
      // Browsers always send an Origin: a request without one is another kind
      // of client, which production accepts only when told to.
      const bool strict = ctx_.cfg.prof == config::profile::production && !server.allow_missing_origin;
      return strict ? "no Origin header (set server.allow_missing_origin for non-browser clients)" : "";
    }
    return origin_allowed(server.allowed_origins, origin) ? "" : "origin not in server.allowed_origins";
  }

  void refuse(const http_request_t& req, unsigned status, std::string why, bool keep_alive,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    http_reply reply;
    reply.status = status;
    reply.body = std::move(why) + "\n";
    reply.headers = std::move(headers);
    respond(req, reply, keep_alive && req.keep_alive());
  }

  void respond(const http_request_t& req, const http_reply& reply, bool keep_alive) {
    write_reply(reply, req.version(), req.method() == http::verb::head, keep_alive);
  }

  void write_reply(const http_reply& reply, unsigned version, bool head, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), version);
    res->set(http::field::server, "switchboard");
    res->set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) res->set(name, value);
    res->body() = reply.body;
    res->prepare_payload();
    if (head) res->body().clear();
    res->keep_alive(keep_alive);
    // A client that does not read its answer cannot hold the connection.
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.server.handshake_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        self->on_write(ec, res->keep_alive());
                      });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    if (ec) return;
    if (!keep_alive) return do_shutdown();
    do_read();
  }

  void do_shutdown() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      linger(0);
    }
  }

  // After our FIN, reads and discards what the client still sends (briefly,
  // boundedly): closing with unread input would reset the connection and
  // could destroy the answer before the client read it.
  void linger(std::size_t discarded) {
    constexpr std::size_t max_discard = 64 * 1024;
    if (discarded > max_discard) return;
    if (discarded == 0) beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(1));  // in all
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this(), discarded](
                                                       beast::error_code ec, std::size_t n) {
      if (!ec) self->linger(discarded + n);
    });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  shared_context& ctx_;
  connection_slot slot_;
  std::optional<metrics::reject_reason> reject_;
};

}  // namespace

void start_http_session(asio::ip::tcp::socket&& socket, shared_context& ctx, connection_slot slot,
                        std::optional<metrics::reject_reason> reject) {
  if (reject) ++ctx.rejecting;
  // The stream's SSL object keeps what it needs of the context: a reload may
  // replace the context while this connection goes on.
  if (const auto tls = ctx.current_tls()) {
    std::make_shared<http_session<tls_stream>>(ctx, std::move(slot), reject, std::move(socket), *tls)->run();
  } else {
    std::make_shared<http_session<plain_stream>>(ctx, std::move(slot), reject, std::move(socket))->run();
  }
}

}  // namespace switchboard::net

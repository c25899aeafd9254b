#pragma once
// Entry points of the per-connection sessions. Internal to signaling/net.

#include "signaling/net/context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>

namespace switchboard::net {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using http_request_t = boost::beast::http::request<boost::beast::http::string_body>;

// Serves HTTP on an accepted socket (TLS first when configured). With
// `reject`, answers the first request with 503 and closes.
void start_http_session(boost::asio::ip::tcp::socket&& socket, shared_context& ctx, connection_slot slot,
                        std::optional<metrics::reject_reason> reject);

// Completes the WebSocket upgrade of `req` and runs the signaling session.
template <class Stream>
void start_websocket_session(Stream&& stream, http_request_t&& req, shared_context& ctx, connection_slot slot);

extern template void start_websocket_session<plain_stream>(plain_stream&&, http_request_t&&, shared_context&,
                                                           connection_slot);
extern template void start_websocket_session<tls_stream>(tls_stream&&, http_request_t&&, shared_context&,
                                                         connection_slot);


}  // namespace switchboard::net

#pragma once
// Entry points of the per-connection sessions. Internal to signaling/net.

#include "signaling/net/context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <string_view>

namespace switchboard::net {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using http_request_t = boost::beast::http::request<boost::beast::http::string_body>;

// Serves HTTP on an accepted socket (TLS first when configured). With
// `reject`, answers the first request with 503 and closes.
void start_http_session(boost::asio::ip::tcp::socket&& socket, shared_context& ctx, connection_slot slot,
                        std::optional<metrics::reject_reason> reject);

// Answers a checked upgrade request carrying Sec-WebSocket-Key `key` with 101
// and runs the signaling session; `early` holds bytes that followed the request;
// `query_token` is the upgrade's ?access_token= (auth.allow_query_token).
template <class Stream>
void start_websocket_session(Stream&& stream, std::string_view key, std::string_view early, shared_context& ctx,
                             connection_slot slot, std::string query_token = {});

extern template void start_websocket_session<plain_stream>(plain_stream&&, std::string_view, std::string_view,
                                                           shared_context&, connection_slot, std::string);
extern template void start_websocket_session<tls_stream>(tls_stream&&, std::string_view, std::string_view,
                                                         shared_context&, connection_slot, std::string);


}  // namespace switchboard::net

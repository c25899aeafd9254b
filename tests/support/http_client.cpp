#include "tests/support/http_client.hpp"
#include "tests/support/client_tls.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>

namespace switchboard::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

http::request<http::string_body> make_request(const http_request& req) {
  http::request<http::string_body> msg;
  msg.method_string(req.method);
  msg.target(req.target);
  msg.version(11);
  msg.set(http::field::host, req.host + ":" + std::to_string(req.port));
  msg.set(http::field::user_agent, "switchboard-integration-test");
  msg.set(http::field::connection, "close");
  for (const auto& [name, value] : req.headers) msg.set(name, value);
  if (!req.body.empty() || req.method == "POST") {
    msg.body() = req.body;
    msg.prepare_payload();
  }
  return msg;
}

http_response to_response(const http::response<http::string_body>& res) {
  http_response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res)
    out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  out.body = res.body();
  return out;
}

// Runs connect, optional TLS handshake, write and read as one chain; the
// tcp_stream deadline closes the socket when it passes.
template <class Stream>
http_response exchange(net::io_context& io, Stream& stream, const http_request& req) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(req.timeout);
  error_code ec;
  const auto address = net::ip::make_address(req.host, ec);
  if (ec) return {0, {}, {}, "bad host: " + ec.message()};
  tcp_layer.connect(tcp::endpoint(address, req.port), ec);
  if (ec) return {0, {}, {}, "connect: " + ec.message()};
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
    io.run();
    io.restart();
    if (ec) return {0, {}, {}, "tls handshake: " + ec.message()};
  }
  auto msg = make_request(req);
  http::async_write(stream, msg, [&](error_code e, std::size_t) { ec = e; });
  io.run();
  io.restart();
  if (ec) return {0, {}, {}, "write: " + ec.message()};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::async_read(stream, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
  io.run();
  if (ec) return {0, {}, {}, "read: " + ec.message()};
  return to_response(parser.get());
}

}  // namespace

std::string http_response::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

http_response http_send(const http_request& req) {
  net::io_context io;
  if (req.tls) {
    beast::ssl_stream<beast::tcp_stream> stream(io, client_tls_context());
    return exchange(io, stream, req);
  }
  beast::tcp_stream stream(io);
  return exchange(io, stream, req);
}

http_response http_get(std::uint16_t port, const std::string& target, bool tls) {
  http_request req;
  req.port = port;
  req.target = target;
  req.tls = tls;
  return http_send(req);
}

http_response http_post(std::uint16_t port, const std::string& target, const std::string& body,
                        const std::string& content_type) {
  http_request req;
  req.method = "POST";
  req.port = port;
  req.target = target;
  req.body = body;
  req.headers["Content-Type"] = content_type;
  return http_send(req);
}

}  // namespace switchboard::test

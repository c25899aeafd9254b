#include "signaling/net/listen.hpp"

#include <stdexcept>
#include <string>

namespace switchboard::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint resolve(const asio::any_io_executor& ex, const config::endpoint& ep, std::string_view key) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(ep.host, ec);
  if (!ec) return {addr, ep.port};
  tcp::resolver resolver(ex);
  const auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error(std::string(key) + ": cannot resolve '" + ep.host + "': " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace

void listen_on(tcp::acceptor& acceptor, const config::endpoint& ep, std::string_view key) {
  const tcp::endpoint at = resolve(acceptor.get_executor(), ep, key);
  boost::system::error_code ec;
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(std::string(key) + ": cannot listen on " + at.address().to_string() + ":" +
                             std::to_string(at.port()) + ": " + ec.message());
  }
}

}  // namespace switchboard::net

#pragma once
// A listening TCP socket on a configured endpoint, for the public port and
// the metrics port alike.

#include "signaling/config/config.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <string_view>

namespace switchboard::net {

// Resolves `ep` (an address literal or a host name), then opens, binds and
// listens `acceptor` on it; throws std::runtime_error naming the config `key`.
void listen_on(boost::asio::ip::tcp::acceptor& acceptor, const config::endpoint& ep, std::string_view key);

}  // namespace switchboard::net

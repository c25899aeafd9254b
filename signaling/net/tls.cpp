#include "signaling/net/context.hpp"

#include <stdexcept>

namespace switchboard::net {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> make_tls_context(const config::tls_config& tls) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(tls.cert, ec);
  if (ec) throw std::runtime_error("server.tls.cert: cannot load " + tls.cert + ": " + ec.message());
  ctx->use_private_key_file(tls.key, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("server.tls.key: cannot load " + tls.key + ": " + ec.message());
  return ctx;
}

}  // namespace switchboard::net

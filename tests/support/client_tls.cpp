#include "tests/support/client_tls.hpp"

namespace switchboard::test {

boost::asio::ssl::context& client_tls_context() {
  static boost::asio::ssl::context ctx = [] {
    boost::asio::ssl::context c(boost::asio::ssl::context::tls_client);
    c.set_verify_mode(boost::asio::ssl::verify_none);
    return c;
  }();
  return ctx;
}

}  // namespace switchboard::test

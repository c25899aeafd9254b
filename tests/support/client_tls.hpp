#pragma once
// TLS client context shared by the test clients (internal to tests/support:
// included by .cpp files only, so the public headers stay Asio-free).

#include <boost/asio/ssl/context.hpp>

namespace switchboard::test {

// Test servers use self-signed certificates: no verification.
boost::asio::ssl::context& client_tls_context();

}  // namespace switchboard::test

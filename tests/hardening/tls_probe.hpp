#pragma once
// Which certificate does a TLS server present right now? For checking that a
// SIGHUP reload takes effect for new handshakes. Plain OpenSSL, no Asio.

#include "tests/support/deadline.hpp"

#include <cstdint>
#include <string>

namespace switchboard::test {

// SHA-256 of the DER certificate the server on 127.0.0.1:port presents (hex),
// or "" when no TLS handshake completed by the deadline.
std::string served_certificate_sha256(std::uint16_t port, deadline until);

// SHA-256 of the first certificate in a PEM file (hex), "" when unreadable.
std::string pem_certificate_sha256(const std::string& path);

}  // namespace switchboard::test

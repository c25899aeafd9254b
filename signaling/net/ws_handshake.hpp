#pragma once
// The server side of the RFC 6455 opening handshake, with no I/O: recognise an
// upgrade request, check its key and version, build the 101 response. The
// HTTP request itself is read by Beast in http_session.

#include <string>
#include <string_view>

namespace switchboard::net::ws {

// GET with "Connection: ...upgrade..." and "Upgrade: ...websocket..." (tokens
// compared case-insensitively), HTTP/1.1 or later (version 11 = 1.1).
bool is_upgrade_request(std::string_view method, unsigned version, std::string_view connection,
                        std::string_view upgrade);

// Why the upgrade cannot be accepted (answered with 400), or empty when it can:
// Sec-WebSocket-Version must be 13 and Sec-WebSocket-Key 16 bytes in base64.
std::string_view check_upgrade(std::string_view version, std::string_view key);

// Sec-WebSocket-Accept: base64(SHA-1(key + the RFC 6455 GUID)).
std::string accept_key(std::string_view key);

// The whole "101 Switching Protocols" response for a checked key: no
// extension and no subprotocol are ever accepted.
std::string upgrade_response(std::string_view key);

}  // namespace switchboard::net::ws

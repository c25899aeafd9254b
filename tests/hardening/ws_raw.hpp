#pragma once
// WebSocket by hand, for attacks a client library would not let us make:
// upgrade requests with odd headers, frames announced but never finished,
// control-frame floods. Framing follows RFC 6455 (client frames masked).

#include "tests/hardening/raw_socket.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::test {

enum class ws_op : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// "GET path HTTP/1.1" upgrade request; `extra_headers` are complete lines
// ("Origin: x\r\n"), added as given (several Origin lines are allowed).
std::string upgrade_request(std::uint16_t port, std::string_view path = "/ws", std::string_view extra_headers = "");

// Connects from `local_address`, sends an upgrade request and reads the
// response head; true on "101". The response head goes to `response` when given.
bool raw_ws_connect(raw_socket& s, std::uint16_t port, deadline until, const std::string& local_address = "127.0.0.1",
                    int receive_buffer_bytes = 0, std::string* response = nullptr);

// The HTTP status in a response head ("HTTP/1.1 403 ..." -> 403), 0 when none.
int http_status_of(std::string_view response);

// A masked client frame header announcing `length` payload bytes.
std::string frame_header(ws_op op, std::uint64_t length, bool fin = true);
// The payload bytes at `offset` of a frame built by frame_header, masked.
std::string mask_payload(std::string_view payload, std::uint64_t offset = 0);
// Header and masked payload together.
std::string client_frame(ws_op op, std::string_view payload, bool fin = true);

struct server_frame {
  ws_op op = ws_op::text;
  std::string payload;
};

// Takes the complete frames off the front of `buffer` (server frames are unmasked).
std::vector<server_frame> take_frames(std::string& buffer);

// The close code of the first close frame in `frames`, if any.
std::optional<std::uint16_t> close_code_in(const std::vector<server_frame>& frames);

// Reads (discarding data frames) until a close frame or the end of the
// connection; the close code, or nullopt when none came by the deadline.
std::optional<std::uint16_t> read_close_code(raw_socket& s, std::string& pending, deadline until);

}  // namespace switchboard::test

#include "tests/hardening/ws_raw.hpp"

#include <array>

namespace switchboard::test {
namespace {

// Any key works for the server; a fixed one keeps frames reproducible.
constexpr std::array<unsigned char, 4> mask_key{0x5a, 0xc3, 0x17, 0x9e};

void append_length(std::string& out, std::uint64_t length) {
  if (length < 126) {
    out.push_back(static_cast<char>(0x80 | length));
  } else if (length <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
}

}  // namespace

std::string upgrade_request(std::uint16_t port, std::string_view path, std::string_view extra_headers) {
  std::string req = "GET " + std::string(path) + " HTTP/1.1\r\n";
  req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  req += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  req += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  req += extra_headers;
  req += "\r\n";
  return req;
}

int http_status_of(std::string_view response) {
  if (response.substr(0, 5) != "HTTP/") return 0;
  const auto space = response.find(' ');
  if (space == std::string_view::npos || space + 4 > response.size()) return 0;
  int status = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (response[i] < '0' || response[i] > '9') return 0;
    status = status * 10 + (response[i] - '0');
  }
  return status;
}

bool raw_ws_connect(raw_socket& s, std::uint16_t port, deadline until, const std::string& local_address,
                    int receive_buffer_bytes, std::string* response) {
  if (!s.connect({port, local_address, receive_buffer_bytes}, until)) return false;
  if (!s.send_all(upgrade_request(port), until)) return false;
  std::string head;
  const bool got = s.receive_until(head, "\r\n\r\n", until);
  if (response != nullptr) *response = head;
  return got && http_status_of(head) == 101;
}

std::string frame_header(ws_op op, std::uint64_t length, bool fin) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(op)));
  append_length(out, length);
  for (const auto b : mask_key) out.push_back(static_cast<char>(b));
  return out;
}

std::string mask_payload(std::string_view payload, std::uint64_t offset) {
  std::string out(payload);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(static_cast<unsigned char>(out[i]) ^ mask_key[(offset + i) % 4]);
  }
  return out;
}

std::string client_frame(ws_op op, std::string_view payload, bool fin) {
  return frame_header(op, payload.size(), fin) + mask_payload(payload);
}

std::vector<server_frame> take_frames(std::string& buffer) {
  std::vector<server_frame> frames;
  std::size_t pos = 0;
  for (;;) {
    if (buffer.size() - pos < 2) break;
    const auto b0 = static_cast<unsigned char>(buffer[pos]);
    const auto b1 = static_cast<unsigned char>(buffer[pos + 1]);
    std::uint64_t length = b1 & 0x7f;
    std::size_t header = 2;
    const std::size_t extra = length == 126 ? 2 : length == 127 ? 8 : 0;
    if (buffer.size() - pos < header + extra) break;
    if (extra > 0) {
      length = 0;
      for (std::size_t i = 0; i < extra; ++i) length = (length << 8) | static_cast<unsigned char>(buffer[pos + 2 + i]);
      header += extra;
    }
    if (buffer.size() - pos - header < length) break;
    frames.push_back({static_cast<ws_op>(b0 & 0x0f), buffer.substr(pos + header, length)});
    pos += header + length;
  }
  buffer.erase(0, pos);
  return frames;
}

std::optional<std::uint16_t> close_code_in(const std::vector<server_frame>& frames) {
  for (const auto& f : frames) {
    if (f.op != ws_op::close) continue;
    if (f.payload.size() < 2) return std::uint16_t{1005};  // no status in the frame
    return static_cast<std::uint16_t>((static_cast<unsigned char>(f.payload[0]) << 8) |
                                      static_cast<unsigned char>(f.payload[1]));
  }
  return std::nullopt;
}

std::optional<std::uint16_t> read_close_code(raw_socket& s, std::string& pending, deadline until) {
  for (;;) {
    if (auto code = close_code_in(take_frames(pending))) return code;
    if (!s.receive_some(pending, until)) return close_code_in(take_frames(pending));
  }
}

}  // namespace switchboard::test

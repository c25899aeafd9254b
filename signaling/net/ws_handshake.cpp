#include "signaling/net/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace switchboard::net::ws {
namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether a comma-separated header value lists `token`.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
}

}  // namespace

bool is_upgrade_request(std::string_view method, unsigned version, std::string_view connection,
                        std::string_view upgrade) {
  return method == "GET" && version >= 11 && has_token(connection, "upgrade") && has_token(upgrade, "websocket");
}

std::string_view check_upgrade(std::string_view version, std::string_view key) {
  if (trim(version) != "13") return "Sec-WebSocket-Version must be 13";
  key = trim(key);
  // 16 bytes in base64: 22 significant characters and "==".
  if (key.size() != 24 || !key.ends_with("==") || !std::all_of(key.begin(), key.end() - 2, base64_char)) {
    return "Sec-WebSocket-Key must be 16 bytes in base64";
  }
  return {};
}

std::string accept_key(std::string_view key) {
  std::string input(trim(key));
  input.append(guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> out{};
  const int n = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(digest.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::string upgrade_response(std::string_view key) {
  std::string r =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Server: switchboard\r\n"
      "Sec-WebSocket-Accept: ";
  r.append(accept_key(key));
  r.append("\r\n\r\n");
  return r;
}

}  // namespace switchboard::net::ws

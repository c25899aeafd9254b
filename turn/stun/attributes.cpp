#include "turn/stun/attributes.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace switchboard::stun {
namespace {

std::size_t ip_size(address_family f) noexcept { return f == address_family::ipv4 ? 4 : 16; }

// The XOR mask of RFC 8489 section 14.2: the magic cookie, then (IPv6 only)
// the transaction ID.
std::array<std::uint8_t, 16> xor_mask(const transaction_id& id) noexcept {
  std::array<std::uint8_t, 16> mask{0x21, 0x12, 0xA4, 0x42};
  std::copy(id.begin(), id.end(), mask.begin() + 4);
  return mask;
}

}  // namespace

std::string to_string(const socket_address& a) {
  char text[INET6_ADDRSTRLEN] = {};
  const int af = a.family == address_family::ipv4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, a.ip.data(), text, sizeof text) == nullptr) {
    return "?";
  }
  const std::string port = std::to_string(a.port);
  return a.family == address_family::ipv4 ? std::string(text) + ":" + port
                                          : "[" + std::string(text) + "]:" + port;
}

std::optional<socket_address> parse_address(std::string_view ip, std::uint16_t port) {
  const std::string text(ip);
  socket_address out;
  out.port = port;
  if (inet_pton(AF_INET, text.c_str(), out.ip.data()) == 1) {
    out.family = address_family::ipv4;
    return out;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.ip.data()) == 1) {
    out.family = address_family::ipv6;
    return out;
  }
  return std::nullopt;
}

attribute string_attribute(std::uint16_t type, std::string_view text) {
  return {type, bytes(text.begin(), text.end())};
}

attribute u32_attribute(std::uint16_t type, std::uint32_t value) {
  attribute a{type, {}};
  append_u32(a.value, value);
  return a;
}

attribute xor_address_attribute(std::uint16_t type, const socket_address& a,
                                const transaction_id& id) {
  const auto mask = xor_mask(id);
  attribute out{type, {0, static_cast<std::uint8_t>(a.family)}};
  append_u16(out.value, static_cast<std::uint16_t>(a.port ^ (magic_cookie >> 16)));
  for (std::size_t i = 0; i < ip_size(a.family); ++i) {
    out.value.push_back(static_cast<std::uint8_t>(a.ip[i] ^ mask[i]));
  }
  return out;
}

attribute error_code_attribute(int code, std::string_view reason) {
  // Sized once and filled in place: GCC 12 at -O2 misreads push_back + insert
  // here as an overread (-Wstringop-overread).
  attribute out{attr::error_code, {}};
  out.value.resize(4 + reason.size());
  out.value[2] = static_cast<std::uint8_t>((code / 100) & 0x07);
  out.value[3] = static_cast<std::uint8_t>(code % 100);
  std::copy(reason.begin(), reason.end(), out.value.begin() + 4);
  return out;
}

attribute requested_transport_attribute(std::uint8_t protocol) {
  return {attr::requested_transport, {protocol, 0, 0, 0}};
}

std::optional<socket_address> read_xor_address(byte_view value, const transaction_id& id) {
  if (value.size() < 4) {
    return std::nullopt;
  }
  socket_address out;
  if (value[1] == static_cast<std::uint8_t>(address_family::ipv4)) {
    out.family = address_family::ipv4;
  } else if (value[1] == static_cast<std::uint8_t>(address_family::ipv6)) {
    out.family = address_family::ipv6;
  } else {
    return std::nullopt;
  }
  if (value.size() != 4 + ip_size(out.family)) {
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(read_u16(value.data() + 2) ^ (magic_cookie >> 16));
  const auto mask = xor_mask(id);
  for (std::size_t i = 0; i < ip_size(out.family); ++i) {
    out.ip[i] = static_cast<std::uint8_t>(value[4 + i] ^ mask[i]);
  }
  return out;
}

std::optional<error_value> read_error_code(byte_view value) {
  if (value.size() < 4) {
    return std::nullopt;
  }
  const int hundreds = value[2] & 0x07;
  const int rest = value[3];
  if (hundreds < 3 || hundreds > 6 || rest > 99) {
    return std::nullopt;
  }
  return error_value{hundreds * 100 + rest, std::string(value.begin() + 4, value.end())};
}

std::optional<std::string_view> string_value(const message& m, std::uint16_t type) {
  const attribute* a = find(m, type);
  if (a == nullptr) {
    return std::nullopt;
  }
  return std::string_view(reinterpret_cast<const char*>(a->value.data()), a->value.size());
}

std::optional<std::uint32_t> u32_value(const message& m, std::uint16_t type) {
  const attribute* a = find(m, type);
  if (a == nullptr || a->value.size() != 4) {
    return std::nullopt;
  }
  return read_u32(a->value.data());
}

std::optional<socket_address> xor_address_value(const message& m, std::uint16_t type) {
  const attribute* a = find(m, type);
  return a == nullptr ? std::nullopt : read_xor_address(a->value, m.id);
}

std::optional<error_value> error_code_value(const message& m) {
  const attribute* a = find(m, attr::error_code);
  return a == nullptr ? std::nullopt : read_error_code(a->value);
}

}  // namespace switchboard::stun

#pragma once
// The attributes Switchboard reads and writes, as typed values over the raw
// TLVs of message.hpp. Readers return nullopt for an absent or malformed
// attribute, so a hostile response can at worst be judged malformed.

#include "turn/stun/message.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::stun {

namespace attr {
inline constexpr std::uint16_t mapped_address = 0x0001;
inline constexpr std::uint16_t username = 0x0006;
inline constexpr std::uint16_t message_integrity = 0x0008;
inline constexpr std::uint16_t error_code = 0x0009;
inline constexpr std::uint16_t unknown_attributes = 0x000A;
inline constexpr std::uint16_t channel_number = 0x000C;
inline constexpr std::uint16_t lifetime = 0x000D;
inline constexpr std::uint16_t xor_peer_address = 0x0012;
inline constexpr std::uint16_t data = 0x0013;
inline constexpr std::uint16_t realm = 0x0014;
inline constexpr std::uint16_t nonce = 0x0015;
inline constexpr std::uint16_t xor_relayed_address = 0x0016;
inline constexpr std::uint16_t requested_transport = 0x0019;
inline constexpr std::uint16_t message_integrity_sha256 = 0x001C;
inline constexpr std::uint16_t xor_mapped_address = 0x0020;
inline constexpr std::uint16_t software = 0x8022;
inline constexpr std::uint16_t fingerprint = 0x8028;
}  // namespace attr

// REQUESTED-TRANSPORT protocol number for UDP relaying.
inline constexpr std::uint8_t transport_udp = 17;

enum class address_family : std::uint8_t { ipv4 = 0x01, ipv6 = 0x02 };

struct socket_address {
  address_family family = address_family::ipv4;
  std::array<std::uint8_t, 16> ip{};  // network order; IPv4 uses the first 4 bytes
  std::uint16_t port = 0;
  bool operator==(const socket_address&) const = default;
};

// "192.0.2.1:32853" or "[2001:db8::1]:32853".
std::string to_string(const socket_address& a);
// Parses a numeric IPv4 or IPv6 address (no brackets, no port).
std::optional<socket_address> parse_address(std::string_view ip, std::uint16_t port);

struct error_value {
  int code = 0;        // 300..699
  std::string reason;  // UTF-8 reason phrase
};

// Writers.
attribute string_attribute(std::uint16_t type, std::string_view text);
attribute u32_attribute(std::uint16_t type, std::uint32_t value);
attribute xor_address_attribute(std::uint16_t type, const socket_address& a,
                                const transaction_id& id);
attribute error_code_attribute(int code, std::string_view reason);
attribute requested_transport_attribute(std::uint8_t protocol);

// Readers of the first attribute of a type.
std::optional<std::string_view> string_value(const message& m, std::uint16_t type);
std::optional<std::uint32_t> u32_value(const message& m, std::uint16_t type);
std::optional<socket_address> xor_address_value(const message& m, std::uint16_t type);
std::optional<error_value> error_code_value(const message& m);

// Value-level codecs, for tests and callers that hold a bare attribute.
std::optional<socket_address> read_xor_address(byte_view value, const transaction_id& id);
std::optional<error_value> read_error_code(byte_view value);

}  // namespace switchboard::stun

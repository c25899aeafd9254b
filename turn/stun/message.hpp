#pragma once
// STUN messages (RFC 8489, formerly 5389) with the TURN methods of RFC 8656
// (formerly 5766): a 20-byte header (type = method + class, length, magic
// cookie, 96-bit transaction ID) followed by TLV attributes padded to 4 bytes.
// Pure values and functions; no I/O. Attributes are kept as raw TLVs in wire
// order, so unknown ones survive a decode/encode round trip; attributes.hpp
// reads and writes the typed ones.

#include <array>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace switchboard::stun {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;
using transaction_id = std::array<std::uint8_t, 12>;

inline constexpr std::uint32_t magic_cookie = 0x2112A442;
inline constexpr std::size_t header_size = 20;

// Methods are 12 bits; kept as plain numbers so unknown methods decode too.
namespace method {
inline constexpr std::uint16_t binding = 0x001;
inline constexpr std::uint16_t allocate = 0x003;
inline constexpr std::uint16_t refresh = 0x004;
inline constexpr std::uint16_t send = 0x006;
inline constexpr std::uint16_t data = 0x007;
inline constexpr std::uint16_t create_permission = 0x008;
inline constexpr std::uint16_t channel_bind = 0x009;
}  // namespace method

enum class message_class : std::uint8_t { request = 0, indication = 1, success = 2, error = 3 };

struct attribute {
  std::uint16_t type = 0;
  bytes value;  // unpadded
  bool operator==(const attribute&) const = default;
};

struct message {
  std::uint16_t method = method::binding;
  message_class cls = message_class::request;
  transaction_id id{};
  // In wire order. decode() drops what follows MESSAGE-INTEGRITY (except
  // FINGERPRINT) and what follows FINGERPRINT, as RFC 8489 section 14 asks.
  std::vector<attribute> attributes;
  bool operator==(const message&) const = default;
};

// The 14-bit message type of a method and class (the class bits are
// interleaved with the method bits), and its inverse.
std::uint16_t message_type(std::uint16_t method, message_class cls) noexcept;
void split_message_type(std::uint16_t type, std::uint16_t& method, message_class& cls) noexcept;

// Serialises header and attributes; padding is zeros. MESSAGE-INTEGRITY and
// FINGERPRINT are computed over the wire bytes, so append them afterwards
// with integrity.hpp (or use its encode(m, signing)). Values must fit in
// 16 bits of length; ours always do.
bytes encode(const message& m);

// Parses one datagram. Checks the header, that the length matches the
// datagram exactly and that every attribute (and its padding) lies inside it.
// Padding bytes are not required to be zero (RFC 5769's vectors use spaces).
// On error `out` is unspecified.
std::error_code decode(byte_view wire, message& out);

// The first attribute of `type`, or nullptr.
const attribute* find(const message& m, std::uint16_t type) noexcept;

// One attribute seen in place: where its 4-byte header starts and its value.
struct attribute_view {
  std::uint16_t type = 0;
  std::size_t offset = 0;
  byte_view value;
};

// Checks the framing exactly as decode() does and lists every attribute in
// wire order (nothing dropped), for checks that need offsets.
std::error_code index_attributes(byte_view wire, std::vector<attribute_view>& out);

// Big-endian helpers shared by the codec files.
inline std::uint16_t read_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t read_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
void append_u16(bytes& out, std::uint16_t v);
void append_u32(bytes& out, std::uint32_t v);
inline constexpr std::size_t padded(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

}  // namespace switchboard::stun
